"""Report variants for the robustness suite: the layouts real reports print besides the template's.

An independent writer (not discl.render) that lays out a report's three tables from a cell dict, with the
variations seen across agencies' templates: reordered columns and proceedings, table 四 as small tables
or transposed, header cells one character per line, quoted last-year tables, narrative sentences naming
rows, non-numeric cells, footnote marks, label variants, split labels, a sidebar of other years' titles,
traditional characters. Formats: HTML (with spans), tab-separated text (spans collapsed, as word
processors save tables), Markdown (padded rows).
"""
from __future__ import annotations

import html as _html
import math
from dataclasses import dataclass, field, replace

from discl import templates as T

Key = tuple[str, str, str]
NULL = {"": "blank", "—": "dash", "-": "dash", "/": "slash", "不适用": "slash"}


@dataclass
class Variant:
    agency: str
    year: int
    template: str
    cells: dict[Key, str]
    t3_cols: list[str] = field(default_factory=lambda: [c.id for c in T.table("requests").columns()])
    t4_procs: list[str] = field(default_factory=lambda: [p.id for p in T.table("review_litigation").rows()])
    t4_outcomes: list[str] = field(default_factory=lambda: [o.id for o in T.table("review_litigation").columns()])
    t4_shape: str = "row"  # "row", "subtables", "transposed"
    vertical_headers: bool = False  # table-四 header cells one character per line
    t2_measures: dict[int, list[str]] = field(default_factory=dict)  # block index → measure order
    labels: dict[str, str] = field(default_factory=dict)  # row id → printed label (variants)
    quote: str | None = None  # None, "overview", "before", "before_uncaptioned", "appendix"
    quoted_cells: dict[Key, str] = field(default_factory=dict)
    narrative: list[str] = field(default_factory=list)  # extra sentences before table 二
    sidebar: list[str] = field(default_factory=list)  # lines above the title
    split_label: str | None = None  # a table-二 item whose label is split over two lines (text formats)


def expected(text: str) -> tuple[float, str | None]:
    """The value and flag a printed cell must give."""
    t = text.strip()
    if t in NULL:
        return math.nan, NULL[t]
    for mark in ("①", "¹", "*", "注"):
        if t.endswith(mark) and t[:-len(mark)].isdigit():
            return float(t[:-len(mark)]), "footnote"
    if t.startswith("−") and t[1:].isdigit():
        return -float(t[1:]), "sign_variant"
    if t.endswith("万元"):
        return float(t[:-2]), None
    if t.endswith("元"):
        return float(t[:-1]) / 10000, None
    try:
        return float(t), None
    except ValueError:
        return math.nan, "unreadable"


# ------------------------------------------------------------------------------------------------
# grids: each table as rows of (text, rowspan, colspan); text formats collapse the spans


Cell = tuple[str, int, int]


def _label(v: Variant, table: str, row: str) -> str:
    return v.labels.get(row) or T.zh_label(table, "row", row, v.template)


def proactive_rows(v: Variant, cells: dict[Key, str]) -> list[list[Cell]]:
    tpl = T.template(v.template)
    width = 3
    out: list[list[Cell]] = []
    for bi, b in enumerate(tpl.blocks):
        ms = v.t2_measures.get(bi, list(b.measures))
        span = [1] * (len(ms) - 1) + [width - len(ms) + 1]
        out.append([(b.caption, 1, 1 + width)])
        out.append([("信息内容", 1, 1)] + [(T.zh_label("proactive", "col", m, v.template), 1, s) for m, s in zip(ms, span)])
        for item in b.items:
            out.append([(_label(v, "proactive", item), 1, 1)]
                       + [(cells.get(("proactive", item, m), ""), 1, s) for m, s in zip(ms, span)])
    return out


def requests_rows(v: Variant, cells: dict[Key, str]) -> list[list[Cell]]:
    t = T.table("requests")
    cols = v.t3_cols
    group = t.column_groups[0]
    members = [c for c in cols if t.column(c).group == group.id]
    top: list[str] = []
    for c in cols:
        g = t.column(c).group
        if g is None:
            top.append(c)
        elif group.id not in top:
            top.append(group.id)
    out: list[list[Cell]] = [[(t.corner_note, 3, 3), (t.header, 1, len(cols))]]
    out.append([(group.zh, 1, len(members)) if x == group.id else (t.column(x).zh, 2, 1) for x in top])
    out.append([(t.column(m).zh, 1, 1) for m in members])
    rows = t.rows(v.template)
    results = [r for r in rows if not r.number.endswith("、")]
    seen: set[str] = set()
    for r in rows:
        line: list[Cell] = []
        if r not in results:
            line.append((_label(v, "requests", r.id), 1, 3))
        else:
            if r is results[0]:
                line.append((t.row_group("results").zh, len(results), 1))
            if r.group is None:
                line.append((_label(v, "requests", r.id), 1, 2))
            else:
                if r.group not in seen:
                    seen.add(r.group)
                    line.append((t.row_group(r.group).zh, sum(1 for x in results if x.group == r.group), 1))
                line.append((_label(v, "requests", r.id), 1, 1))
        line += [(cells.get(("requests", r.id, c), ""), 1, 1) for c in cols]
        out.append(line)
    return out


def _hdr(v: Variant, text: str) -> str:
    return "\n".join(text) if v.vertical_headers else text


def review_tables(v: Variant, cells: dict[Key, str]) -> list[tuple[str | None, list[list[Cell]]]]:
    """Table 四 as (sub-heading, rows) pieces."""
    t = T.table("review_litigation")
    procs, outs = v.t4_procs, v.t4_outcomes
    n = len(outs)
    if v.t4_shape == "subtables":
        return [(("行政诉讼（" + t.row(p).zh + "）") if t.row(p).group else t.row(p).zh,
                 [[(_hdr(v, t.column(o).zh), 1, 1) for o in outs],
                  [(cells.get(("review_litigation", p, o), ""), 1, 1) for o in outs]]) for p in procs]
    if v.t4_shape == "transposed":
        rows = [[("", 1, 1)] + [(_hdr(v, t.column(o).zh), 1, 1) for o in outs]]
        for p in procs:
            label = ("行政诉讼（" + t.row(p).zh + "）") if t.row(p).group else t.row(p).zh
            rows.append([(label, 1, 1)] + [(cells.get(("review_litigation", p, o), ""), 1, 1) for o in outs])
        return [(None, rows)]
    group = t.row_groups[0]
    top: list[str] = []
    for p in procs:
        g = t.row(p).group
        if g is None:
            top.append(p)
        elif group.id not in top:
            top.append(group.id)
    subs = [p for p in procs if t.row(p).group]
    r1 = [(_hdr(v, group.zh), 1, n * len(subs)) if x == group.id else (_hdr(v, t.row(x).zh), 1, n) for x in top]
    r2: list[Cell] = []
    for x in top:
        if x == group.id:
            r2 += [(_hdr(v, t.row(p).zh), 1, n) for p in subs]
        else:
            r2 += [(_hdr(v, t.column(o).zh), 2, 1) for o in outs]
    r3 = [(_hdr(v, t.column(o).zh), 1, 1) for _ in subs for o in outs]
    order = [p for x in top for p in (subs if x == group.id else [x])]
    data = [(cells.get(("review_litigation", p, o), ""), 1, 1) for p in order for o in outs]
    return [(None, [r1, r2, r3, data])]


# ------------------------------------------------------------------------------------------------
# formats


def _html_table(rows: list[list[Cell]]) -> str:
    def td(text: str, rs: int, cs: int) -> str:
        attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
        return f"<td{attrs}>{'<br>'.join(_html.escape(x) for x in text.split(chr(10)))}</td>"
    return "<table border=1>" + "".join("<tr>" + "".join(td(*c) for c in r) + "</tr>" for r in rows) + "</table>"


def _text_fields(rows: list[list[Cell]]) -> list[list[str]]:
    """Each row's fields as a word processor saves them: one field per cell starting in the row, an empty
    field where a cell from a row above covers the position."""
    covered: dict[tuple[int, int], bool] = {}
    out: list[list[str]] = []
    for r, row in enumerate(rows):
        fields: list[str] = []
        c = 0
        it = iter(row)
        pending = list(row)
        while pending or covered.get((r, c)):
            if covered.get((r, c)):
                fields.append("")
                c += 1
                continue
            text, rs, cs = pending.pop(0)
            fields.append(text.replace("\n", ""))
            for dr in range(1, rs):
                for dc in range(cs):
                    covered[(r + dr, c + dc)] = True
            c += cs
        del it
        out.append(fields)
    return out


def _sections(v: Variant, fmt: str) -> list[str]:
    """The report as a list of blocks (paragraph strings or pre-rendered tables)."""
    def table_blocks(rows: list[list[Cell]]) -> list[str]:
        if fmt == "html":
            return [_html_table(rows)]
        fields = _text_fields(rows)
        if fmt == "md":
            width = max(len(f) for f in fields)
            lines = ["| " + " | ".join(f + [""] * (width - len(f))) + " |" for f in fields]
            return [lines[0], "|" + "---|" * width] + lines[1:]
        return ["\t".join(f) for f in fields]

    def t2(cells):
        rows = proactive_rows(v, cells)
        if v.split_label and fmt != "html":
            blocks: list[str] = []
            for r in rows:
                if r[0][0] == _label(v, "proactive", v.split_label) and len(r) > 1:
                    label = r[0][0]
                    blocks.append(label[: len(label) // 2])
                    blocks += table_blocks([[(label[len(label) // 2:], 1, 1)] + r[1:]])
                else:
                    blocks += table_blocks([r])
            return blocks
        return table_blocks(rows)

    def t4(cells):
        out: list[str] = []
        for heading, rows in review_tables(v, cells):
            if heading:
                out.append(("### " if fmt == "md" else "") + heading)
            out += table_blocks(rows)
        return out

    def quoted(where: str) -> list[str]:
        if v.quote != where:
            return []
        last = v.year - 1
        cap = [] if where == "before_uncaptioned" else [f"{last}年度主动公开政府信息情况如下："]
        return cap + t2(v.quoted_cells)

    title = f"{v.agency}{v.year}年政府信息公开工作年度报告"
    b: list[str] = list(v.sidebar) + [title, "一、总体情况",
                                      f"本报告中所列数据的统计期限自{v.year}年1月1日起至{v.year}年12月31日止。"]
    if v.quote == "overview":
        b += [f"{v.year - 1}年度本机关政府信息公开情况统计如下："] + t2(v.quoted_cells)
    b += ["二、主动公开政府信息情况"] + list(v.narrative)
    b += quoted("before") + quoted("before_uncaptioned")
    if v.quote in ("before", "before_uncaptioned"):
        b.append(f"{v.year}年度主动公开政府信息情况如下：" if v.quote == "before" else "")
    b += t2(v.cells)
    b += ["三、收到和处理政府信息公开申请情况"] + table_blocks(requests_rows(v, v.cells))
    b += ["四、政府信息公开行政复议、行政诉讼情况"] + t4(v.cells)
    b += ["五、存在的主要问题及改进情况", "公开内容不够全面。", "六、其他需要报告的事项", "无。"]
    if v.quote == "appendix":
        b += [f"附件：{v.year - 1}年度统计表"] + t2(v.quoted_cells) + table_blocks(requests_rows(v, v.quoted_cells))
    return [x for x in b if x != ""]


def render(v: Variant, fmt: str) -> str:
    """The report as HTML, tab-separated text ("txt") or Markdown ("md")."""
    blocks = _sections(v, fmt)
    if fmt == "html":
        body = "".join(x if x.startswith("<table") else f"<p>{_html.escape(x)}</p>" for x in blocks)
        return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    return "\n".join(blocks) + "\n"


def with_cells(v: Variant, **changes: str) -> Variant:
    """A copy with some cells' printed text replaced (keys as 'table/row/col')."""
    cells = dict(v.cells)
    for k, text in changes.items():
        cells[tuple(k.split("/"))] = text  # type: ignore[index]
    return replace(v, cells=cells)


def table_rows_as_layout(v: Variant) -> str:
    """Table 三 as ``pdftotext -layout`` prints it: the header's names spread over several lines and
    wrapped, each data row one line of space-separated numbers."""
    t = T.table("requests")
    head = [f"{v.agency}{v.year}年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
            "                                                         申请人情况",
            "（本列数据的勾稽关系为：第一项加第二项之和，                  法人或其他组织",
            "等于第三项加第四项之和）",
            "                               自然人                                              总计",
            "                                        商业企      科研机     社会公益     法律服务",
            "                                                                           其他",
            "                                        业        构       组织       机构", ""]
    rows = []
    for r in t.rows(v.template):
        nums = "    ".join(v.cells.get(("requests", r.id, c.id), "") or "—" for c in t.columns())
        rows.append(f"{_label(v, 'requests', r.id)}        {nums}")
    return "\n".join(head + rows) + "\n"
