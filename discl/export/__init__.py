"""Comparison spreadsheets: one workbook an analyst can open, filter and trust.

:func:`corpus_to_excel` writes the three tables of a corpus (``reports``, ``values``, ``issues``; see the
README) as one XLSX workbook:

* ``概览`` — one row per report: agency, region, year, template, status, error, counts of errors/warnings;
* ``二、主动公开`` / ``三、申请办理`` / ``四、复议诉讼`` — each table in wide form, one row per report and one
  column per (row, col) cell of the template, Chinese labels in header row 1 and the ids ``row/col`` in
  header row 2;
* ``办理结果占比`` — each outcome row of table 三 as a share of （七）总计 (总计 column);
* ``政府集中采购`` — gb2019 central procurement: projects and amount (万元);
* ``问题清单`` — every finding; ``数据明细`` — the long values table; ``说明`` — what the colours mean.

Cells named by an ``error``/``warning`` finding are filled and carry a comment naming the rule and its
message; cells the extraction flagged (``ambiguous`` …) get a lighter fill and a comment with the printed
text. Missing values stay empty cells, never 0.

Text from documents is untrusted: every string is written as a string cell (never a formula) and strings
that a spreadsheet would evaluate (leading ``= + - @``, tab, CR) also get Excel's *quotePrefix* style, so
editing the cell does not turn it into a formula. :func:`safe_csv` does the same for CSV by prefixing
such strings with ``'`` (OWASP's recommendation for CSV injection).

The package: :mod:`~discl.export.safe` (formula-like text, atomic writes, CSV), :mod:`~discl.export.records`
(the frames as plain records), :mod:`~discl.export.notes` (findings and flags by cell),
:mod:`~discl.export.sheets` (the sheets as plain data) and :mod:`~discl.export.workbook` (openpyxl).

>>> import discl, tempfile, os
>>> from discl.render import write_samples
>>> d = tempfile.mkdtemp(); _ = write_samples(d)
>>> c = discl.load(d)
>>> path = corpus_to_excel(c.reports, c.values, c.issues, os.path.join(d, "comparison.xlsx"))
>>> import openpyxl
>>> openpyxl.load_workbook(path).sheetnames[:4]
['概览', '二、主动公开', '三、申请办理', '四、复议诉讼']
"""
from __future__ import annotations

from .notes import ATTENTION_FLAGS, COLUMN_RULE_ROWS, FLOW_ROWS, MARK_ORDER, NOTE_FLAGS, CellNotes, Mark
from .records import Key
from .safe import FORMULA_PREFIXES, MAX_CELL_CHARS, is_formula_like, neutralize_csv_text, safe_csv, values_to_csv
from .sheets import (FREEZE_KEY_COLS, INT_FORMAT, MONEY_FORMAT, REPORT_KEYS, SHARE_FORMAT, SHEETS, Column,
                     SheetData, build_sheets, col_label, issues_sheet, legend_sheet, outcome_rows, overview_sheet,
                     procurement_sheet, row_label, shares_sheet, table_cells, values_sheet, wide_sheet)
from .workbook import (BODY_STYLE, COMMENT_AUTHOR, FILLS, FONT_NAME, HEADER_ROWS, HEADER_STYLE, ID_STYLE,
                       corpus_to_excel, write_sheet)

__all__ = ["SHEETS", "FONT_NAME", "corpus_to_excel", "safe_csv", "values_to_csv", "is_formula_like",
           "neutralize_csv_text",
           # the parts, for a workbook of one's own
           "ATTENTION_FLAGS", "BODY_STYLE", "COLUMN_RULE_ROWS", "COMMENT_AUTHOR", "FILLS", "FLOW_ROWS",
           "FORMULA_PREFIXES", "FREEZE_KEY_COLS", "HEADER_ROWS", "HEADER_STYLE", "ID_STYLE", "INT_FORMAT",
           "MARK_ORDER", "MAX_CELL_CHARS", "MONEY_FORMAT", "NOTE_FLAGS", "REPORT_KEYS", "SHARE_FORMAT", "CellNotes",
           "Column", "Key", "Mark", "SheetData", "build_sheets", "col_label", "issues_sheet", "legend_sheet",
           "outcome_rows", "overview_sheet", "procurement_sheet", "row_label", "shares_sheet", "table_cells",
           "values_sheet", "wide_sheet", "write_sheet"]
