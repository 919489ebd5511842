"""DOCX: the report as a Word document whose tables use real merged cells.

python-docx is a core dependency (discl reads DOCX with it), so this writer needs no extra.
"""
from __future__ import annotations

from pathlib import Path

from .grids import section_tables
from .narrative import SECTION_ORDER, report_narrative, section_titles
from .spec import ReportSpec


def render_docx(spec: ReportSpec, path: str | Path) -> Path:
    """Write a Word document whose tables use real merged cells (``gridSpan``/``vMerge`` via ``cell.merge``).

    >>> import random, tempfile, os, docx
    >>> from discl.render.spec import random_spec
    >>> path = render_docx(random_spec(random.Random(1)), os.path.join(tempfile.mkdtemp(), "r.docx"))
    >>> [len(t.rows) for t in docx.Document(str(path)).tables][1:]
    [26, 4]
    """
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    # Word picks the CJK font from eastAsia; without it Chinese falls back to whatever the viewer has
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    narrative = report_narrative(spec)
    tables = section_tables(spec, compact=False)
    titles = section_titles()
    document.add_heading(spec.title, level=1)
    for s in SECTION_ORDER:
        document.add_heading(titles[s], level=2)
        for p in narrative.get(s, []):
            document.add_paragraph(p)
        if s in tables:
            grid = tables[s]
            table = document.add_table(rows=grid.n_rows, cols=grid.n_cols)
            table.style = "Table Grid"
            for c in grid.cells:
                cell = table.cell(c.row, c.col)
                if c.rowspan > 1 or c.colspan > 1:
                    cell = cell.merge(table.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
                cell.text = c.text
    path = Path(path)
    document.save(str(path))
    return path
