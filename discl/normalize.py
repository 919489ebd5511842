"""Text normalisation for label matching: one place for NFKC, quotes, numbering and traditional characters.

Labels are compared after :func:`normalize_label`; the text kept in ``raw`` is never normalised.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans({"“": "", "”": "", '"': "", "‘": "", "’": "", "'": "", "「": "", "」": "",
                         "『": "", "』": ""})
_WS = re.compile(r"\s+")
# Circled and parenthesised numbers are numbering ("③其他" = "3.其他"); NFKC would turn them into bare
# digits that glue onto the label's neighbours, so they are rewritten first.
_CIRCLED = {chr(0x2460 + i): f"{i + 1}." for i in range(20)}  # ①..⑳
_CIRCLED.update({chr(0x2474 + i): f"{i + 1}." for i in range(20)})  # ⑴..⒇
_CIRCLED.update({chr(0x2776 + i): f"{i + 1}." for i in range(10)})  # ❶..❿
_CIRCLED_TABLE = str.maketrans(_CIRCLED)


def normalize_label(text: str) -> str:
    """NFKC, no whitespace, no quotes, full-width brackets and punctuation kept comparable.

    >>> normalize_label("（二）部分公开 (区分处理的, 只计这一情形)")
    '(二)部分公开(区分处理的,只计这一情形)'
    >>> normalize_label("3.危及“三安全一稳定”")
    '3.危及三安全一稳定'
    >>> normalize_label("③其他")
    '3.其他'
    """
    t = (text or "").translate(_CIRCLED_TABLE)
    t = unicodedata.normalize("NFKC", t)
    t = t.translate(_QUOTES)
    # NFKC maps （）：，to ()：, so half- and full-width labels compare equal; numbering "1、" vs "1."
    # is compared by :func:`same_number`
    return _WS.sub("", t)


#: a row's printed numbering after :func:`normalize_label`: "(一)", "一、", "1." / "1、" / "1．", "(1)"
NUMBERING = r"(?:\([一二三四五六七八九十]\)|[一二三四五六七八九十]、|\d{1,2}[.、．]|\(\d{1,2}\))"
NUM_PREFIX = re.compile("^" + NUMBERING)
NUM_SUFFIX = re.compile(NUMBERING + "$")


def strip_numbering(label: str) -> str:
    """``'(三)不予公开'`` → ``'不予公开'`` (on normalised text)."""
    return NUM_PREFIX.sub("", label)


def same_number(a: str, b: str) -> bool:
    """Whether two printed numberings are the same ('1、' = '1.' = '1．' = '(1)').

    >>> same_number("1、", "1."), same_number("(3)", "3."), same_number("2.", "3.")
    (True, True, False)
    """
    return _number_key(a) == _number_key(b)


def _number_key(n: str) -> str:
    n = n.replace("、", ".").replace("．", ".")
    m = re.fullmatch(r"\((\d{1,2})\)", n)
    return f"{m.group(1)}." if m else n


# ------------------------------------------------------------------------------------------------
# Traditional characters: a report mirrored from a 繁体 page is folded to simplified before its labels
# are matched (OpenCC's phrase tables, offline from its wheel); the raw text keeps what was printed.

@lru_cache(maxsize=1)
def _t2s():
    import opencc  # a compiled wheel with its dictionaries; no network

    return opencc.OpenCC("t2s")


_CJK = re.compile(r"[\u4e00-\u9fff]")


def fold_traditional(text: str) -> str:
    """Traditional → simplified characters (identity on simplified text).

    >>> fold_traditional("收到和處理政府信息公開申請情況")
    '收到和处理政府信息公开申请情况'
    """
    return _t2s().convert(text) if text else text


def looks_traditional(text: str, sample: int = 20_000) -> bool:
    """True when a text is written in traditional characters (enough of its CJK characters change).

    >>> looks_traditional("政府資訊公開工作年度報告"), looks_traditional("政府信息公开工作年度报告")
    (True, False)
    """
    s = text[:sample]
    folded = fold_traditional(s)
    if folded == s:
        return False  # the usual case: nothing to fold
    n_cjk = len(_CJK.findall(s))
    changed = sum(map(str.__ne__, s, folded))
    # a simplified report may hold a few characters OpenCC maps (names, quotes of old texts)
    return changed >= 3 and changed >= 0.03 * n_cjk
