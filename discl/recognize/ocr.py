"""Trust in OCR'd figures: every value from a scanned page is flagged ``ocr`` with its score, and the
template's own arithmetic decides which figures can stand.

A recogniser is confidently wrong often enough (a 3 read as 8 at 0.97) that its score alone cannot be
trusted, but a misread digit almost always breaks a sum the template prescribes (row and column totals,
一 + 二 = 三 + 四, table 四's totals). So, for OCR'd values only:

1. a value whose cell scored below :data:`MIN_CONFIDENCE` is missing, flagged ``low_confidence``; one
   that scored below :data:`SURE_CONFIDENCE` (a lone 0 often does) stands only if an equation that holds
   vouches for it and none it is in is broken;
2. every equation of the template's identities is evaluated on the values read; a cell that takes part in
   a broken equation and in no equation that holds is *suspect*: missing, flagged ``low_confidence``,
   its raw text kept. A broken equation whose every cell is corroborated by another equation that holds
   is what the report printed (a real inconsistency): it is left to the checks;
3. where exactly one single-digit change of one suspect makes every equation it is in hold, the change is
   proposed in an issue ``read.ocr_correction`` — proposed, never applied.

Values read from a text layer are untouched.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import replace

from ..assemble import table_to_grid
from ..sources.document import Document, Paragraph
from ..templates import Instance, identities
from .model import Note, Value

#: OCR'd cells scoring below this are missing (``low_confidence``)
MIN_CONFIDENCE = 0.50
#: OCR'd cells scoring below this need an equation that holds to stand. PP-OCRv4 scores a clean figure
#: 0.95–1.0, but a lone 0 in a wide cell 0.6–0.99 (measured on discl's scans of rendered and real reports)
SURE_CONFIDENCE = 0.85

Key = tuple[str, str, str]  # (table, row, col)


def cell_confidences(doc: Document) -> dict[str, float]:
    """OCR score of every cell and paragraph, by the provenance ref the line stream gives it
    (``t3:r5c2``, ``p12``; see :func:`discl.recognize.lines.document_to_lines`)."""
    out: dict[str, float] = {}
    t_no = 0
    for b_no, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            if block.confidence is not None:
                out[f"p{b_no}"] = block.confidence
            continue
        t_no += 1
        if not any(c.confidence is not None for row in block.rows for c in row):
            continue
        try:
            grid = table_to_grid(block)
        except ValueError:
            continue
        for row in grid:
            for slot in row:
                if slot is not None and slot.cell.confidence is not None:
                    out[f"t{t_no}:r{slot.origin_row + 1}c{slot.origin_col + 1}"] = slot.cell.confidence
    return out


def ocr_values_to_trusted(doc: Document, values: list[Value], template: str | None,
                          min_confidence: float = MIN_CONFIDENCE,
                          sure_confidence: float = SURE_CONFIDENCE) -> tuple[list[Value], list[Note]]:
    """The values with OCR flags and confidences applied, and the notes (suspects, proposed corrections)."""
    pages = set(doc.ocr_pages)
    if not pages:
        return values, []
    scores = cell_confidences(doc)
    out: list[Value] = []
    weak: set[int] = set()
    for v in values:
        if v.page not in pages:
            out.append(v)
            continue
        conf = scores.get(v.cell)
        v = replace(v, confidence=conf).with_flags("ocr")
        if not v.missing and conf is not None and conf < min_confidence:
            v = replace(v, value=math.nan).with_flags("low_confidence")
        elif not v.missing and conf is not None and conf < sure_confidence:
            weak.add(len(out))
        out.append(v)
    return _check_identities(out, template, weak)


def _check_identities(values: list[Value], template: str | None, weak: set[int] = frozenset()
                      ) -> tuple[list[Value], list[Note]]:
    by_key: dict[Key, list[int]] = defaultdict(list)
    for i, v in enumerate(values):
        by_key[(v.table, v.row, v.col)].append(i)
    index = {k: ix[0] for k, ix in by_key.items() if len(ix) == 1}  # a doubled cell is not judged here
    equations: list[tuple[Instance, list[Key], list[Key]]] = []
    for ident in identities():
        rows = {v.row for v in values if v.table == ident.table}
        if not rows:
            continue
        for inst in ident.instances(template, rows):
            parts = [(ident.table, r, c) for r, c in inst.parts]
            totals = [(ident.table, r, c) for r, c in inst.totals]
            if all(k in index for k in parts + totals):
                equations.append((inst, parts, totals))

    def value_of(k: Key, override: dict[Key, float] | None = None) -> float:
        if override and k in override:
            return override[k]
        return values[index[k]].value

    def holds(eq, override=None) -> bool | None:
        _, parts, totals = eq
        nums = [value_of(k, override) for k in parts + totals]
        if any(math.isnan(x) for x in nums):
            return None  # cannot be judged
        return abs(sum(nums[:len(parts)]) - sum(nums[len(parts):])) < 1e-6

    state = [holds(eq) for eq in equations]
    corroborated = {k for eq, ok in zip(equations, state) if ok for k in eq[1] + eq[2]}
    broken = [eq for eq, ok in zip(equations, state) if ok is False]
    suspects: dict[Key, list[str]] = {}
    for inst, parts, totals in broken:
        for k in parts + totals:
            v = values[index[k]]
            if "ocr" in v.flags and k not in corroborated:
                suspects.setdefault(k, []).append(inst.rule)
    in_broken = {k for _, parts, totals in broken for k in parts + totals}
    notes: list[Note] = []
    keys = {i: k for k, i in index.items()}
    for i in sorted(weak):
        k = keys.get(i)
        if k is None or k in suspects or (k in corroborated and k not in in_broken):
            continue
        v = values[i]
        values[i] = replace(v, value=math.nan).with_flags("low_confidence")
        notes.append(Note("read.ocr_suspect", "warning", k[0], k[1],
                          f"OCR read {v.raw!r} here with a low score ({v.confidence:.2f}) and no equation "
                          "that holds vouches for it: left missing", k[2]))
    proposals = _corrections(suspects, equations, values, index, holds)
    for k, rules in suspects.items():
        i = index[k]
        v = values[i]
        values[i] = replace(v, value=math.nan).with_flags("low_confidence")
        rule_list = ", ".join(dict.fromkeys(rules))
        notes.append(Note("read.ocr_suspect", "warning", k[0], k[1],
                          f"OCR read {v.raw!r} here, which breaks {rule_list} while no equation that holds "
                          "vouches for it: left missing", k[2]))
    if len(proposals) == 1:
        (k, raw, new), = proposals
        notes.append(Note("read.ocr_correction", "info", k[0], k[1],
                          f"OCR read {raw!r}; {new!r} would make every equation of this cell hold "
                          "(the only one-digit change that does): proposed, not applied", k[2]))
    return values, notes


def _corrections(suspects: dict[Key, list[str]], equations, values: list[Value], index: dict[Key, int],
                 holds) -> list[tuple[Key, str, str]]:
    """Every (cell, printed, corrected) where changing one digit of one suspect makes each equation it
    takes part in hold (the other suspects as read)."""
    found = []
    for k in suspects:
        v = values[index[k]]
        raw = v.raw.strip()
        if not re.fullmatch(r"\d+", raw):
            continue
        mine = [eq for eq in equations if k in eq[1] + eq[2]]
        for pos in range(len(raw)):
            for d in "0123456789":
                if d == raw[pos] or (pos == 0 and d == "0" and len(raw) > 1):
                    continue
                cand = raw[:pos] + d + raw[pos + 1:]
                override = {k: float(cand)}
                if all(holds(eq, override) for eq in mine):
                    found.append((k, raw, cand))
    return found
