"""Bytes → text for web pages and text files: BOM, declared charset, UTF-8, GB18030, then sniffing."""
from __future__ import annotations

import codecs
import re

from ..errors import DocumentError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# GB2312 and GBK pages routinely contain characters only GB18030 defines; decode with the superset.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
              "iso-8859-1": "cp1252", "ascii": "utf-8", "us-ascii": "utf-8", "big5": "big5hkscs"}


def bytes_to_text(data: bytes, path: str, *, html: bool) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding used). Raises ``corrupt`` for undecodable binary data."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    utf16 = utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    candidates: list[str] = []
    if html:
        m = _META_CHARSET.search(data[:8192])
        if m:
            declared = m.group(1).decode("ascii", "ignore").lower()
            try:
                codecs.lookup(declared)
                candidates.append(_SUPERSETS.get(declared, declared))
            except LookupError:
                pass  # an unknown charset name: fall through to sniffing
    candidates += ["utf-8", "gb18030"]
    for enc in dict.fromkeys(candidates):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _is_texty(text):
            return text, enc
    # One damaged byte sequence (a truncated character, a bad copy) must not lose a whole page: accept a
    # candidate with replacement characters when they are rare (_is_texty allows 1 %). Before the sniffer,
    # which would rather pick a single-byte encoding and return mojibake.
    for enc in dict.fromkeys(candidates):
        text = data.decode(enc, errors="replace")
        if _is_texty(text):
            return text, enc
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()
    if best is not None and best.encoding:
        text = data.decode(best.encoding, errors="replace")
        if _is_texty(text):
            return text, best.encoding
    raise DocumentError("corrupt", "the content is not text in any known encoding (binary data?)", path)


def _is_texty(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return True
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f") or ch == "\ufffd")
    return bad <= len(sample) * 0.01


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` for UTF-16 text that has no byte-order mark, else None.

    Every ASCII character of UTF-16 text (digits, tabs, newlines: plenty in a report) has a NUL byte, always
    on the same side of its pair; the few CJK characters with a zero byte (一 is U+4E00) put theirs on the
    other side. Binary data has NULs on both sides alike.

    >>> text = "一、规章\\t12\\t0\\n" * 3
    >>> utf16_without_bom(text.encode("utf-16-le")), utf16_without_bom(text.encode("utf-16-be"))
    ('utf-16-le', 'utf-16-be')
    >>> utf16_without_bom(b"plain ascii"), utf16_without_bom(bytes(100))
    (None, None)
    """
    sample = data[:4096]
    sample = sample[:len(sample) // 2 * 2]
    nul_even, nul_odd = sample[0::2].count(0), sample[1::2].count(0)
    if nul_odd >= 8 and nul_odd > 4 * nul_even:
        enc = "utf-16-le"
    elif nul_even >= 8 and nul_even > 4 * nul_odd:
        enc = "utf-16-be"
    else:
        return None
    return enc if _is_texty(sample.decode(enc, errors="replace")) else None
