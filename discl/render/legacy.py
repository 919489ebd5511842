"""Render a pre-2019 report (template ``pre2019``): a free-form narrative and a local 统计表 of
指标名称 / 计量单位 / 本年度 / 历年累计, as text (cells spaced, or run together as crawler text prints them)
or HTML (a real table). The inputs of the ``legacy`` round-trip tests.

Labels come from :func:`discl.templates.legacy`; the sentences are those the reader's narrative patterns
know (``legacy.narrative`` in ``data/templates.yaml``).

>>> import random
>>> spec = random_legacy_spec(random.Random(3), year=2013)
>>> text = render_legacy_text(spec, run_together=True)
>>> text.splitlines()[0] == spec.title, "指标名称计量单位2013年度历年累计" in text
(True, True)
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass, field

from ..templates import legacy

__all__ = ["LegacySpec", "legacy_rows", "random_legacy_spec", "render_legacy_html", "render_legacy_text"]

#: the printed rows of the 统计表 in order: (row id, numbering, depth) — depth 1 rows are 其中 sub-rows
_LAYOUT = (
    ("proactive_published", "", 0), ("website", "1.", 1), ("gazette", "2.", 1),
    ("requests_received", "", 0), ("in_person", "1.", 1), ("fax", "2.", 1), ("email", "3.", 1),
    ("online", "4.", 1), ("letter", "5.", 1), ("other_channel", "6.", 1),
    ("answers", "", 0), ("granted", "1.", 1), ("partially_granted", "2.", 1), ("refused", "3.", 1),
    ("other_answers", "4.", 1),
    ("fee_amount", "", 0), ("admin_review", "", 0), ("litigation", "", 0), ("complaints", "", 0),
)
_CHANNELS = ("in_person", "fax", "email", "online", "letter", "other_channel")
_ANSWERS = ("granted", "partially_granted", "refused", "other_answers")


@dataclass
class LegacySpec:
    """One pre-2019 report: this year's and the cumulative figure of every printed 统计表 row (the
    ``legacy`` rows and their sub-rows; money in 元), and whether the report prints the table at all."""

    agency: str
    year: int
    figures: dict[str, tuple[int, int]] = field(default_factory=dict)  # row id → (this year, cumulative)
    with_table: bool = True

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    def expected(self) -> dict[tuple[str, str], float]:
        """The ``legacy`` cells a reader should give: (row, col) → value (fee in 万元)."""
        L = legacy()
        out: dict[tuple[str, str], float] = {}
        for r in L.rows:
            if r.id not in self.figures:
                continue
            this, cum = self.figures[r.id]
            scale = 0.0001 if r.unit == "万元" else 1
            out[(r.id, "this_year")] = round(this * scale, 10)
            if self.with_table:
                out[(r.id, "cumulative")] = round(cum * scale, 10)
        return out


def legacy_rows(spec: LegacySpec) -> list[tuple[str, str, str, int, int]]:
    """The 统计表 rows the spec prints: (label with numbering, 计量单位, row id, this year, cumulative)."""
    L = legacy()
    out = []
    for rid, number, depth in _LAYOUT:
        if rid not in spec.figures:
            continue
        row = L.row(rid)
        prefix = (("其中：" if number == "1." else "") + number) if depth else ""
        unit = "元" if row.unit == "万元" else row.unit or "条"
        this, cum = spec.figures[rid]
        out.append((prefix + row.zh, unit, rid, this, cum))
    return out


def _sentences(spec: LegacySpec) -> dict[str, list[str]]:
    f, y = spec.figures, spec.year
    out: dict[str, list[str]] = {"一": [f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"]}
    if "proactive_published" in f:
        out["二"] = [f"{y}年全区主动公开政府信息{f['proactive_published'][0]}条。"]
    req = []
    if "requests_received" in f:
        n = f["requests_received"][0]
        req.append(f"{y}年全区共收到有关政府信息公开的申请{n}条。" if n else f"{y}年全区未收到有关政府信息公开的申请。")
    kinds = [(k, zh) for k, zh in (("granted", "同意公开答复数"), ("partially_granted", "同意部分公开答复数"),
                                   ("refused", "不予公开答复数"), ("other_answers", "其他类型答复数")) if k in f]
    if kinds:
        req.append("对申请的答复中，" + "，".join(f"{zh}{f[k][0]}件" for k, zh in kinds) + "。")
    out["三"] = req
    if "fee_amount" in f:
        out["四"] = ([f"{y}年依申请提供政府信息暂不收费。"] if f["fee_amount"][0] == 0 else
                    [f"{y}年共收取政府信息公开费用{f['fee_amount'][0]}元。"])
    cases = [f"{zh}{f[k][0]}件" for k, zh in (("admin_review", "因政府信息公开申请行政复议"),
                                              ("litigation", "提起行政诉讼"), ("complaints", "行政申诉"))
             if k in f]
    if cases:
        out["五"] = [f"{y}年，" + "，".join(cases) + "。"]
    return out


_HEADINGS = {"一": "一、概述", "二": "二、主动公开政府信息情况", "三": "三、政府信息依申请公开工作情况",
             "四": "四、政府信息公开的收费及减免情况", "五": "五、因政府信息公开申请行政复议、提起行政诉讼的情况"}


def render_legacy_text(spec: LegacySpec, run_together: bool = False) -> str:
    """The report as plain text; the 统计表 as one line with its cells spaced (or run together)."""
    parts = [spec.title]
    for numeral, paras in _sentences(spec).items():
        parts.append(_HEADINGS[numeral])
        parts += paras
    if spec.with_table:
        sep = "" if run_together else " "
        cells = ["指标名称", "计量单位", f"{spec.year}年度", "历年累计"]
        for label, unit, _, this, cum in legacy_rows(spec):
            cells += [label, unit, str(this), str(cum)]
        parts.append(f"附件：{spec.agency}{spec.year}年政府信息公开情况统计表")
        parts.append(sep.join(cells))
    return "\n".join(parts) + "\n"


def render_legacy_html(spec: LegacySpec) -> str:
    """The report as a web page: paragraphs and the 统计表 as a ``<table>``."""
    e = html.escape
    body = [f"<h1>{e(spec.title)}</h1>"]
    for numeral, paras in _sentences(spec).items():
        body.append(f"<h2>{e(_HEADINGS[numeral])}</h2>")
        body += [f"<p>{e(p)}</p>" for p in paras]
    if spec.with_table:
        body.append(f"<p>附件：{e(spec.agency)}{spec.year}年政府信息公开情况统计表</p>")
        rows = [("指标名称", "计量单位", f"{spec.year}年度", "历年累计")]
        rows += [(label, unit, str(this), str(cum)) for label, unit, _, this, cum in legacy_rows(spec)]
        body.append("<table border=\"1\">" + "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>")
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + e(spec.title) + "</title></head><body>"
            + "\n".join(body) + "</body></html>\n")


def random_legacy_spec(rng: random.Random, year: int = 2012, agency: str = "某县人民政府",
                       with_table: bool = True) -> LegacySpec:
    """Consistent random figures: the channels sum to the applications, the kinds to the answers, each
    part is at most its total, every cumulative figure at least this year's."""
    def cum(x: int) -> int:
        return x + rng.choice([0, 0, rng.randint(0, 60), rng.randint(100, 9000)])

    f: dict[str, tuple[int, int]] = {}
    gazette = (rng.randint(0, 9), 0)
    gazette = (gazette[0], gazette[0] + rng.randint(0, 20))
    website = (rng.randint(20, 3000), 0)
    website = (website[0], cum(website[0]) + 1)
    f["proactive_published"] = (website[0] + gazette[0], website[1] + gazette[1])
    f["website"], f["gazette"] = website, gazette
    channels = {c: (rng.choice([0, 0, rng.randint(1, 30)]), 0) for c in _CHANNELS}
    channels = {c: (v[0], v[0] + rng.choice([0, rng.randint(1, 40)])) for c, v in channels.items()}
    f["requests_received"] = (sum(v[0] for v in channels.values()), sum(v[1] for v in channels.values()))
    f.update(channels)
    kinds = {k: (rng.choice([0, rng.randint(0, 20)]), 0) for k in _ANSWERS}
    kinds = {k: (v[0], v[0] + rng.choice([0, rng.randint(1, 30)])) for k, v in kinds.items()}
    f["answers"] = (sum(v[0] for v in kinds.values()), sum(v[1] for v in kinds.values()))
    f.update(kinds)
    f["fee_amount"] = (0, 0)
    for k in ("admin_review", "litigation", "complaints"):
        x = rng.choice([0, 0, rng.randint(1, 5)])
        f[k] = (x, x + rng.choice([0, rng.randint(1, 9)]))
    return LegacySpec(agency, year, f, with_table)
