"""Cutting the line stream into the occurrences of the three tables, each with the section it stands in.

A line belongs to a table from that table's section heading (二、主动公开政府信息情况 …) or start marker
(第二十条第（一）项, 申请人情况 …) up to the next heading or marker of something else. Headings may come in
any order and more than once: a report that quotes last year's tables in 一、总体情况 or appends them after
六 gives several occurrences, and :mod:`.choose` decides which one is this year's. Numbers in the
narrative, the site's navigation or an interleaved web fragment never reach a table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ..normalize import normalize_label
from ..templates import TABLE_IDS, sections, table
from .lines import LCell, Line, is_page_number, norm_map


@dataclass
class Segment:
    """A run of lines of one table, and the numbered section it starts in (None: before any heading)."""

    table: str
    section: str | None
    lines: list[Line] = field(default_factory=list)
    lead_in: str = ""  # the line just before it (a caption like "2020年情况" marks a quote)


@lru_cache(maxsize=1)
def _markers() -> tuple:
    """(pattern, table or None, section id or None) for headings and table start markers."""
    out = []
    for s in sections():
        out.append((s.pattern, s.table, s.id))
    for tid in TABLE_IDS:
        for p in table(tid).starts:
            out.append((p, tid, None))
    return tuple(out)


def _events(norm: str) -> list[tuple[int, int, str | None, str | None]]:
    """(start, end, table, section) of every heading/marker in normalised text, earliest first, without
    overlaps (a heading wins over a marker inside it)."""
    found = []
    for pat, tid, sid in _markers():
        for m in pat.finditer(norm):
            found.append((m.start(), m.end(), tid, sid))
    found.sort(key=lambda e: (e[0], -(e[1] - e[0])))
    out: list[tuple[int, int, str | None, str | None]] = []
    for e in found:
        if out and e[0] < out[-1][1]:
            continue
        out.append(e)
    return out


def lines_to_segments(lines: list[Line]) -> list[Segment]:
    """The table occurrences of a document, in reading order.

    >>> from discl.recognize.lines import text_line
    >>> segs = lines_to_segments([text_line("一、总体情况 …"), text_line("二、主动公开政府信息情况"),
    ...                           text_line("规章 1 0 1"), text_line("五、存在的主要问题及改进情况")])
    >>> [(s.table, s.section, [ln.cells[0].text for ln in s.lines]) for s in segs]
    [('proactive', 'proactive', ['规章 1 0 1'])]
    """
    segments: list[Segment] = []
    state: str | None = None  # the table the lines belong to
    section: str | None = None
    recent: list[str] = []  # text of the last lines outside any table (lead-in of the next one)

    def enter(tid: str | None, sid: str | None) -> None:
        nonlocal state, section
        if sid is not None:
            section = sid
        if tid != state:
            state = tid
            if tid is not None:
                segments.append(Segment(tid, section, lead_in=recent[-1] if recent else ""))
        elif tid is not None and sid is not None and segments and segments[-1].section != sid:
            if segments[-1].lines:
                # the table's own heading after a copy of it elsewhere (quoted in 一): a new occurrence
                segments.append(Segment(tid, section, lead_in=recent[-1] if recent else ""))
            else:
                segments[-1].section = sid  # a start marker just before the heading: same occurrence

    counter = 0

    def add(line: Line) -> None:
        nonlocal counter
        if state is None:
            if line.is_text:
                recent.append(line.cells[0].text[-200:])
            return
        # every line and piece gets its own index: values point back to it, copies are ordered by it
        segments[-1].lines.append(Line(line.cells, line.is_text, line.inferred, counter))
        counter += 1

    for line in lines:
        if is_page_number(line):
            continue
        if line.is_text:
            text = line.cells[0].text
            norm, idx = norm_map(text)
            start = 0
            for s0, e0, tid, sid in _events(norm):
                cut = idx[s0]
                if cut > start:
                    add(_piece(line, text[start:cut]))
                enter(tid, sid)
                start = cut
                if sid is not None:
                    # the heading itself is no table content (its words, e.g. 行政复议、行政诉讼, are not
                    # the table's header): it goes to the lead-in of what follows
                    end = idx[e0 - 1] + 1
                    recent.append(text[cut:end])
                    if segments and state is not None and segments[-1].table == state and not segments[-1].lines:
                        segments[-1].lead_in = recent[-1]
                    start = end
            if start < len(text):
                add(_piece(line, text[start:]) if start else line)
            continue
        norm = normalize_label("".join(c.text for c in line.cells))
        for _s0, _e0, tid, sid in _events(norm)[:1]:
            enter(tid, sid)
        add(line)
    return [s for s in segments if s.lines]


def _piece(line: Line, text: str) -> Line:
    c = line.cells[0]
    return Line((LCell(text, c.ref, c.page, c.bbox, raw=None),), True, index=line.index)
