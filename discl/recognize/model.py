"""What the table readers return: values with provenance and typed notes, never a shared accumulator."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..schema import Note
from ..sources.document import BBox

__all__ = ["Alternatives", "CopyInfo", "Note", "TableRead", "Value"]


@dataclass(frozen=True)
class Value:
    """One cell read: its ids, the printed text, the number (NaN when missing) and why to look twice."""

    table: str
    row: str
    col: str
    raw: str
    value: float
    unit: str | None
    flags: tuple[str, ...]
    page: int | None
    cell: str  # provenance: "t3:r5c2" (table 3, grid row 5, col 2) or "p12" (paragraph 12)
    bbox: BBox | None = None
    copy: int = 0  # which occurrence of the table in the document it was read from (see :mod:`.choose`)
    line: int = -1  # the line of the stream it was read from
    confidence: float | None = None  # the OCR score of its cell (None: not OCR'd)

    @property
    def missing(self) -> bool:
        return self.value != self.value

    def with_flags(self, *flags: str) -> "Value":
        return replace(self, flags=tuple(dict.fromkeys(self.flags + flags)))


@dataclass(frozen=True)
class Alternatives:
    """The readings a run-together row admits, kept so that column arithmetic can choose."""

    table: str
    row: str
    cols: tuple[str, ...]
    readings: tuple[tuple[int, ...], ...]
    copy: int = 0


@dataclass
class TableRead:
    """The result of reading one table: values (every occurrence, tagged by ``copy``), notes, the readings
    of ambiguous rows, and per copy where it stood (its section and lead-in text)."""

    table: str
    values: list[Value] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    alternatives: list[Alternatives] = field(default_factory=list)
    copies: dict[int, "CopyInfo"] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.values)

    def extend(self, other: "TableRead") -> None:
        self.values += other.values
        self.notes += other.notes
        self.alternatives += other.alternatives
        self.copies.update(other.copies)


@dataclass(frozen=True)
class CopyInfo:
    """Where one occurrence of a table stood: its section (None when the report has no headings before
    it) and the text just before it (a caption naming another year marks a quoted table)."""

    section: str | None
    lead_in: str
    start: int  # index of its first line in the document's line stream
