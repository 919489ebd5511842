"""Column headers: which column id each value cell stands under, read from the header the report prints.

Two readings, used in this order:

* by position (tables with real cell geometry: web pages, Word, PDF): every header cell covers grid
  columns; a value cell takes the id of the most specific header cell above it;
* by order (text and Markdown tables, run-together crawler text): the header names in printed order,
  with a group (法人或其他组织, 行政诉讼) standing for its members in their own printed order — so a
  two-level header printed on two lines (自然人 | 法人或其他组织 | 总计 over 商业企业 … 其他) gives
  自然人, 商业企业 … 其他, 总计, and a reordered header gives its own order.

Header text is matched after normalisation (whitespace removed), so headers split over lines or written
one character per line (结/果/维/持) read alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..normalize import normalize_label
from .labels import LabelDef, find_labels
from .lines import Line, norm_map


@dataclass
class Occurrence:
    id: str
    is_group: bool
    order: int  # global appearance order
    line: int  # which header line
    col: int | None  # grid column of the cell (positional tables)
    span: int


@dataclass
class HeaderRead:
    """Names found in a table's header lines."""

    occurrences: list[Occurrence] = field(default_factory=list)
    lines: int = 0

    def __bool__(self) -> bool:
        return bool(self.occurrences)


def read_header(lines: list[Line], leaves: tuple[LabelDef, ...], groups: tuple[LabelDef, ...]) -> HeaderRead:
    """Every leaf and group name in ``lines`` (header lines), in printed order."""
    out = HeaderRead()
    defs = leaves + groups
    group_ids = {g.id for g in groups}
    n = 0
    for li, line in enumerate(lines):
        if line.is_text:
            norm, _ = norm_map(line.cells[0].text)
            for m in find_labels(norm, defs, loose=True):
                out.occurrences.append(Occurrence(m.label.id, m.label.id in group_ids, n, li, None, 1))
                n += 1
            continue
        for c in line.cells:
            if not c.starts_here:
                continue  # a cell merged down from the line above was counted there
            norm = normalize_label(c.text)
            if not norm:
                continue
            found = find_labels(norm, defs, loose=True)
            # a cell names one column (or a group); a cell naming several is a run-together header row
            for m in found:
                out.occurrences.append(Occurrence(m.label.id, m.label.id in group_ids, n, li, c.col, c.span))
                n += 1
    out.lines = len(lines)
    return out


def order_of(header: HeaderRead, members: dict[str, tuple[str, ...]],
             template_order: list[str] | None = None) -> tuple[list[str], bool]:
    """Leaf ids in printed order, and whether part of it had to be taken from ``template_order``.

    The top level is every leaf outside a group and every group, in order of appearance; a group stands
    for its members in their order of appearance. A group whose own label is not printed takes the place
    of its first member when they share a header line; printed on a line of their own (two-level header,
    label lost), where the group stood among the top-level names is not known: the template's place is
    taken, and the second value says so.

    >>> occ = lambda items: HeaderRead([Occurrence(i, g, k, ln, None, 1) for k, (i, g, ln) in enumerate(items)])
    >>> order_of(occ([("natural_person", False, 0), ("legal_person", True, 0), ("total", False, 0),
    ...               ("commercial", False, 1), ("other_org", False, 1)]), {"legal_person": ("commercial", "other_org")})
    (['natural_person', 'commercial', 'other_org', 'total'], False)
    >>> order_of(occ([("natural_person", False, 0), ("total", False, 0), ("commercial", False, 1)]),
    ...          {"legal_person": ("commercial",)}, ["natural_person", "commercial", "total"])
    (['natural_person', 'commercial', 'total'], True)
    """
    member_of = {m: g for g, ms in members.items() for m in ms}
    seen: set[str] = set()
    top: list[tuple[str, bool]] = []  # (id, is_group)
    subs: dict[str, list[str]] = {g: [] for g in members}
    labelled: set[str] = set()
    lines_of: dict[str, set[int]] = {}
    for o in header.occurrences:
        lines_of.setdefault(member_of.get(o.id, o.id) if not o.is_group else o.id, set()).add(o.line)
        if o.id in seen:
            continue
        seen.add(o.id)
        if o.is_group:
            labelled.add(o.id)
            top.append((o.id, True))
        elif o.id in member_of:
            g = member_of[o.id]
            subs[g].append(o.id)
            if g not in seen:
                seen.add(g)
                top.append((g, True))
        else:
            top.append((o.id, False))
    assumed = False
    top_lines = {ln for id_, _ in top for ln in lines_of.get(id_, ())}
    if len(top) > 1 and template_order and not any(
            all(ln in lines_of.get(id_, ()) for id_, _ in top) for ln in top_lines):
        # the top-level names stand on different lines (a text layout printing a two-row header cell
        # higher up): lines say nothing about left and right, so the template's order is taken
        def rank(item: tuple[str, bool]) -> int:
            ids = members.get(item[0], (item[0],)) if item[1] else (item[0],)
            return min((template_order.index(i) for i in ids if i in template_order), default=len(template_order))
        top = sorted(top, key=rank)
        assumed = True
    for g in members:
        if g in labelled or not subs[g]:
            continue
        others = {ln for id_, is_g in top if not is_g for ln in lines_of.get(id_, ())}
        if others and not (lines_of.get(g, set()) & others):
            # the members sit on their own line and the group's label is lost: its place is unknown
            top = [x for x in top if x[0] != g]
            assumed = True
            if template_order:
                first = min(template_order.index(m) for m in members[g] if m in template_order)
                at = sum(1 for id_, is_g in top if not is_g and id_ in template_order
                         and template_order.index(id_) < first)
                top.insert(at, (g, True))
    out: list[str] = []
    for id_, is_group in top:
        out += subs.get(id_, []) if is_group else [id_]
    return out, assumed


def positions_of(header: HeaderRead) -> dict[int, str]:
    """Grid column → leaf id, from the header cells' positions (empty when the header has none).

    A leaf cell covers its columns; where several header cells cover a column the narrowest (the lowest
    level of the header) decides.
    """
    best: dict[int, tuple[int, str]] = {}
    for o in header.occurrences:
        if o.col is None or o.is_group:
            continue
        for x in range(o.col, o.col + max(1, o.span)):
            if x not in best or o.span < best[x][0]:
                best[x] = (o.span, o.id)
    return {x: id_ for x, (_, id_) in best.items()}


def consistent_with(partial: list[str], template_order: list[str]) -> bool:
    """Whether the ids read are in the template's relative order (a subsequence of it)."""
    it = iter(template_order)
    return all(any(x == y for y in it) for x in partial)
