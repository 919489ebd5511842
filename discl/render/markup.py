"""HTML, plain text and Markdown: the report as a web page, as a copy of one, and as Markdown.

>>> import random
>>> from discl.render.spec import random_spec
>>> s = random_spec(random.Random(1), template="gb2021")
>>> render_text(s).splitlines()[0]
'示例区人民政府2023年政府信息公开工作年度报告'
>>> render_markdown(s).startswith("# 示例区人民政府2023年")
True
>>> render_html(s, encoding="gb18030")[:15]
b'<!DOCTYPE html>'
"""
from __future__ import annotations

import html
from typing import overload

from .grids import Grid, section_tables
from .narrative import SECTION_ORDER, report_narrative, section_titles
from .spec import ReportSpec


def _html_table(grid: Grid) -> str:
    out = [f'<table class="xxgk-{grid.table}" border="1" cellspacing="0" cellpadding="2" '
           'style="border-collapse:collapse">']
    for row in grid.row_anchors():
        out.append("<tr>")
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                    (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            # Word-exported pages write blank cells as &nbsp;; the reader has to treat it as blank
            body = html.escape(c.text) if c.text else "&nbsp;"
            out.append(f"<td{attrs}>{body}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def _chrome_news_table(year: int) -> str:
    """A site's news list: a ``<table>`` with dates and numbers that is not part of the report."""
    items = ["关于开展安全生产大检查的通知", "2季度重点工作推进情况通报", "第3批惠企政策申报指南",
             "关于公布12345热线办理情况的公告"]
    rows = "\n".join(f"<tr><td><a href=\"/news/{year + 1}{i:04d}.html\">{html.escape(t)}</a></td>"
                     f"<td>{year + 1}-0{i + 1}-1{i}</td><td>{137 * (i + 2)}</td></tr>"
                     for i, t in enumerate(items))
    return (f'<table class="news-list"><tr><td>标题</td><td>发布日期</td><td>浏览次数</td></tr>\n'
            f"{rows}\n</table>")


@overload
def render_html(spec: ReportSpec, encoding: None = None, chrome: bool = False) -> str: ...
@overload
def render_html(spec: ReportSpec, encoding: str, chrome: bool = False) -> bytes: ...


def render_html(spec: ReportSpec, encoding: str | None = None, chrome: bool = False) -> str | bytes:
    """The report as a full web page (UTF-8 text), or as bytes in ``encoding``.

    With an encoding the page declares ``<meta charset="gb2312">`` whatever the actual encoding is, as many
    government sites do (GB18030 bytes under a GB2312 label). ``chrome=True`` wraps the article in site
    navigation and a news-list table the reader must skip.

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> page = render_html(random_spec(random.Random(1)), chrome=True)
    >>> page.count("<table"), '<table class="xxgk-requests"' in page
    (4, True)
    """
    charset = "utf-8" if encoding is None else "gb2312"
    narrative = report_narrative(spec)
    tables = section_tables(spec, compact=False)
    titles = section_titles()
    body = [f"<h1>{html.escape(spec.title)}</h1>"]
    for s in SECTION_ORDER:
        body.append(f"<h2>{html.escape(titles[s])}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in narrative.get(s, [])]
        if s in tables:
            body.append(_html_table(tables[s]))
    article = '<div class="article">\n' + "\n".join(body) + "\n</div>"
    if chrome:
        article = (
            '<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
            '<a href="/zwgk/nb/">政府信息公开年报</a></div>\n'
            f'<div class="sidebar"><h3>最新动态</h3>\n{_chrome_news_table(spec.year)}\n</div>\n'
            f"{article}\n"
            '<div class="footer">主办单位：' + html.escape(spec.agency) + " 网站标识码：3700000001 "
            "ICP备案号：鲁ICP备05001234号</div>"
        )
    page = (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{charset}">\n'
            f"<title>{html.escape(spec.title)}</title>\n</head>\n<body>\n{article}\n</body>\n</html>\n")
    return page if encoding is None else page.encode(encoding)


def render_text(spec: ReportSpec, cell_per_line: bool = False) -> str:
    """Plain text like a copy of the web page: table rows one per line, cells separated by tabs.

    A column span is one field; a label column merged from a row above is an empty field, so every data
    row of table 三 ends with its 7 values. ``cell_per_line`` writes every cell on its own line, a
    blank cell as a no-break space and an empty line after each row, as a word processor saves a table
    as text (or a PDF viewer copies one).

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> lines = render_text(random_spec(random.Random(1), template="gb2021")).splitlines()
    >>> next(ln for ln in lines if ln.startswith("\\t\\t2.")).split("\\t")[2]
    '2.其他法律行政法规禁止公开'
    """
    narrative = report_narrative(spec)
    tables = section_tables(spec, compact=True)
    titles = section_titles()
    lines = [spec.title, ""]
    for s in SECTION_ORDER:
        lines.append(titles[s])
        lines += narrative.get(s, [])
        if s in tables:
            for fields in tables[s].line_fields():
                if cell_per_line:
                    lines += [f or "\u00a0" for f in fields] + [""]
                else:
                    lines.append("\t".join(fields))
        lines.append("")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(grid: Grid) -> str:
    rows = grid.expanded()
    out = ["| " + " | ".join(_md_cell(t) for t in rows[0]) + " |",
           "|" + "---|" * grid.n_cols]
    out += ["| " + " | ".join(_md_cell(t) for t in r) + " |" for r in rows[1:]]
    return "\n".join(out)


def render_markdown(spec: ReportSpec) -> str:
    """Markdown with ``|`` tables; merged cells print their text once, at their top-left position.

    >>> import random
    >>> from discl.render.spec import random_spec
    >>> md = render_markdown(random_spec(random.Random(1)))
    >>> md.count("\\n|---|"), md.splitlines()[2]
    (3, '## 一、总体情况')
    """
    narrative = report_narrative(spec)
    tables = section_tables(spec, compact=True)
    titles = section_titles()
    parts = [f"# {spec.title}"]
    for s in SECTION_ORDER:
        parts.append(f"## {titles[s]}")
        parts += narrative.get(s, [])
        if s in tables:
            parts.append(_md_table(tables[s]))
    return "\n\n".join(parts) + "\n"
