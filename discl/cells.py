"""Cell text → number, unit and flags. Never guesses: what is not a clean number stays missing."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from .templates import null_tokens, units

_NUM = re.compile(r"^([+\-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_CID = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Parsed:
    value: float  # NaN when missing
    unit: str | None  # unit printed in the cell ('元', '万元', '件', ...), None if none
    flags: tuple[str, ...]

    @property
    def missing(self) -> bool:
        return math.isnan(self.value)


def clean_cell_text(raw: str) -> str:
    t = unicodedata.normalize("NFKC", raw or "")
    t = t.replace("\u00a0", " ").replace("&nbsp;", " ")
    return re.sub(r"\s+", "", t)


_UNIT_SUFFIXES = ("万元", "亿元", "元", "件", "项", "个", "条", "次")


def parse_cell(raw: str) -> Parsed:
    """Parse one printed cell.

    >>> parse_cell("251000元")
    Parsed(value=251000.0, unit='元', flags=())
    >>> parse_cell("—").flags, parse_cell("").flags
    (('dash',), ('blank',))
    >>> parse_cell("+19").value, parse_cell("1,234").value
    (19.0, 1234.0)
    >>> parse_cell("约20").flags
    ('unreadable',)
    """
    t = clean_cell_text(raw)
    tokens = null_tokens()
    if t in tokens:
        return Parsed(math.nan, None, (tokens[t],))
    if _CID.search(raw or ""):
        return Parsed(math.nan, None, ("unreadable",))
    unit = None
    for u in _UNIT_SUFFIXES:
        if t.endswith(u) and len(t) > len(u):
            unit, t = u, t[: -len(u)]
            break
    m = _NUM.match(t)
    if not m:
        return Parsed(math.nan, unit, ("unreadable",))
    sign, digits, frac = m.groups()
    v = float(digits.replace(",", "") + (frac or ""))
    if sign == "-":
        v = -v
    return Parsed(v, unit, ())


def is_value_text(raw: str) -> bool:
    """True when a cell holds a number, a number with a unit, or a null token (not a label)."""
    p = parse_cell(raw)
    return "unreadable" not in p.flags


def to_wan_yuan(value: float, unit: str | None) -> float:
    """Convert money to 万元 (``unit`` None means already 万元)."""
    if unit is None or math.isnan(value):
        return value
    return round(value * units()[unit], 10)
