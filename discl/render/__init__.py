"""Render discl's own sample reports in the official 政府信息公开工作年度报告 layout.

A :class:`ReportSpec` holds the figures of one report as the exact text printed in each table cell; the
``render_*`` functions lay the three tables out as the official templates do (see ``shared/spec/format.md``
§2–§5) and write them as HTML, tab-separated text, Markdown, DOCX or PDF. These files are discl's bundled
samples (``make demo``) and the inputs of the round-trip tests (render → read → same values).

- :mod:`.spec`: the report (:class:`ReportSpec`) and consistent random figures (:func:`random_spec`).
- :mod:`.grids`: every table as one format-neutral :class:`Grid` of anchored cells with row/column spans,
  so the formats cannot disagree about the layout.
- :mod:`.narrative`: section headings and default paragraphs.
- :mod:`.markup` (HTML, text, Markdown), :mod:`.word` (DOCX), :mod:`.pdf` (PDF, needs the ``samples``
  extra: ``pip install 'discl[samples]'``).
- :mod:`.samples`: the bundled ``data/samples.csv`` and :func:`write_samples`.

Every label, caption, group and section title comes from :mod:`discl.templates`.

>>> import random
>>> from discl.render import random_spec, render_text
>>> spec = random_spec(random.Random(7), template="gb2021")
>>> text = render_text(spec)
>>> text.splitlines()[0] == spec.title, "三、收到和处理政府信息公开申请情况" in text
(True, True)
"""
from __future__ import annotations

from .grids import ITEM_HEADER, Grid, GridBuilder, GridCell, proactive_grid, requests_grid, review_grid, \
    section_tables
from .markup import render_html, render_markdown, render_text
from .narrative import SECTION_ORDER, default_narrative, period_sentence, report_narrative, section_titles
from .pdf import CJK_FONT, INSTALL_HINT, PDF_BREAK_AFTER, render_pdf, require_reportlab
from .samples import SAMPLE_COLUMNS, SAMPLE_FORMATS, SAMPLES_CSV, load_samples, read_samples_csv, write_samples
from .spec import APPLICANT_WEIGHT, OUTCOME_WEIGHT, RANDOM_YEARS, TEMPLATES, Key, ReportSpec, Template, \
    applicant_columns, cell_keys, check_template, default_template, fill_matrix, flow_rows, format_value, \
    outcome_rows, proactive_blocks, random_measure, random_spec, random_values, request_columns, request_rows, \
    requests_values, review_values, round_to, split_total, typical_year
from .word import render_docx

__all__ = [
    "APPLICANT_WEIGHT", "CJK_FONT", "INSTALL_HINT", "ITEM_HEADER", "OUTCOME_WEIGHT", "PDF_BREAK_AFTER",
    "RANDOM_YEARS", "SAMPLES_CSV", "SAMPLE_COLUMNS", "SAMPLE_FORMATS", "SECTION_ORDER", "TEMPLATES", "Grid",
    "GridBuilder", "GridCell", "Key", "ReportSpec", "Template", "applicant_columns", "cell_keys",
    "check_template", "default_narrative", "default_template", "fill_matrix", "flow_rows", "format_value",
    "load_samples", "outcome_rows", "period_sentence", "proactive_blocks", "proactive_grid", "random_measure",
    "random_spec", "random_values", "read_samples_csv", "render_docx", "render_html", "render_markdown",
    "render_pdf", "render_text", "report_narrative", "request_columns", "request_rows", "requests_grid",
    "requests_values", "require_reportlab", "review_grid", "review_values", "round_to", "section_tables",
    "section_titles", "split_total", "typical_year", "write_samples",
]
