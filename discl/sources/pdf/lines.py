"""Text lines rebuilt from a PDF's characters, and the value tokens (numbers, dashes) in them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# A cell or token that is a figure: a number, or a dash/slash printed for "none".
NUMBER_TOKEN = re.compile(r"^[+\-−]?\d[\d,，]*(?:[.．]\d+)?(?:%|万元|元)?$")
_VALUE_TOKENS = {"-", "—", "–", "/", "－", "——"}


@dataclass
class Line:
    """A text line rebuilt from characters."""
    top: float
    bottom: float
    text: str
    chars: list[dict] = field(default_factory=list)


def chars_to_lines(chars: list[dict]) -> list[Line]:
    """Group characters into lines by vertical centre, each line read left to right.

    >>> ch = lambda t, x, top: {"text": t, "x0": x, "x1": x + 10, "top": top, "bottom": top + 10, "size": 10}
    >>> [ln.text for ln in chars_to_lines([ch("0", 0, 20), ch("计", 10, 0), ch("5", 40, 1), ch("总", 0, 0)])]
    ['总计 5', '0']
    """
    lines: list[list[dict]] = []
    centres: list[float] = []
    for ch in sorted(chars, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"])):
        cy = (ch["top"] + ch["bottom"]) / 2
        size = max(ch["bottom"] - ch["top"], 1.0)
        if lines and abs(cy - centres[-1]) <= 0.5 * size:
            lines[-1].append(ch)
        else:
            lines.append([ch])
            centres.append(cy)
    out = []
    for line in lines:
        text = _join_line(sorted(line, key=lambda c: c["x0"]))
        if text:
            out.append(Line(min(c["top"] for c in line), max(c["bottom"] for c in line), text, line))
    return out


def _join_line(chars: list[dict]) -> str:
    """Concatenate a line's characters; a wide horizontal gap becomes one space."""
    parts: list[str] = []
    prev: dict | None = None
    for ch in chars:
        if prev is not None and ch["x0"] - prev["x1"] > 0.5 * max(ch["size"], 1.0) \
                and parts and parts[-1] != " ":
            parts.append(" ")
        parts.append(ch["text"])
        prev = ch
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def line_tokens(line: Line) -> list[tuple[str, float, float]]:
    """Split a line at wide gaps into (text, x0, x1) tokens.

    >>> ch = lambda t, x: {"text": t, "x0": x, "x1": x + 10, "top": 0, "bottom": 10, "size": 10}
    >>> line_tokens(chars_to_lines([ch("总", 0), ch("计", 10), ch("5", 40)])[0])
    [('总计', 0, 20), ('5', 40, 50)]
    """
    tokens: list[tuple[str, float, float]] = []
    cur: list[dict] = []
    for ch in sorted(line.chars, key=lambda c: c["x0"]):
        if ch["text"].isspace():
            if cur:
                tokens.append(_token(cur))
                cur = []
            continue
        if cur and ch["x0"] - cur[-1]["x1"] > 0.5 * max(ch["size"], 1.0):
            tokens.append(_token(cur))
            cur = []
        cur.append(ch)
    if cur:
        tokens.append(_token(cur))
    return tokens


def _token(chars: list[dict]) -> tuple[str, float, float]:
    return "".join(c["text"] for c in chars), chars[0]["x0"], chars[-1]["x1"]


def is_value(text: str) -> bool:
    """True for a figure: a number (with thousands separators, %, 元/万元) or a dash or slash.

    >>> [is_value(t) for t in ("1,234", "—", "12.5%", "3 0", "总计", "")]
    [True, True, True, True, False, False]
    """
    t = re.sub(r"\s+", "", text)
    return bool(t) and (bool(NUMBER_TOKEN.match(t)) or t in _VALUE_TOKENS)


def value_run(tokens: list[tuple[str, float, float]]) -> int:
    """Number of value tokens at the end of a line.

    >>> value_run([("予以公开", 0, 40), ("12", 100, 110), ("—", 150, 160)])
    2
    """
    n = 0
    for text, _, _ in reversed(tokens):
        if not is_value(text):
            break
        n += 1
    return n
