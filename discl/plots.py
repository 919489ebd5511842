"""Charts of the :mod:`discl.analysis` results, with Chinese labels that render on a bare machine.

Every function takes a helper's result (id labels, as :mod:`discl.analysis` returns by default) and an
optional ``ax``, and returns the :class:`~matplotlib.figure.Figure`. Figures are plain
``matplotlib.figure.Figure`` objects, not pyplot figures, so nothing is registered globally and they
are freed when dropped; display one in a notebook with ``display(fig)`` or save it with
``fig.savefig``. Global ``rcParams`` are never changed: styling happens inside ``rc_context`` and the
CJK font is set on every text object, so a figure drawn later, outside the context, keeps it.

The font is the Noto Sans CJK SC (SimHei as fallback) shipped inside the ``mplfonts`` package, never
a system font, so the output is the same on a machine without any CJK font installed.

>>> import pandas as pd
>>> f = pd.DataFrame({"agency": ["平潭综合实验区"] * 2, "year": [2021, 2022], "received": [70.0, 74.0]})
>>> fig = trend(f, "received")
>>> fig.axes[0].get_legend().get_texts()[0].get_text()
'平潭综合实验区'
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from .analysis import OUTCOME_GROUPS, agency_order, place_order
from .labels import COLUMN_ZH, short_label, value_zh

__all__ = ["cjk_font_path", "cjk_font", "trend", "comparable_trend", "outcome_shares_bar", "small_multiples",
           "procurement_bars", "apply_cjk_font", "figure_png", "describe"]

#: preferred font files inside mplfonts, best first (Noto: open licence and the widest coverage)
_FONT_FILES = ("NotoSansCJKsc-Regular.otf", "SimHei.ttf", "SourceHanSerifSC-Regular.otf")
#: one colour per outcome group, fixed so that every chart uses the same colour for the same group
OUTCOME_COLORS = {
    "granted": "#2e7d32", "partially_granted": "#9ccc65", "withheld": "#c62828",
    "unable": "#ef6c00", "not_processed": "#6a1b9a", "other_handling": "#78909c",
}


def cjk_font_path() -> Path:
    """The CJK font file bundled by the ``mplfonts`` package.

    >>> cjk_font_path().suffix in (".otf", ".ttf")
    True
    """
    import mplfonts  # the dependency that carries the font files

    folder = Path(mplfonts.__file__).resolve().parent / "fonts"
    for name in _FONT_FILES:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"no CJK font found in {folder} (looked for {', '.join(_FONT_FILES)}); "
                            "reinstall the mplfonts package")


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    """FontProperties of the bundled CJK font, registered once with matplotlib's font manager.

    Registering (``addfont``) only adds the file to the list matplotlib may choose from; it changes no
    setting, and lets the family name be combined with DejaVu Sans as a fallback for Latin glyphs.
    """
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def _families() -> list[str]:
    return [cjk_font().get_name(), "DejaVu Sans"]


@contextlib.contextmanager
def _style() -> Iterator[None]:
    # unicode_minus off: CJK fonts may lack U+2212, the plain hyphen-minus is in every font
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": _families(),
                                "axes.unicode_minus": False, "figure.dpi": 100, "savefig.dpi": 120}):
        yield


def apply_cjk_font(fig: Figure) -> Figure:
    """Set the bundled CJK font (with DejaVu Sans fallback) on every text of ``fig``; returns ``fig``."""
    fams = _families()
    for t in fig.findobj(Text):
        t.set_fontfamily(fams)
    return fig


def figure_png(fig: Figure, dpi: int = 120) -> bytes:
    """The figure as PNG bytes (for ``IPython.display.Image`` or an HTML data URI)."""
    import io

    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def describe(fig: Figure) -> str:
    """A short text for a figure (its title), e.g. as the alt text of an exported image.

    >>> f = Figure(); _ = f.add_subplot().set_title("办理结果构成"); describe(f)
    '办理结果构成'
    """
    sup = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    return sup or (titles[0] if titles else "图表 chart")


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _title(value: str) -> str:
    return COLUMN_ZH.get(value, value)


#: the note on an axis whose values are all 0 (matplotlib would centre a 0 line on ±0.05 ticks)
ALL_ZERO_NOTE = "数值均为 0"


def _count_axis(ax: Axes, values: np.ndarray) -> None:
    """A count axis: whole-number ticks; when every value shown is 0, the axis 0–1 and a note saying so."""
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    shown = values[np.isfinite(values)]
    if len(shown) and not shown.any():
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.5, ALL_ZERO_NOTE, transform=ax.transAxes, ha="center", va="center", color="grey",
                fontsize=9)


def _years_axis(ax: Axes, years: Sequence[int]) -> None:
    ys = sorted({int(y) for y in years if pd.notna(y)})
    ax.set_xticks(ys, [str(y) for y in ys])


def trend(frame: pd.DataFrame, value: str, *, by: str = "agency", year: str = "year",
          ax: Axes | None = None, title: str | None = None) -> Figure:
    """One line per ``by`` (agency) over the years; a missing value or year leaves a gap, not a 0.

    The lines (and the legend) follow the agencies' region codes, each city's districts together in code
    order (:func:`discl.analysis.agency_order`), when ``frame`` has ``region_code``; else by name.
    """
    with _style():
        fig, ax = _axes(ax, (7, 4))
        data = frame.dropna(subset=[year])
        for name in agency_order(data, by):
            g = data[data[by] == name].sort_values(year)
            # reindex on every year in between so a missing year breaks the line
            yrs = np.arange(int(g[year].min()), int(g[year].max()) + 1)
            s = g.groupby(year)[value].first().reindex(yrs)
            ax.plot(s.index, s.to_numpy(dtype=float), marker="o", label=str(name))
        _years_axis(ax, data[year])
        _count_axis(ax, data[value].to_numpy(dtype=float))
        ax.set_xlabel(COLUMN_ZH["year"])
        ax.set_ylabel(_title(value))
        ax.set_title(title or f"{_title(value)}（按{_title(by)}）")
        ax.grid(alpha=0.3)
        if len(ax.get_lines()):
            ax.legend(fontsize=8)
        return apply_cjk_font(fig)


#: the note of a chart that sets pre-2019 figures beside 2019+ ones
NOT_COMPARABLE_NOTE = "空心点：2019年前旧口径，与2019年起数字不严格可比"
_INDICATOR_ZH = {"new_received": "收到申请数", "granted": "予以公开", "partially_granted": "部分公开",
                 "admin_review": "行政复议", "litigation": "行政诉讼"}


def comparable_trend(frame: pd.DataFrame, indicator: str, *, by: str = "agency", ax: Axes | None = None,
                     title: str | None = None) -> Figure:
    """One line per ``by`` over the years for one indicator of :func:`discl.analysis.comparable_measures`,
    pre-2019 figures (``comparable`` False) drawn as hollow markers and a dotted line at the 2019 change
    of template, with a note that they are not strictly comparable.

    >>> f = pd.DataFrame({"agency": ["A"] * 2, "year": [2018, 2019], "indicator": ["granted"] * 2,
    ...                   "value": [3.0, 5.0], "comparable": [False, True]})
    >>> fig = comparable_trend(f, "granted")
    >>> NOT_COMPARABLE_NOTE in [t.get_text() for t in fig.axes[0].texts]
    True
    """
    data = frame[frame["indicator"] == indicator].dropna(subset=["year"])
    name = _INDICATOR_ZH.get(indicator, indicator)
    with _style():
        fig, ax = _axes(ax, (7, 4))
        for key in agency_order(data, by):
            g = data[data[by] == key].sort_values("year")
            yrs = np.arange(int(g["year"].min()), int(g["year"].max()) + 1)
            s = g.groupby("year")["value"].first().reindex(yrs)
            line, = ax.plot(s.index, s.to_numpy(dtype=float), marker="o", label=str(key))
            old = g[~g["comparable"].astype(bool)]
            if len(old):
                ax.plot(old["year"], old["value"].to_numpy(dtype=float), linestyle="none", marker="o",
                        markerfacecolor="white", markeredgecolor=line.get_color(), zorder=3)
        if len(data) and (~data["comparable"].astype(bool)).any() and data["comparable"].astype(bool).any():
            ax.axvline(2018.5, color="grey", linestyle=":", linewidth=1)
        if len(data) and (~data["comparable"].astype(bool)).any():
            ax.text(0.01, 0.99, NOT_COMPARABLE_NOTE, transform=ax.transAxes, ha="left", va="top", color="grey",
                    fontsize=8)
        _years_axis(ax, data["year"])
        _count_axis(ax, data["value"].to_numpy(dtype=float))
        ax.set_xlabel(COLUMN_ZH["year"])
        ax.set_ylabel(name)
        ax.set_title(title or f"{name}（按{_title(by)}，含2019年前）")
        ax.grid(alpha=0.3)
        if data[by].nunique() > 0:
            ax.legend(fontsize=8)
        return apply_cjk_font(fig)


#: the notes on an outcome bar: no cases at all, nothing readable, categories missing from the bar
NO_CASES_NOTE = "0 件（本年无办理）"
NO_DATA_NOTE = "无数据"
MISSING_NOTE = "缺："


def _bar_note(row: pd.Series, total: float) -> str:
    """What an outcome bar does not show: no cases (总计 0), no data, or the groups left out of it.

    >>> _bar_note(pd.Series({"granted": 0.5, "withheld": float("nan")}), 10.0)
    '缺：不予公开'
    >>> _bar_note(pd.Series({"granted": float("nan")}), 0.0), _bar_note(pd.Series({"granted": 1.0}), 4.0)
    ('0 件（本年无办理）', '')
    """
    if total == 0:
        return NO_CASES_NOTE
    if row.isna().all():
        return NO_DATA_NOTE
    missing = [short_label(value_zh("outcome", g)) for g, x in row.items() if pd.isna(x)]
    return MISSING_NOTE + "、".join(missing) if missing else ""


def _report_order(data: pd.DataFrame) -> list[str]:
    """The ``_label`` of each report of ``data`` in place order (:func:`discl.analysis.place_order`:
    by region code within city, then publisher and year)."""
    keys: dict[str, tuple] = {}
    for rec in data.to_dict("records"):
        keys.setdefault(rec["_label"], place_order(rec))
    return sorted(keys, key=lambda label: keys[label])


def outcome_shares_bar(shares: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
                       ) -> Figure:
    """Stacked horizontal bars of outcome shares, one bar per report ("agency year"), top to bottom in
    region-code order (a city's districts together, each agency's years in order).

    ``shares`` is :func:`discl.analysis.outcome_shares` with ``detail=False``. A bar that does not reach
    100 % says which groups are missing (缺：…); a report that handled no case (（七）总计 = 0) says
    "0 件", one whose shares are all missing "无数据" — never a bar of zeros.
    """
    data = shares[shares["outcome"].isin(OUTCOME_GROUPS)]
    data = data.assign(_label=data["agency"].astype(str) + " " + data["year"].astype("string").fillna("?"))
    wide = data.pivot_table(index="_label", columns="outcome", values="share", aggfunc="first", dropna=False)
    order = _report_order(data)
    wide = wide.reindex(columns=[g for g in OUTCOME_GROUPS if g in wide.columns])
    wide = wide.reindex(index=[x for x in order if x in wide.index][::-1])  # barh draws bottom-up
    if "total_processed" in data:
        totals = data.groupby("_label")["total_processed"].first().reindex(wide.index)
    else:
        totals = pd.Series(np.nan, index=wide.index)
    with _style():
        fig, ax = _axes(ax, (8, 0.45 * len(wide) + 1.8))
        left = np.zeros(len(wide))
        for g in wide.columns:
            vals = wide[g].to_numpy(dtype=float)
            ax.barh(wide.index, np.nan_to_num(vals), left=left, color=OUTCOME_COLORS[g],
                    label=short_label(value_zh("outcome", g)))
            left += np.nan_to_num(vals)
        for i, (lbl, row) in enumerate(wide.iterrows()):
            note = _bar_note(row, totals.loc[lbl])
            if note:
                ax.text(min(left[i], 0.98) + 0.01, i, note, va="center", fontsize=7, color="dimgrey",
                        ha="left" if left[i] < 0.7 else "right",
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel(f"{COLUMN_ZH['share']}（占{COLUMN_ZH['total_processed']}）")
        ax.set_title(title or "办理结果构成")
        ax.legend(ncols=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
        return apply_cjk_font(fig)


def small_multiples(frame: pd.DataFrame, value: str, *, facet: str = "agency", year: str = "year",
                    ncols: int = 3, sharey: bool = False, title: str | None = None) -> Figure:
    """One small panel per ``facet`` (agency) with ``value`` over the years (bars; missing = no bar).

    Panels in region-code order (a city's districts side by side, :func:`discl.analysis.agency_order`).
    """
    names = list(dict.fromkeys(str(x) for x in agency_order(frame, facet)))  # by code within city
    n = max(len(names), 1)
    nrows = int(np.ceil(n / ncols))
    with _style():
        fig = Figure(figsize=(3.2 * min(n, ncols), 2.4 * nrows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, min(n, ncols), sharey=sharey, squeeze=False)).ravel()
        for ax, name in zip(axes, names):
            g = frame[frame[facet].astype(str) == name].dropna(subset=[year]).sort_values(year)
            vals = g[value].to_numpy(dtype=float)
            ax.bar(g[year].astype(int), np.nan_to_num(vals), color="#1565c0")
            for x, v in zip(g[year].astype(int), vals):
                ax.annotate("缺失" if np.isnan(v) else f"{v:g}", (x, 0 if np.isnan(v) else v),
                            ha="center", va="bottom", fontsize=7, color="grey" if np.isnan(v) else "black")
            _years_axis(ax, g[year])
            ax.margins(y=0.15)
            _count_axis(ax, vals)
            ax.set_title(name, fontsize=9)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        fig.suptitle(title or _title(value))
        return apply_cjk_font(fig)


def procurement_bars(frame: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """政府集中采购: amount (万元) per report as bars, project count written on each bar.

    ``frame`` is :func:`discl.analysis.procurement`.
    """
    data = frame.assign(_label=frame["agency"].astype(str) + "\n" + frame["year"].astype("string").fillna("?"))
    keys = [place_order(rec) for rec in data.to_dict("records")]
    data = data.iloc[sorted(range(len(data)), key=keys.__getitem__)]  # by code within city, then year
    with _style():
        fig, ax = _axes(ax, (max(4.0, 1.6 * len(data) + 1), 4))
        amounts = data["amount"].to_numpy(dtype=float)
        bars = ax.bar(data["_label"], np.nan_to_num(amounts), color="#00838f")
        for b, n, a in zip(bars, data["projects"], amounts):
            text = "金额缺失" if np.isnan(a) else f"{a:,.1f}"
            text += "\n" + ("项目数缺失" if pd.isna(n) else f"{int(n)} 个项目")
            ax.annotate(text, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom",
                        fontsize=7)
        ax.set_ylabel(COLUMN_ZH["amount"])
        ax.set_title(title or "政府集中采购")
        ax.tick_params(axis="x", labelsize=7)
        ax.margins(y=0.2)
        shown = amounts[np.isfinite(amounts)]
        if len(shown) and not shown.any():
            ax.set_ylim(0, 1)
            ax.text(0.5, 0.5, ALL_ZERO_NOTE, transform=ax.transAxes, ha="center", va="center", color="grey",
                    fontsize=9)
        return apply_cjk_font(fig)
