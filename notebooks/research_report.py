# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: 政府信息公开工作年度报告 研究报告
# ---

# %% [markdown]
# # 政府信息公开工作年度报告 研究报告
#
# Research report on the government information-disclosure annual reports in one folder, generated
# by `discl report DIR --out report.html` (this notebook, executed and exported without code).

# %% tags=["parameters"]
# an ingest output folder (reports/values/issues.parquet) or a folder of report files;
# None: $DISCL_DATA, else discl's bundled sample reports
data_dir = None

# %% tags=["remove-input"]
import pandas as pd
from IPython.display import Image, Markdown, display

from discl import analysis as A
from discl import plots as P
from discl.report import load_corpus, resolve_data

pd.set_option("display.max_columns", 20)
pd.set_option("display.width", 160)
pd.set_option("display.float_format", lambda x: f"{x:,.4g}")


def show(fig):
    """Show a figure as an embedded PNG."""
    display(Image(P.figure_png(fig), alt=P.describe(fig)))


RATES = {"share", "pct_change", "correction_rate"}


def number(x) -> str:
    """Counts without decimals, money with two, missing as '—'."""
    if pd.isna(x):
        return "—"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def table(frame: pd.DataFrame) -> None:
    """Show a helper's result with Chinese headings; rates as percentages, missing values as '—'."""
    frame = frame.drop(columns=[c for c in ("report_id", "agency_key") if c in frame])
    fmt = {A.COLUMN_ZH.get(c, c): ((lambda x: "—" if pd.isna(x) else f"{x:.1%}") if c in RATES else number)
           for c in frame.select_dtypes("number").columns if c != "year"}
    display(A.to_zh(frame, short=True).style.format(fmt).hide(axis="index"))


def wide(frame: pd.DataFrame, value: str, columns: str, percent: bool = False) -> None:
    """Show one category per column (template order)."""
    display(A.pivot(frame, value, columns=columns, labels="zh_short")
            .style.format((lambda x: "—" if pd.isna(x) else f"{x:.1%}") if percent else number))


source = resolve_data(data_dir)
corpus = load_corpus(source)
values, reports = corpus.values, corpus.reports
used = A.select_reports(reports, values)
status = reports["status"].value_counts().to_dict()
display(Markdown(
    f"**数据 / data**: `{source}` — {len(reports)} 份报告 files ({status}); "
    f"{len(used)} 份按机关×年度去重后使用 used after keeping one report per agency and year; "
    f"{used['agency_key'].nunique()} 个机关 agencies, 年度 {used['year'].min()}–{used['year'].max()}."))

# %% [markdown]
# **读数规则 / reading rules.** 空白、“—”、“/” 的单元格保持缺失（—），不按 0 计；唯一例外是表三
# 申请人各列（自然人 … 其他）的空白格按 0 计。由分项相加得出的数字标为“推算”，绝不覆盖报告印出的数。
# Blank, dash and slash cells stay missing (—), never 0, except blank applicant cells of table 三;
# sums the template does not print are marked derived and never replace a printed number.

# %% [markdown]
# ## 1 报告与核查 — reports and checks

# %%
table(used[["agency", "region", "year", "template"]].assign(level=[A.level_of(r) for r in used["region"]]))
issues = corpus.issues
findings = (issues[issues["severity"].isin(["error", "warning"])]
            .merge(reports[["report_id", "agency", "year"]], on="report_id")
            .groupby(["agency", "year", "severity"]).size().rename("n_reports").reset_index())
display(Markdown(f"核查发现 findings (error/warning): {int(findings['n_reports'].sum()) if len(findings) else 0}"))
if len(findings):
    display(A.to_zh(findings).rename(columns={"severity": "级别", "报告数": "条数"}).style.hide(axis="index"))

# %% [markdown]
# ## 2 收到的申请 — applications received

# %%
received = A.applications_received(values, reports)
show(P.trend(received, "received"))
show(P.small_multiples(received, "received"))
table(A.rank(A.year_on_year(received, "received"), "received")
      [["agency", "year", "received", "prev_value", "change", "pct_change", "rank"]])

# %%
wide(A.applications_received(values, reports, by_applicant=True), "received", "applicant")

# %% [markdown]
# ## 3 办理结果 — outcomes (share of （七）总计)

# %%
shares = A.outcome_shares(values, reports)
show(P.outcome_shares_bar(shares))
wide(shares, "share", "outcome", percent=True)
display(Markdown("不予公开 by reason (件):"))
detail = A.outcome_shares(values, reports, detail=True)
wide(detail[detail["group"] == "withheld"], "count", "outcome")

# %% [markdown]
# ## 4 结转 — backlog

# %%
table(A.backlog(values, reports)[["agency", "year", "carried_over", "new_received", "total_processed",
                                   "carried_forward", "backlog_change"]])

# %% [markdown]
# ## 5 行政复议、行政诉讼 — review and litigation
#
# 纠正率 correction rate = 结果纠正 / (总计 − 尚未审结).

# %%
rl = A.review_litigation(values, reports)
table(rl[["agency", "year", "proceeding", "upheld", "corrected", "other", "pending", "total",
          "correction_rate", "derived"]])

# %% [markdown]
# ## 6 主动公开与政府集中采购 — proactive disclosure and procurement (gb2019 years)

# %%
decisions = A.proactive(values, reports, measures=["decisions"])
display(Markdown("处理决定数量 decisions:"))
wide(decisions, "value", "item")
proc = A.procurement(values, reports)
if len(proc):
    show(P.procurement_bars(proc))
    table(proc[["agency", "year", "projects", "amount"]])
else:
    display(Markdown("没有 gb2019 报告，无政府集中采购数据 (no gb2019 report, no procurement data)."))

# %% [markdown]
# ## 7 按层级汇总 — totals by administrative level

# %%
table(A.group_totals(received, "received", by="level"))
