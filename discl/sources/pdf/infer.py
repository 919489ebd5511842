"""Tables without ruling lines, inferred from the alignment of numbers (``Table.inferred = True``)."""
from __future__ import annotations

from .grid import Grid, GridCell, cluster, min_confidence, nearest
from .lines import Line, line_tokens, value_run
from .triage import REPORT_TABLE_MARKERS


def lines_look_tabular(lines: list[Line]) -> bool:
    """True if the lines name a report table and at least two of them end in two or more values."""
    flat = "".join(ln.text for ln in lines).replace(" ", "")
    return any(m in flat for m in REPORT_TABLE_MARKERS) and \
        sum(value_run(line_tokens(ln)) >= 2 for ln in lines) >= 2


def infer_table(lines: list[Line], page: int) -> tuple[Grid | None, list[Line]]:
    """Build a table from lines ending in runs of numbers; return it and the lines left outside.

    Columns are the clusters of the numbers' x-positions (left edges, centres or right edges, whichever
    alignment is most consistent), so a row with a blank cell still puts each number in its column.

    >>> from discl.sources.pdf.lines import chars_to_lines
    >>> def text(s, x, top):
    ...     return [{"text": c, "x0": x + 10 * i, "x1": x + 10 * i + 10, "top": top, "bottom": top + 10,
    ...              "size": 10} for i, c in enumerate(s)]
    >>> lines = chars_to_lines(text("本年新收", 0, 0) + text("3", 100, 0) + text("14", 150, 0)
    ...                        + text("上年结转", 0, 20) + text("1", 100, 20) + text("2", 150, 20))
    >>> lines_look_tabular(lines)
    True
    >>> grid, rest = infer_table(lines, page=1)
    >>> [[c.text for c in grid.row_cells(r)] for r in range(grid.nrows)], rest, grid.inferred
    ([['本年新收', '3', '14'], ['上年结转', '1', '2']], [], True)
    """
    data_idx = [i for i, ln in enumerate(lines) if value_run(line_tokens(ln)) >= 2]
    if len(data_idx) < 2:
        return None, lines
    first, last = data_idx[0], data_idx[-1]
    rows = lines[first:last + 1]
    values = [line_tokens(ln) for ln in rows]
    runs = [value_run(t) for t in values]
    numbers = [tok for toks, n in zip(values, runs) for tok in toks[len(toks) - n:]]
    size = max(min(c["size"] for ln in rows for c in ln.chars), 4.0)
    candidates = [cluster((f(t) for t in numbers), 0.8 * size) for f in
                  (lambda t: t[1], lambda t: (t[1] + t[2]) / 2, lambda t: t[2])]
    which = min(range(3), key=lambda k: len(candidates[k]))
    centres = candidates[which]
    pos = [lambda t: t[1], lambda t: (t[1] + t[2]) / 2, lambda t: t[2]][which]
    ncols = len(centres) + 1  # label column first
    label_right = min(t[1] for t in numbers)
    xs = [min(ln.chars[0]["x0"] for ln in rows)] + [label_right - 1] + \
        [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [max(t[2] for t in numbers) + 1]
    cells: list[GridCell] = []
    for r, (ln, toks, n) in enumerate(zip(rows, values, runs)):
        label_toks = toks[:len(toks) - n]
        label = " ".join(t[0] for t in label_toks)
        lbox = (xs[0], ln.top, label_right - 1, ln.bottom)
        score = min_confidence(ln.chars)  # OCR'd text: the line's lowest score
        cells.append(GridCell(r, 0, r + 1, 1, label, page, lbox, confidence=score))
        slots: dict[int, tuple[str, float, float]] = {}
        for tok in toks[len(toks) - n:]:
            slots[nearest(centres, pos(tok)) + 1] = tok
        for c in range(1, ncols):
            tok = slots.get(c)
            box = (tok[1], ln.top, tok[2], ln.bottom) if tok else (xs[c], ln.top, xs[c + 1], ln.bottom)
            cells.append(GridCell(r, c, r + 1, c + 1, tok[0] if tok else "", page, box, confidence=score))
    grid = Grid(xs=xs, nrows=len(rows), cells=cells, page=page, last_page=page,
                top=rows[0].top, bottom=rows[-1].bottom, inferred=True)
    return grid, lines[:first] + lines[last + 1:]
