"""The official tables as data: ids, labels and label matching (from ``data/templates.yaml``)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

TEMPLATES = ("gb2019", "gb2021")
TABLES = ("proactive", "requests", "review_litigation")


@lru_cache(maxsize=1)
def spec() -> dict:
    """The parsed template data (cached; treat as read-only)."""
    text = resources.files("discl").joinpath("data/templates.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


_QUOTES = str.maketrans({"“": "", "”": "", '"': "", "‘": "", "’": "", "'": "", "「": "", "」": ""})
_WS = re.compile(r"\s+")


def normalize_label(text: str) -> str:
    """NFKC, no whitespace, no quotes, full-width brackets and punctuation kept comparable.

    >>> normalize_label("（二）部分公开 (区分处理的, 只计这一情形)")
    '(二)部分公开(区分处理的,只计这一情形)'
    >>> normalize_label("3.危及“三安全一稳定”")
    '3.危及三安全一稳定'
    """
    t = unicodedata.normalize("NFKC", text or "")
    t = t.translate(_QUOTES)
    # NFKC maps （）：，to ()：, so half- and full-width labels compare equal; numbering "1、" vs "1."
    # is handled where numbering is matched (recognize._num_eq), not here
    return _WS.sub("", t)


# a row's printed numbering: "(一)" (after NFKC), "一、", "1." / "1、" / "1．"
NUMBERING = r"(?:\([一二三四五六七八九十]\)|[一二三四五六七八九十]、|\d{1,2}[.、．])"
NUM_PREFIX = re.compile("^" + NUMBERING)
NUM_SUFFIX = re.compile(NUMBERING + "$")


def _strip_numbering(label: str) -> str:
    return NUM_PREFIX.sub("", label)


@dataclass(frozen=True)
class RowDef:
    table: str
    id: str
    zh: str
    cores: tuple[str, ...]  # normalised match strings, longest first
    number: str  # normalised numbering prefix ('1.', '(一)', '一、')
    group: str | None
    exact: bool  # match only when the label (minus numbering/group) is exactly a core
    templates: tuple[str, ...]


def _rowdefs(table: str, entries: list[dict]) -> tuple[RowDef, ...]:
    out = []
    for e in entries:
        full = {_strip_numbering(normalize_label(z)) for z in (e["zh"], e.get("zh_gb2019", e["zh"]))}
        if e.get("exact"):
            full = set()  # "3.其他" / "(七)总计": the bare word is the core, matched with care
        cores = tuple(sorted({normalize_label(m) for m in e["match"]} | full, key=len, reverse=True))
        out.append(RowDef(table, e["id"], e["zh"], cores, normalize_label(e.get("number", "")),
                          e.get("group"), bool(e.get("exact", False)), tuple(e.get("in", TEMPLATES))))
    return tuple(out)


@lru_cache(maxsize=1)
def request_rows() -> tuple[RowDef, ...]:
    return _rowdefs("requests", spec()["requests"]["rows"])


@lru_cache(maxsize=1)
def request_groups() -> tuple[RowDef, ...]:
    return _rowdefs("requests", spec()["requests"]["groups"])


@lru_cache(maxsize=1)
def proactive_items() -> tuple[RowDef, ...]:
    return _rowdefs("proactive", spec()["proactive"]["items"])


@lru_cache(maxsize=1)
def proactive_measures() -> tuple[RowDef, ...]:
    return _rowdefs("proactive", spec()["proactive"]["measures"])


@lru_cache(maxsize=1)
def measure_info() -> dict[str, dict]:
    return {m["id"]: m for m in spec()["proactive"]["measures"]}


def request_columns() -> list[str]:
    return [c["id"] for c in spec()["requests"]["columns"]]


def review_cells() -> list[tuple[str, str]]:
    """The 15 cells of table 四's data row, left to right, as (proceeding, outcome)."""
    rl = spec()["review_litigation"]
    return [(p["id"], o["id"]) for p in rl["proceedings"] for o in rl["outcomes"]]


def zh_label(table: str, axis: str, id_: str, template: str | None = None) -> str:
    """Chinese label of a row or column id (``axis`` is 'row' or 'col').

    >>> zh_label("requests", "row", "granted")
    '（一）予以公开'
    >>> zh_label("requests", "col", "natural_person")
    '自然人'
    """
    s = spec()
    if table == "requests":
        pool = s["requests"]["rows"] if axis == "row" else s["requests"]["columns"]
    elif table == "proactive":
        pool = s["proactive"]["items"] if axis == "row" else s["proactive"]["measures"]
    else:
        pool = s["review_litigation"]["proceedings"] if axis == "row" else s["review_litigation"]["outcomes"]
    for e in pool:
        if e["id"] == id_:
            if template == "gb2019" and "zh_gb2019" in e:
                return e["zh_gb2019"]
            return e["zh"]
    return id_


def detect_template(text: str) -> tuple[str | None, dict[str, int]]:
    """Count the template markers in ``text``; return the winner (None if no marker) and the counts.

    >>> detect_template("本年制发件数 现行有效件数")[0]
    'gb2021'
    """
    norm = normalize_label(text)
    counts = {t: sum(1 for m in spec()["detection"][t] if normalize_label(m) in norm) for t in TEMPLATES}
    if counts["gb2019"] == counts["gb2021"] == 0:
        return None, counts
    return ("gb2021" if counts["gb2021"] > counts["gb2019"] else "gb2019"), counts


@lru_cache(maxsize=1)
def units() -> dict[str, float]:
    return dict(spec()["units"])


@lru_cache(maxsize=1)
def null_tokens() -> dict[str, str]:
    """Normalised token → flag."""
    out: dict[str, str] = {}
    for flag, toks in spec()["null_tokens"].items():
        for t in toks:
            out[normalize_label(t)] = flag
    return out
