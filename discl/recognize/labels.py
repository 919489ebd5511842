"""Row and column labels: finding them in cells and in run-together text, and telling a table row from a
sentence of the narrative that happens to name a row."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from ..cells import clean_cell_text, is_value_text
from ..normalize import NUM_PREFIX, NUM_SUFFIX, normalize_label, same_number
from .lines import LCell, Line, norm_map, tokens


class LabelDef(Protocol):
    id: str
    cores: tuple[str, ...]
    number: str
    exact: bool
    group: str | None


@dataclass(frozen=True)
class Match:
    label: LabelDef
    start: int  # in the normalised text
    end: int


def find_labels(norm: str, defs: tuple[LabelDef, ...], loose: bool = False) -> list[Match]:
    """All non-overlapping label occurrences in normalised text, longer cores first, then earlier.

    ``loose``: accept exact-only cores (其他, 总计) anywhere (a header, where nothing else can mean them).
    """
    cands: list[Match] = []
    for d in defs:
        for core in d.cores:
            start = norm.find(core)
            while start >= 0:  # every occurrence, overlapping ones included
                end = start + len(core)
                if loose or not d.exact or exact_ok(norm, start, end):
                    cands.append(Match(d, start, end))
                start = norm.find(core, start + 1)
    cands.sort(key=lambda m: (-(m.end - m.start), m.start))
    taken: list[Match] = []
    for m in cands:
        if all(m.end <= t.start or m.start >= t.end for t in taken):
            taken.append(m)
    taken.sort(key=lambda m: m.start)
    return taken


# what may follow an exact label ("（七）总计：", "（七）总计（件）") before its numbers
_EXACT_TAIL = re.compile(r"^(?::|\((?:件|个|项|条|次|万元|元)\))")


def exact_ok(norm: str, start: int, end: int) -> bool:
    """"其他"/"总计" are also column headers: accept them as row labels only when they stand alone or
    after a numbering prefix ("3.其他", "(七)总计", "(3)其他") and nothing but numbers follows."""
    after = _EXACT_TAIL.sub("", norm[end:])
    if after and not re.match(r"^[\d.,+\-]", after[:1]):
        return False
    before = norm[:start]
    # any numbering will do: reports renumber these rows, and the group context decides the rest
    return not before or bool(NUM_SUFFIX.search(before))


_CN_NUMBERING_TAIL = re.compile(r"(?:[(（][一二三四五六七八九十\d][)）]|[一二三四五六七八九十]、)\s*$")


def strip_trailing_number(text: str, number: str) -> str:
    """Remove the next label's numbering ('2.', '(二)', '三、') that crawler text glued onto these digits.

    Digit numbering is removed only when it is the next row's own number, so '00000002.' loses the
    '2.' but never a digit of its own.

    >>> strip_trailing_number("00000002.", "2."), strip_trailing_number("0000000（二）", "(二)")
    ('0000000', '0000000')
    """
    t = _CN_NUMBERING_TAIL.sub("", text.rstrip())
    nf = unicodedata.normalize("NFKC", t)
    for n in {number, number.replace(".", "、"), number.replace(".", "．")} - {""}:
        if n[0].isdigit() and nf.endswith(unicodedata.normalize("NFKC", n)):
            return t[: len(t) - len(n)]
    return t


# ------------------------------------------------------------------------------------------------
# paragraphs cut at labels


@dataclass(frozen=True)
class Piece:
    label: LabelDef | None
    rest: str  # the text after the label, up to the next label
    cell: LCell


def split_text_line(line: Line, defs: tuple[LabelDef, ...]) -> list[Piece]:
    """Cut a paragraph piece at label occurrences; a piece's rest starts after its label's own words."""
    cell = line.cells[0]
    text = cell.text
    norm, idx = norm_map(text)
    matches = find_labels(norm, defs)
    if not matches:
        return [Piece(None, text, cell)]
    bounds = []
    for m in matches:
        o_start = idx[m.start]
        o_end = idx[m.end - 1] + 1
        # closing quotes/brackets that normalise away still belong to the label ("三安全一稳定”")
        while o_end < len(text) and text[o_end] in "”’\"'」":
            o_end += 1
        bounds.append((m.label, o_start, o_end))
    out: list[Piece] = []
    # the first label's own numbering ("1." before "申请人无正当理由…") is not text before it
    head = strip_trailing_number(text[: bounds[0][1]], bounds[0][0].number)
    if head.strip():
        out.append(Piece(None, head, cell))
    for i, (d, s, e) in enumerate(bounds):
        nxt = bounds[i + 1][1] if i + 1 < len(bounds) else len(text)
        rest = text[e:nxt]
        if i + 1 < len(bounds):
            rest = strip_trailing_number(rest, bounds[i + 1][0].number)
        out.append(Piece(d, without_label_tail(d, rest), cell))
    return out


# a parenthesised note or a colon right after a label ("规章（设区的市…）", "（七）总计：", "总计（件）")
_LEAD_NOTE = re.compile(r"^\s*(?:[(（][^()（）]{0,80}[)）]\s*|[:：]\s*)+")
_SENTENCE = re.compile(r"[。，,；;！？!?、]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


_OPEN_NOTE = re.compile(r"^\s*[(（][^()（）]*$")


def label_rest(rest: str) -> str:
    """The values part of the text after a label: its note or colon dropped, and nothing when a note
    opens and runs on to the next line ("（二）部分公开（区分处理的，只计这一情" / "形，不计其他情形）")."""
    r = _LEAD_NOTE.sub("", rest)
    return "" if _OPEN_NOTE.match(r) else r


def without_label_tail(label: LabelDef, rest: str) -> str:
    """``rest`` without the words that continue the label itself: a row matched by a short core
    ("逾期不补正") is followed by the rest of its own label ("、行政机关不再处理其政府信息公开申请")."""
    norm, idx = norm_map(rest)
    best = 0
    for full in getattr(label, "full", ()):
        for core in label.cores:
            at = full.find(core)
            if at < 0:
                continue
            tail = full[at + len(core):]
            n = 0
            while n < min(len(tail), len(norm)) and tail[n] == norm[n]:
                n += 1
            best = max(best, n)
    if best < 2:
        return rest
    return rest[idx[best - 1] + 1:]


def is_narrative(rest: str) -> bool:
    """Whether the text after a label in a paragraph is a sentence rather than a row's cells.

    A table row continues with numbers (or the next label); a sentence continues with words
    (`…行政规范性文件类 6条、重大建设项目信息类 24条…`), which must never be read as the row.

    >>> is_narrative("类 6条、重大建设项目信息类 24条"), is_narrative(" 6 0 6"), is_narrative("（件）：3 0")
    (True, False, False)
    >>> is_narrative(" 10 持平 5")
    False
    """
    r = label_rest(rest).strip()
    if not r:
        return False
    if _SENTENCE.search(r):
        return True
    # words glued to the label ("…文件类", "…许可事项") make it part of a longer phrase
    first = tokens(r)[:1]
    return bool(first) and bool(_CJK.match(first[0])) and not is_value_text(first[0])


def all_values(text: str) -> bool:
    return all(is_value_text(t) for t in tokens(text))


# ------------------------------------------------------------------------------------------------
# the label cell of a table row


def label_cell(line: Line, defs: tuple[LabelDef, ...], groups: frozenset[str] = frozenset()) -> tuple[int, list[Match]]:
    """Index of the row's last label cell (-1 if none) and the label matches in the label cells.

    The label cells are the leading cells up to the last one that names a row or group; every cell to
    the right of a row's label is a value cell, whatever it holds (a cell printed "持平" or "−8" is a
    missing value, not a label, so it never shifts its neighbours). Leading blank cells (merged label
    columns of a text table) are skipped. Text that names nothing, before any label or right after a
    group's label (``groups``: their ids), is a label too — a misprinted one, read fuzzily by the caller.
    """
    last = -1
    matches: list[Match] = []
    unmatched = -1
    after_group = False
    for i, c in enumerate(line.cells):
        norm = normalize_label(c.text)
        found = find_labels(norm, defs) if norm else []
        if found:
            last, matches = i, matches + found
            after_group = all(m.label.id in groups for m in found)
            continue
        t = clean_cell_text(c.text)
        if not t:
            continue  # a blank label column (or a blank value cell; told apart by the caller's count)
        if is_value_text(c.text):
            break
        if last >= 0 and not after_group:
            break  # text after the row's label: a value cell that is not a number
        unmatched = i
        if after_group:
            last, after_group = i, False  # the (misprinted) sub-label under its group
            break
    return (last if last >= 0 else unmatched), matches


def fuzzy_row(label_text: str, group: str | None, rows, done: set[str]):
    """A misprinted label ("2.其他法律行政止公开") read as the template row it is closest to — only
    when its numbering and group agree, the similarity is high and no other row comes close."""
    norm = normalize_label(label_text)
    m = NUM_PREFIX.match(norm)
    if not m or group is None:
        return None
    number, body = m.group(0), norm[m.end():]
    scored = []
    for d in rows:
        if d.group != group or d.id in done or not same_number(number, d.number):
            continue
        scored.append((difflib.SequenceMatcher(None, body, d.cores[0]).ratio(), d))
    scored.sort(key=lambda x: -x[0])
    if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[1][0] < 0.6):
        return scored[0][1]
    return None


def join_carry(carry: str, line: Line, defs: tuple[LabelDef, ...]) -> Line:
    """A table row whose first cell ends a label the previous line began (“政府集” / “中采购 | 5 | …”):
    the fragment is joined in front when a label then spans the junction; else the row as it is."""
    if not line.cells or line.is_text:
        return line
    first = line.cells[0]
    text = carry + first.text
    norm, idx = norm_map(text)
    if not any(idx[m.start] < len(carry) <= idx[m.end - 1] for m in find_labels(norm, defs)):
        return line
    return Line((LCell(text, first.ref, first.page, first.bbox, first.starts_here, first.col, first.span),
                 *line.cells[1:]), line.is_text, line.inferred, line.index)
