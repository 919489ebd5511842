"""Template recognition: find tables 二、三、四 in a document and map their rows and cells to ids.

The document is flattened into one stream of *lines* (a table row, or a piece of a paragraph), in
reading order. A small state machine cuts the stream into the three table regions using the section
headings and table markers, so numbers in the narrative, the site's navigation or an interleaved web
fragment never reach the tables. Inside a region, rows are identified by their label text (never by
position alone), and values are the cells to the right of the label.

Text extractions that ran a table into one paragraph (crawler text) are split at the known labels;
cells whose boundaries were lost are cut only where the template's arithmetic admits one reading
(:mod:`discl.split`).
"""
from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from .assemble import table_to_grid
from .cells import clean_cell_text, is_value_text, parse_cell
from .split import readings, review_totals_ok, row_total_ok, split_run
from .sources.document import BBox, Document, Paragraph, Table
from .templates import (NUM_PREFIX, NUM_SUFFIX, RowDef, normalize_label, proactive_items, proactive_measures,
                        request_columns, request_groups, request_rows, review_cells, spec)


# --------------------------------------------------------------------------------------------------
# the line stream


@dataclass
class LCell:
    text: str
    ref: str  # provenance: "t3:r5c2" (table 3, grid row 5, col 2) or "p12" (paragraph 12)
    page: int | None = None
    bbox: BBox | None = None
    starts_here: bool = True  # False for a cell merged down from an earlier row


@dataclass
class Line:
    cells: list[LCell]
    is_text: bool  # a paragraph piece (cells may be run together) rather than a table row
    inferred: bool = False  # from a table inferred by text alignment


# A report table has a few hundred cells (the largest in the corpus: 260, a whole report: 455), and reading
# a cell costs ~0.2 ms, so a page of huge tables (site chrome, or an attack) would take minutes. Larger
# tables are not report tables, and the cell budget of one document bounds the time of the recognition.
MAX_TABLE_CELLS = 5_000
MAX_DOCUMENT_TABLE_CELLS = 60_000


def document_to_lines(doc: Document) -> list[Line]:
    lines: list[Line] = []
    t_no = 0
    budget = MAX_DOCUMENT_TABLE_CELLS
    for b_no, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            lines.append(Line([LCell(block.text, f"p{b_no}", block.page)], is_text=True))
            continue
        t_no += 1
        n_cells = sum(len(row) for row in block.rows)
        if n_cells > MAX_TABLE_CELLS or n_cells > budget:
            # said, not silent: if a report table were ever among these, the issues show why it is missing
            doc.warnings.append(f"table {t_no} ({n_cells} cells) skipped: larger than a report table "
                                f"or past the document's cell budget ({MAX_DOCUMENT_TABLE_CELLS})")
            continue
        budget -= n_cells
        try:
            grid = table_to_grid(block)
        except ValueError:
            continue  # a hostile grid; its text is not a report table
        for r, row in enumerate(grid):
            cells: list[LCell] = []
            prev = None
            for slot in row:
                if slot is None or slot is prev:
                    prev = slot
                    continue
                prev = slot
                c = slot.cell
                cells.append(LCell(c.text, f"t{t_no}:r{slot.origin_row + 1}c{slot.origin_col + 1}",
                                   c.page if c.page is not None else block.page, c.bbox,
                                   starts_here=slot.origin_row == r))
            if cells:
                lines.append(Line(cells, is_text=False, inferred=block.inferred))
    return lines


# --------------------------------------------------------------------------------------------------
# regions

_H = "[一二三四五六七八九]、"
_MARKERS = [
    # (state entered, allowed previous states, pattern on normalised text)
    ("proactive", {"pre"}, re.compile(r"第二十条第?\([一二三四五六七八九]\)项|" + _H + r"主动公开政府信息(?:情况)?")),
    ("requests", {"pre", "proactive"},
     re.compile(_H + r"收到和处理政府信息公开申请(?:情况)?|勾稽关系|申请人情况")),
    ("review_litigation", {"proactive", "requests"},
     re.compile(_H + r"[^。;；、\d]{0,24}?行政[法]?复议")),
    ("post", {"requests", "review_litigation"},
     re.compile(_H + r"[^。;；、\d]{0,16}?(?:存在的主要问题|其他需要报告|问题及改进)")),
]


_DROP = re.compile(r"[\s\"“”‘’'「」]+")


class _IndexMap:
    """Maps positions in normalised text back to the original text, stored as runs (memory stays
    small for megabyte-long paragraphs)."""

    def __init__(self, runs: list[tuple[int, int]] | None, fallback: list[int] | None = None):
        self._starts = [r[0] for r in runs] if runs is not None else None
        self._runs = runs
        self._fallback = fallback

    def __getitem__(self, i: int) -> int:
        if self._fallback is not None:
            return self._fallback[i]
        k = bisect.bisect_right(self._starts, i) - 1
        norm_start, orig_start = self._runs[k]
        return orig_start + (i - norm_start)


def _norm_map(text: str) -> tuple[str, _IndexMap]:
    """Normalised text (as :func:`normalize_label`) and a map from its positions to ``text``'s."""
    n = unicodedata.normalize("NFKC", text)
    if len(n) == len(text):
        # NFKC kept one character per character (the usual case): drop whitespace and quotes by runs
        parts: list[str] = []
        runs: list[tuple[int, int]] = []
        pos = 0
        length = 0
        for m in _DROP.finditer(n):
            if m.start() > pos:
                runs.append((length, pos))
                parts.append(n[pos:m.start()])
                length += m.start() - pos
            pos = m.end()
        if pos < len(n):
            runs.append((length, pos))
            parts.append(n[pos:])
        return "".join(parts), _IndexMap(runs)
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        for c in normalize_label(ch):
            out.append(c)
            idx.append(i)
    return "".join(out), _IndexMap(None, idx)


_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[,，/共]\s*共?\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$")


def lines_to_regions(lines: list[Line]) -> dict[str, list[Line]]:
    """Assign every line (or paragraph piece) to pre / proactive / requests / review_litigation / post."""
    regions: dict[str, list[Line]] = {k: [] for k in ("pre", "proactive", "requests", "review_litigation", "post")}
    state = "pre"
    for line in lines:
        if line.is_text and _PAGE_NUMBER.match(line.cells[0].text):
            continue  # a page footer ("— 5 —", "- 3 -", "第3页") is never a table value
        if line.is_text:
            text = line.cells[0].text
            norm, idx = _norm_map(text)
            cuts: list[tuple[int, str]] = []
            pos = 0
            while True:
                best = None
                for new, allowed, pat in _MARKERS:
                    if state not in allowed and not (cuts and cuts[-1][1] in allowed):
                        continue
                    m = pat.search(norm, pos)
                    if m and (best is None or m.start() < best[0].start()):
                        best = (m, new)
                if best is None:
                    break
                m, new = best
                cur = cuts[-1][1] if cuts else state
                if cur not in next(a for n, a, _ in _MARKERS if n == new):
                    pos = m.end()
                    continue
                cuts.append((idx[m.start()], new))
                pos = m.end()
            start = 0
            for orig_pos, new in cuts:
                if orig_pos > start:
                    regions[state].append(_piece(line, text[start:orig_pos]))
                state, start = new, orig_pos
            regions[state].append(_piece(line, text[start:]))
        else:
            norm = normalize_label("".join(c.text for c in line.cells))
            for new, allowed, pat in _MARKERS:
                if state in allowed and pat.search(norm):
                    state = new
            regions[state].append(line)
    return regions


def _piece(line: Line, text: str) -> Line:
    c = line.cells[0]
    return Line([LCell(text, c.ref, c.page, c.bbox)], is_text=True)


# --------------------------------------------------------------------------------------------------
# results


@dataclass
class Extracted:
    table: str
    row: str
    col: str
    raw: str
    value: float
    unit: str | None
    flags: list[str]
    page: int | None
    cell: str
    bbox: BBox | None


@dataclass
class Alternatives:
    """The readings a run-together row admits, kept so that column arithmetic can choose."""
    table: str
    row: str
    cols: list[str]
    readings: list[list[int]]
    cells: list[Extracted]
    note: tuple


@dataclass
class Recognition:
    values: list[Extracted] = field(default_factory=list)
    alternatives: list[Alternatives] = field(default_factory=list)
    placements: dict = field(default_factory=dict)  # (table ref, row width) -> offset of the values
    notes: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # rule, severity, table, row, msg
    found: dict[str, bool] = field(default_factory=dict)


def _value(table: str, row: str, col: str, cell: LCell, raw: str, extra_flags: list[str],
           line: Line) -> Extracted:
    p = parse_cell(raw)
    flags = list(p.flags) + extra_flags
    if line.inferred:
        flags.append("low_confidence")
    if not cell.starts_here:
        flags.append("merged_cell")
    return Extracted(table, row, col, raw, p.value, p.unit, flags, cell.page, cell.ref, cell.bbox)


def _missing(table: str, row: str, col: str, cell: LCell | None, raw: str, flag: str) -> Extracted:
    return Extracted(table, row, col, raw, float("nan"), None, [flag],
                     cell.page if cell else None, cell.ref if cell else "", cell.bbox if cell else None)


# --------------------------------------------------------------------------------------------------
# label matching



@dataclass
class Match:
    rowdef: RowDef
    start: int  # in the normalised label text
    end: int


def _find_labels(norm: str, defs: tuple[RowDef, ...]) -> list[Match]:
    """All non-overlapping label occurrences in ``norm``, preferring longer and later-starting cores."""
    cands: list[Match] = []
    for d in defs:
        for core in d.cores:
            start = norm.find(core)
            while start >= 0:  # every occurrence, overlapping ones included
                end = start + len(core)
                if not d.exact or _exact_ok(norm, start, end, d):
                    cands.append(Match(d, start, end))
                start = norm.find(core, start + 1)
    cands.sort(key=lambda m: (-(m.end - m.start), m.start))
    taken: list[Match] = []
    for m in cands:
        if all(m.end <= t.start or m.start >= t.end for t in taken):
            taken.append(m)
    taken.sort(key=lambda m: m.start)
    return taken


def _exact_ok(norm: str, start: int, end: int, d: RowDef) -> bool:
    # "其他"/"总计" are also column headers: accept them as row labels only when they stand alone
    # after a numbering prefix ("3.其他", "(七)总计") and nothing but digits/space follows.
    after = norm[end:]
    if after and not re.match(r"^[\d.,+\-]*$", after[:1]):
        return False
    before = norm[:start]
    # any numbering will do: reports renumber these rows, and the group context decides the rest
    return not before or bool(NUM_SUFFIX.search(before))


def _num_eq(a: str, b: str) -> bool:
    return a.replace("、", ".").replace("．", ".") == b.replace("、", ".").replace("．", ".")


_CN_NUMBERING_TAIL = re.compile(r"(?:[(（][一二三四五六七八九十][)）]|[一二三四五六七八九十]、)\s*$")


def _strip_trailing_number(text: str, number: str) -> str:
    """Remove the next label's numbering ('2.', '(二)', '三、') that crawler text glued onto these digits.

    Digit numbering is removed only when it is the next row's own number, so '00000002.' loses the
    '2.' but never a digit of its own.
    """
    t = _CN_NUMBERING_TAIL.sub("", text.rstrip())
    nf = _nfkc(t)
    for n in {number, number.replace(".", "、"), number.replace(".", "．")} - {""}:
        if n[0].isdigit() and nf.endswith(_nfkc(n)):
            return t[: len(t) - len(n)]
    return t


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


# --------------------------------------------------------------------------------------------------
# splitting paragraphs at labels


def _split_text_line(line: Line, defs: tuple[RowDef, ...]) -> list[tuple[RowDef | None, str, LCell]]:
    """Cut a paragraph piece at label occurrences: [(rowdef or None, remainder text, cell)]."""
    cell = line.cells[0]
    text = cell.text
    norm, idx = _norm_map(text)
    matches = _find_labels(norm, defs)
    if not matches:
        return [(None, text, cell)]
    out: list[tuple[RowDef | None, str, LCell]] = []
    bounds = []
    for m in matches:
        o_start = idx[m.start]
        o_end = idx[m.end - 1] + 1
        # closing quotes/brackets that normalise away still belong to the label ("三安全一稳定”")
        while o_end < len(text) and text[o_end] in "”’\"'」":
            o_end += 1
        bounds.append((m.rowdef, o_start, o_end))
    head = text[: bounds[0][1]]
    if head.strip():
        out.append((None, head, cell))
    for i, (d, s, e) in enumerate(bounds):
        nxt = bounds[i + 1][1] if i + 1 < len(bounds) else len(text)
        rest = text[e:nxt]
        if i + 1 < len(bounds):
            rest = _strip_trailing_number(rest, bounds[i + 1][0].number)
        out.append((d, rest, cell))
    return out


# --------------------------------------------------------------------------------------------------
# value cells of a line


def _arith_state(texts: list[str], table: str) -> bool | None:
    """Does a candidate row satisfy its table's own identity? None when it cannot be told
    (a blank total). Blank applicant cells count as 0, as the checks do."""
    vals = [parse_cell(t) for t in texts]
    if any("unreadable" in v.flags for v in vals):
        return False
    num = [0.0 if v.missing else v.value for v in vals]
    groups = [(0, 6)] if table == "requests" else [(0, 4), (5, 9), (10, 14)] if table == "review_litigation" else []
    state: bool | None = None
    for a, t in groups:
        if vals[t].missing:
            continue
        if abs(sum(num[a:t]) - num[t]) > 1e-9:
            return False
        state = True
    return state


def _value_cells(cells: list[LCell], n: int, table: str, prefs: dict) -> tuple[list[LCell] | None, bool]:
    """The ``n`` value cells of a table row; (None, _) when they cannot be placed for sure.

    Text and Markdown tables carry extra empty fields (a merged label's columns, a trailing tab), so a
    row may have more fields than values. Only empty fields may be dropped; among the placements left,
    the row's own arithmetic decides, then the placement the same table used for rows of this width.
    The flag says whether the placement had to be inferred.
    """
    if len(cells) == n:
        return list(cells), False
    if len(cells) < n:
        return None, False
    extra = len(cells) - n
    cands = []
    for o in range(extra + 1):
        dropped = cells[:o] + cells[o + n:]
        if all(not clean_cell_text(c.text) for c in dropped):
            cands.append(o)
    if not cands:
        return None, False
    texts = {o: [clean_cell_text(c.text) for c in cells[o:o + n]] for o in cands}
    if len({tuple(t) for t in texts.values()}) == 1:
        return cells[cands[0]:cands[0] + n], False
    states = {o: _arith_state(texts[o], table) for o in cands}
    verified = [o for o in cands if states[o] is True]
    open_ = [o for o in cands if states[o] is None]
    key = (cells[0].ref.split(":")[0], len(cells))
    if len(verified) == 1:
        prefs[key] = verified[0]
        return cells[verified[0]:verified[0] + n], False
    pool = verified or open_
    if len(pool) == 1:
        return cells[pool[0]:pool[0] + n], True
    if prefs.get(key) in pool:
        return cells[prefs[key]:prefs[key] + n], True
    return None, False


def _assign(table: str, row: str, cols: list[str], cells: list[LCell], line: Line, n_check,
            rec: Recognition, tokens_text: str | None = None) -> None:
    """Map the value cells of one row onto ``cols``; split or flag when the count does not fit."""
    n = len(cols)
    direct, inferred = _value_cells(cells, n, table, rec.placements) if tokens_text is None else (None, False)
    if tokens_text is not None:
        toks = _tokens(tokens_text)
        if len(toks) == n and all(is_value_text(t) for t in toks):
            for col, t in zip(cols, toks):
                rec.values.append(_value(table, row, col, line.cells[0], t, [], line))
            return
    if direct is not None:
        for col, c in zip(cols, direct):
            rec.values.append(_value(table, row, col, c, c.text, ["position_inferred"] if inferred else [], line))
        return
    # cells run together or missing: only arithmetic may cut them
    src = cells if tokens_text is None else [LCell(tokens_text, line.cells[0].ref, line.cells[0].page,
                                                   line.cells[0].bbox)]
    raw_tokens = [t for c in src for t in _tokens(c.text)]
    anchor = src[0] if src else line.cells[0]
    raw = " ".join(raw_tokens)
    parts, count = split_run(raw_tokens, n, n_check)
    if count == 0:
        why = "no reading of the run-together digits satisfies the row's arithmetic" if raw_tokens and all(
            t.isdigit() for t in raw_tokens) else f"{len(raw_tokens)} cells where the template has {n}"
        rec.notes.append(("read.ambiguous", "warning", table, row,
                          f"cells of row {row} could not be placed ({why}); raw text: {raw!r}"))
    for col, p in zip(cols, parts):
        if p is None:
            rec.values.append(_missing(table, row, col, anchor, raw, "ambiguous"))
        else:
            v = _value(table, row, col, anchor, p, ["split"], line)
            v.raw = raw
            rec.values.append(v)
    if count and any(p is None for p in parts):
        note = ("read.ambiguous", "warning", table, row,
                f"row {row}: the run-together digits {raw!r} admit {count} readings; "
                "cells that differ between readings are left missing")
        rec.notes.append(note)
        alts = readings(raw_tokens, n, n_check)
        if alts:
            rec.alternatives.append(Alternatives(table, row, cols, alts, rec.values[-n:], note))


_TOKEN = re.compile(r"[+\-]?[\d.,]+(?:万元|亿元|元|个|件|项|条)?|[^\d\s]+")


def _tokens(text: str) -> list[str]:
    """Whitespace tokens, further cut after a unit ('1个246900元' → '1个', '246900元')."""
    return [m.group(0) for t in clean_token_text(text).split() for m in _TOKEN.finditer(t)]


def cut_text(text: str, pattern: re.Pattern) -> list[tuple[str, bool]]:
    """Cut ``text`` at matches of ``pattern`` (searched in normalised text): [(piece, is_match)]."""
    norm, idx = _norm_map(text)
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(norm):
        s0, e0 = idx[m.start()], idx[m.end() - 1] + 1
        if s0 > pos:
            out.append((text[pos:s0], False))
        out.append((text[s0:e0], True))
        pos = e0
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def clean_token_text(t: str) -> str:
    return _nfkc(t).replace("\u00a0", " ").replace("\u3000", " ")


# --------------------------------------------------------------------------------------------------
# table 三


def requests_from_lines(lines: list[Line], rec: Recognition) -> None:
    """Read table 三: each data row is found by its label; its 7 cells are the values to its right.

    A label without numbers (wrapped or detached by a PDF-to-text tool) waits for the next line that
    has numbers but no label of its own; text without digits in between is the label's continuation.
    """
    defs = request_rows() + request_groups()
    row_ids = {d.id for d in request_rows()}
    cols = request_columns()
    order = [d.id for d in request_rows()]
    state = {"pending": None, "last": -1, "group": None}
    done: set[str] = set()

    def accept(d: RowDef) -> bool:
        if d.id in done:
            rec.notes.append(("read.duplicate_row", "info", "requests", d.id,
                              f"row {d.id} appears more than once; the first occurrence is kept"))
            return False
        if d.exact and state["last"] < 0:
            return False  # a lone 总计/其他 before any data row is a header cell
        if d.id == "other_handling.other" and state["group"] != "other_handling":
            return False
        return True

    def emit(d: RowDef, cells: list[LCell], line: Line, tokens_text: str | None) -> None:
        _assign("requests", d.id, cols, cells, line, row_total_ok, rec, tokens_text=tokens_text)
        done.add(d.id)
        state["last"] = max(state["last"], order.index(d.id))
        state["pending"] = None

    def unplaced(text: str) -> None:
        rec.notes.append(("read.unplaced_values", "info", "requests", "",
                          f"numbers without a recognisable row label were not used: {text[:60]!r}"))

    def on_label(d: RowDef) -> bool:
        """Update group context; return True when ``d`` is a data row that may take values."""
        if d.id not in row_ids:
            state["group"], state["pending"] = d.id, None
            return False
        if d.group:
            state["group"] = d.group
        return accept(d)

    for line in lines:
        if line.is_text:
            for d, rest, cell in _split_text_line(line, defs):
                has_digits = bool(re.search(r"\d", _nfkc(rest)))
                if d is None:
                    if has_digits and state["pending"] is not None and _all_values(rest):
                        emit(state["pending"], [], Line([cell], True), rest)
                    elif has_digits:
                        unplaced(rest)
                    continue
                if not on_label(d):
                    continue
                if has_digits:
                    emit(d, [], Line([cell], True), rest)
                else:
                    state["pending"] = d
            continue
        label_end = max((i for i, c in enumerate(line.cells) if not is_value_text(c.text)), default=-1)
        label = normalize_label("".join(c.text for c in line.cells[: label_end + 1]))
        values = line.cells[label_end + 1:]
        has_digits = any(re.search(r"\d", c.text) for c in values)
        data = None
        matches = _find_labels(label, defs) if label else []
        for m in matches:
            if on_label(m.rowdef):
                data = m.rowdef
        fuzzy = False
        if data is None and has_digits and label:
            data = _fuzzy_row(line.cells[label_end].text, state["group"], done)
            fuzzy = data is not None and accept(data)
            data = data if fuzzy else None
        if data is None:
            if label_end < 0 and has_digits and state["pending"] is not None:
                emit(state["pending"], values, line, None)
            elif has_digits:
                unplaced(" ".join(c.text for c in line.cells))
                state["pending"] = None
            continue
        if has_digits or len(values) >= len(cols):
            start = len(rec.values)
            emit(data, values, line, None)
            if fuzzy:
                for v in rec.values[start:]:
                    v.flags.append("label_fuzzy")
                rec.notes.append(("read.label_fuzzy", "info", "requests", data.id,
                                  f"label {line.cells[label_end].text!r} read as {data.zh} (closest template "
                                  "label with the same numbering and group)"))
        else:
            state["pending"] = data
    rec.found["requests"] = bool(done)


def _fuzzy_row(label_text: str, group: str | None, done: set[str]) -> RowDef | None:
    """A misprinted label ("2.其他法律行政止公开") read as the template row it is closest to — only
    when its numbering and group agree, the similarity is high and no other row comes close."""
    import difflib

    norm = normalize_label(label_text)
    m = NUM_PREFIX.match(norm)
    if not m or group is None:
        return None
    number, body = m.group(0), norm[m.end():]
    scored = []
    for d in request_rows():
        if d.group != group or d.id in done or not _num_eq(number, d.number):
            continue
        target = d.cores[0]
        scored.append((difflib.SequenceMatcher(None, body, target).ratio(), d))
    scored.sort(key=lambda x: -x[0])
    if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[1][0] < 0.6):
        return scored[0][1]
    return None



def _all_values(text: str) -> bool:
    return all(is_value_text(t) for t in _tokens(text))


# --------------------------------------------------------------------------------------------------
# table 二

_CAPTION = re.compile(r"第二十条第?\(([一二三四五六七八九])\)项")
_BLOCK_START = re.compile(r"第二十条第?\([一二三四五六七八九]\)项|信息内容")


def proactive_from_lines(lines: list[Line], template: str | None, rec: Recognition) -> None:
    items = proactive_items()
    measures = proactive_measures()
    defs = items + measures
    blocks = spec()["proactive"]["blocks"].get(template or "gb2021", [])
    default_measures = {it: b["measures"] for b in blocks for it in b["items"]}
    current: list[tuple[str, str]] = []  # (measure id, header text) of the current block
    header_open = False
    done: set[str] = set()
    # an item label with no numbers after it (a table copied one cell per line, or numbers wrapped by a
    # PDF-to-text tool) takes the values-only row that follows it
    pending: list[tuple[RowDef, Line]] = []

    def settle() -> None:
        """A waiting label that got no numbers: its cells are recorded as unreadable, not dropped."""
        if pending:
            d, line = pending.pop()
            item_row(d, [], line, "")

    # where each measure sits in a one-line table header, and that line's width: a row as wide as
    # its header takes its cells by position (a Markdown row padded with empty cells is not ambiguous)
    header_pos: tuple[int, dict[str, int]] | None = None

    def set_header(found: list[tuple[str, str]], pos: tuple[int, dict[str, int]] | None = None) -> None:
        nonlocal current, header_open, header_pos
        header_pos = pos if not (header_open and current) else None
        current = (current + found) if header_open else found
        header_open = True

    def item_row(d: RowDef, cells: list[LCell], line: Line, tokens_text: str | None,
                 label_end: int = -1, detached: bool = False) -> None:
        nonlocal header_open
        header_open = False
        if d.id in done:
            rec.notes.append(("read.duplicate_row", "info", "proactive", d.id,
                              f"item {d.id} appears more than once; the first occurrence is kept"))
            return
        ms = [m for m, _ in current] or list(default_measures.get(d.id, []))
        assumed = not current
        defaults = list(default_measures.get(d.id, []))
        n_given = len(cells) if cells else len(_tokens(tokens_text or ""))
        if current and set(ms) < set(defaults) and n_given == len(defaults):
            # part of the header was read (a header cell wrapped over two lines is not a label), and the
            # row has exactly the template's cells for this item: the template's columns are used
            ms, assumed = defaults, True
        if not ms:
            rec.notes.append(("read.no_header", "warning", "proactive", d.id,
                              f"item {d.id}: no column header found, its cells are not read"))
            return
        if d.id == "admin_fees" and "decisions" in ms and template == "gb2019":
            ms = [m for m in ms if m != "decisions"]
        if (header_pos and not assumed and label_end >= 0 and len(line.cells) == header_pos[0]
                and all(label_end < header_pos[1].get(m, -1) for m in ms)):
            order = [header_pos[1][m] for m in ms]
            stray = [c.text for i, c in enumerate(line.cells)
                     if i > label_end and i not in order and clean_cell_text(c.text)]
            if stray:
                # a number under no header: which cell belongs where is not known, nothing is guessed
                raw = " ".join(c.text for c in line.cells[label_end + 1:])
                rec.notes.append(("read.ambiguous", "warning", "proactive", d.id,
                                  f"item {d.id}: {stray!r} stands under no column header; raw text: {raw!r}"))
                rec.values.extend(_missing("proactive", d.id, m, line.cells[label_end], raw, "ambiguous")
                                  for m in ms)
                done.add(d.id)
                return
            cells = [line.cells[i] for i in order]
        start = len(rec.values)
        _assign("proactive", d.id, ms, cells, line, None, rec, tokens_text=tokens_text)
        headers = dict(current)
        for v in rec.values[start:]:
            _apply_unit(v, headers.get(v.col, ""))
            if assumed:
                v.flags.append("header_assumed")  # columns placed by the template, not by a header read
            if detached and "ambiguous" not in v.flags:
                # the numbers were on the line after the label: the pairing is inferred (a page number
                # between them would pair wrongly), so the value says so
                v.flags.append("position_inferred")
        done.add(d.id)

    for line in lines:
        if line.is_text:
            for piece, is_caption in cut_text(line.cells[0].text, _BLOCK_START):
                if is_caption:
                    settle()
                    current, header_open = [], False
                    continue
                sub = Line([LCell(piece, line.cells[0].ref, line.cells[0].page)], True)
                for d, rest, cell in _split_text_line(sub, defs):
                    has_digits = bool(re.search(r"\d", _nfkc(rest)))
                    if d is None:
                        if pending and has_digits and _all_values(rest):
                            item_row(pending.pop()[0], [], sub, rest, detached=True)
                        continue
                    settle()
                    if d in measures:
                        set_header([(d.id, d.zh + rest)])
                        continue
                    if has_digits:
                        item_row(d, [], sub, rest)
                    else:
                        pending.append((d, sub))
            continue
        norm_cells = [normalize_label(c.text) for c in line.cells]
        joined = "".join(norm_cells)
        if _CAPTION.search(joined) and not any(_find_labels(n, items) for n in norm_cells):
            current, header_open = [], False
            continue
        found_measures: list[tuple[str, str]] = []
        positions: dict[str, int] = {}
        for i, (c, n) in enumerate(zip(line.cells, norm_cells)):
            ms = _find_labels(n, measures)
            if ms:
                found_measures.append((ms[0].rowdef.id, c.text))
                positions.setdefault(ms[0].rowdef.id, i)
        if found_measures:
            settle()
            header_open = False
            set_header(found_measures, (len(line.cells), positions))
            continue
        label_end = -1
        for i, c in enumerate(line.cells):
            if not is_value_text(c.text):
                label_end = i
        if label_end < 0:
            # the values row of a waiting label (numbers, dashes or blank cells: no label of its own)
            if pending and line.cells:
                item_row(pending.pop()[0], line.cells, line, None, detached=True)
            continue
        label = "".join(norm_cells[: label_end + 1])
        its = _find_labels(label, items)
        if not its:
            continue
        settle()
        item_row(its[-1].rowdef, line.cells[label_end + 1:], line, None, label_end)
    settle()
    rec.found["proactive"] = bool(done)


def _apply_unit(v: Extracted, header: str) -> None:
    info = next(m for m in spec()["proactive"]["measures"] if m["id"] == v.col)
    if info["type"] != "money":
        if v.unit not in (None, info["unit"], "件", "项", "个", "条"):
            v.flags.append("unit_unexpected")
        v.unit = info["unit"]
        return
    hn = normalize_label(header)
    if v.unit in ("元", "万元", "亿元"):
        factor = {"元": 0.0001, "万元": 1.0, "亿元": 10000.0}[v.unit]
        if v.unit != "万元":
            v.flags.append("unit_converted")
    elif "万元" in hn:
        factor = 1.0
    elif re.search(r"\(元\)|单位:元|（元）", hn):
        factor = 0.0001
        v.flags.append("unit_converted")
    elif v.col == "fee_amount":
        factor = 1.0  # the gb2021 template prints （单位：万元）
    else:
        factor = 1.0
        if v.value == v.value:
            v.flags.append("unit_assumed")
    if v.value == v.value:
        v.value = round(v.value * factor, 8)
    v.unit = "万元"


# --------------------------------------------------------------------------------------------------
# table 四

_T4_WORDS = sorted({normalize_label(w) for w in [  # header cells of table 四
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结",
    "总计", "合计", "结果", "维持", "纠正", "其他", "尚未", "审结", "尚未审结"]}, key=len, reverse=True)


def review_from_lines(lines: list[Line], rec: Recognition) -> None:
    cols = review_cells()
    for line in lines:
        if line.is_text:
            # header words come first; the data row is the run of digits that ends the piece
            text = _nfkc(line.cells[0].text).replace("\u00a0", " ")
            m = re.search(r"[\d\s]+$", text)
            rest = m.group(0) if m else ""
            if not re.search(r"\d", rest):
                continue
            start = len(rec.values)
            _assign("review_litigation", "", [f"{p}|{o}" for p, o in cols], [], line, review_totals_ok, rec,
                    tokens_text=rest)
            _fix_t4_ids(rec.values[start:])
            rec.found["review_litigation"] = True
            return
        texts = [c.text for c in line.cells]
        if not any(re.search(r"\d", t) for t in texts):
            continue
        if not all(is_value_text(t) for t in texts):
            # a label cell before the numbers (e.g. "数量") is tolerated, header words are not
            if any(normalize_label(t) in _T4_WORDS for t in texts):
                continue
            cells = [c for c in line.cells if is_value_text(c.text)]
        else:
            cells = line.cells
        start = len(rec.values)
        _assign("review_litigation", "", [f"{p}|{o}" for p, o in cols], cells, line, review_totals_ok, rec)
        _fix_t4_ids(rec.values[start:])
        rec.found["review_litigation"] = True
        return
    rec.found.setdefault("review_litigation", False)


def _fix_t4_ids(vals: list[Extracted]) -> None:
    for v in vals:
        p, o = v.col.split("|")
        v.row, v.col = p, o
        if v.unit is None or v.unit == "件":
            v.unit = "件"


# --------------------------------------------------------------------------------------------------


_MAX_COMBINATIONS = 20_000


def resolve_by_columns(rec: Recognition) -> None:
    """Choose among the readings of run-together table-三 rows with the column identities.

    Per applicant column, 一 + 二 = (七) + 四 (T3-R1) and (七) = the sum of the outcome rows (T3-R2).
    A combination of readings is accepted only when it is the single one under which every column
    whose cells are all known satisfies both; otherwise the cells stay ambiguous.
    """
    alts = [a for a in rec.alternatives if a.table == "requests"]
    if not alts:
        return
    n_comb = 1
    for a in alts:
        n_comb *= len(a.readings)
    if n_comb > _MAX_COMBINATIONS:
        return
    known: dict[tuple[str, str], float] = {}
    for v in rec.values:
        if v.table == "requests" and v.value == v.value:
            known[(v.row, v.col)] = v.value
    outcome_rows = [d.id for d in request_rows() if d.id not in
                    ("new_received", "carried_over", "total_processed", "carried_forward")]
    present = {v.row for v in rec.values if v.table == "requests"}
    # gb2021 prints the three other_handling.* rows; gb2019 (and mixed reports) the single row
    if any(r.startswith("other_handling.") for r in present):
        outcome_rows = [r for r in outcome_rows if r != "other_handling"]
    else:
        outcome_rows = [r for r in outcome_rows if not r.startswith("other_handling.")]
    cols = request_columns()
    alt_rows = {a.row for a in alts}

    def ok(assign: dict[tuple[str, str], float]) -> bool:
        def get(r: str, c: str) -> float | None:
            return assign.get((r, c), known.get((r, c)))

        checked = False
        for c in cols:
            a, b, t, f = (get("new_received", c), get("carried_over", c), get("total_processed", c),
                          get("carried_forward", c))
            if None not in (a, b, t, f):
                if a + b != t + f:
                    return False
                checked = checked or any(r in alt_rows for r in
                                         ("new_received", "carried_over", "total_processed", "carried_forward"))
            parts = [get(r, c) for r in outcome_rows if r in present]
            if t is not None and None not in parts:
                if sum(parts) != t:
                    return False
                checked = checked or bool(alt_rows & set(outcome_rows)) or "total_processed" in alt_rows
        return checked

    winners = []
    for combo in itertools.product(*(a.readings for a in alts)):
        assign = {(a.row, c): float(x) for a, reading in zip(alts, combo) for c, x in zip(a.cols, reading)}
        if ok(assign):
            winners.append(combo)
            if len(winners) > 1:
                return
    if len(winners) != 1:
        return
    for a, reading in zip(alts, winners[0]):
        for cell, x in zip(a.cells, reading):
            if cell.value != cell.value:
                cell.value = float(x)
                cell.flags = [f for f in cell.flags if f != "ambiguous"] + ["split", "split_by_columns"]
        rec.notes.remove(a.note)
        rec.notes.append(("read.split_by_columns", "info", "requests", a.row,
                          f"row {a.row}: of {len(a.readings)} readings of the run-together digits, only one "
                          "satisfies the column identities (一+二=三+四, outcomes sum to (七)总计); it was used"))


def document_to_recognition(doc: Document, template: str | None) -> Recognition:
    """Find the three tables in ``doc`` and read their cells (values not yet checked)."""
    lines = document_to_lines(doc)
    regions = lines_to_regions(lines)
    rec = Recognition()
    t2 = regions["proactive"]
    t3 = regions["requests"]
    t4 = regions["review_litigation"]
    if not (t2 or t3 or t4):
        # no headings: fall back to structured table rows only (never narrative paragraphs)
        only_tables = [ln for ln in lines if not ln.is_text]
        t2 = t3 = only_tables
    proactive_from_lines(t2, template, rec)
    requests_from_lines(t3, rec)
    resolve_by_columns(rec)
    review_from_lines(t4, rec)
    for v in rec.values:
        if v.table == "requests":
            v.unit = "件"
    return rec
