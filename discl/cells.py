"""Cell text → number, unit and flags. Never guesses: what is not a clean number stays missing."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from .templates import null_tokens, units

_NUM = re.compile(r"^([+\-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_CID = re.compile(r"\(cid:\d+\)")

# Footnote marks printed after a number: ①…⑳, superscript digits, *, ※, 注. NFKC turns ① and ¹ into plain
# digits ("524①" would read 5241), so they are recognised before any normalisation.
FOOTNOTE_MARKS = "".join(chr(c) for c in range(0x2460, 0x2474)) + "¹²³⁴⁵⁶⁷⁸⁹⁰*＊※注"
_FOOTNOTE_TAIL = re.compile(r"(?<=[\d.%元件项个条次])([" + re.escape(FOOTNOTE_MARKS) + r"]+\d{0,2})\s*$")
# a mark inside running text: kept as a private-use character (which NFKC leaves alone) while tokenising
_PROTECT = {ch: chr(0xE000 + i) for i, ch in enumerate(FOOTNOTE_MARKS)}
_PROTECT_TABLE = str.maketrans(_PROTECT)
_RESTORE_TABLE = str.maketrans({v: k for k, v in _PROTECT.items()})
_PROTECTED = re.compile(r"(?<=\d)([" + re.escape(FOOTNOTE_MARKS) + r"]+)")
# minus signs NFKC leaves as they are (U+2212 MINUS SIGN, U+2796 HEAVY MINUS)
_MINUS = "\u2212\u2796"


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


def protect_footnotes(text: str) -> str:
    """Footnote marks after digits as private-use characters followed by a space (a mark ends a cell).

    >>> restore_footnotes(protect_footnotes("524①3")) == "524① 3"
    True
    """
    return _PROTECTED.sub(lambda m: m.group(1).translate(_PROTECT_TABLE) + " ", text)


_PRIVATE = re.compile("[\ue000-\ue0ff]")


def restore_footnotes(text: str) -> str:
    return text.translate(_RESTORE_TABLE) if _PRIVATE.search(text) else text


_UNIT_SUFFIXES = ("万元", "亿元", "元", "件", "项", "个", "条", "次")


def parse_cell(raw: str) -> Parsed:
    """Parse one printed cell.

    >>> parse_cell("251000元")
    Parsed(value=251000.0, unit='元', flags=())
    >>> parse_cell("—").flags, parse_cell("").flags
    (('dash',), ('blank',))
    >>> parse_cell("+19").value, parse_cell("1,234").value
    (19.0, 1234.0)
    >>> parse_cell("约20").flags, parse_cell("持平").flags, parse_cell("—8").flags
    (('unreadable',), ('unreadable',), ('unreadable',))
    >>> parse_cell("524①"), parse_cell("524¹").value, parse_cell("524注").value
    (Parsed(value=524.0, unit=None, flags=('footnote',)), 524.0, 524.0)
    >>> parse_cell("−8")
    Parsed(value=-8.0, unit=None, flags=('sign_variant',))
    """
    text = restore_footnotes(raw or "")
    flags: tuple[str, ...] = ()
    m = _FOOTNOTE_TAIL.search(text.rstrip())
    if m and m.start() > 0:
        text, flags = text.rstrip()[: m.start()], ("footnote",)
    stripped = text.strip()
    if stripped and stripped[0] in _MINUS:
        text, flags = "-" + stripped[1:], flags + ("sign_variant",)
    t = clean_cell_text(text)
    tokens = null_tokens()
    if t in tokens:
        return Parsed(math.nan, None, (tokens[t],) + flags)
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
    return Parsed(v, unit, flags)


def is_value_text(raw: str) -> bool:
    """True when a cell holds a number, a number with a unit, or a null token (not a label)."""
    p = parse_cell(raw)
    return "unreadable" not in p.flags


def to_wan_yuan(value: float, unit: str | None) -> float:
    """Convert money to 万元 (``unit`` None means already 万元)."""
    if unit is None or math.isnan(value):
        return value
    return round(value * units()[unit], 10)
