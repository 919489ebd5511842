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
# ---

# %% [markdown]
# # Comparing agencies and years — 区县与年度比较
#
# The helpers of `discl.analysis` work on the long table and return tidy frames keyed by agency and
# year; `discl.plots` draws them with the CJK font bundled in `mplfonts`.
#
# Missing stays missing: a blank 总计, a dash or a slash is NaN, never 0 (only a blank applicant cell
# counts as 0). One report per agency and year is used (an HTML page and its DOCX are the same report).

# %% tags=["parameters"]
data_dir = None

# %%
import pandas as pd
from IPython.display import Image, display

from discl import analysis as A
from discl import plots as P
from discl.report import load_corpus, resolve_data

pd.set_option("display.max_columns", 20)
pd.set_option("display.width", 160)


def show(fig):
    """Show a figure as PNG (works with any matplotlib backend, and embeds in exported HTML)."""
    display(Image(P.figure_png(fig), alt=P.describe(fig)))


corpus = load_corpus(resolve_data(data_dir))
values, reports = corpus.values, corpus.reports

# %% [markdown]
# ## Applications received — 本年新收申请

# %%
received = A.applications_received(values, reports)
A.to_zh(received.drop(columns=["report_id", "agency_key"]))

# %%
show(P.trend(received, "received"))

# %%
show(P.small_multiples(received, "received"))

# %% [markdown]
# ### By applicant type — 按申请人类型

# %%
by_applicant = A.applications_received(values, reports, by_applicant=True)
A.pivot(by_applicant, "received", columns="applicant", labels="zh_short")

# %% [markdown]
# ## Year-on-year change and ranking — 同比与排名
#
# Only the immediately preceding year counts as "year-on-year"; a gap leaves the change missing.

# %%
yoy = A.rank(A.year_on_year(received, "received"), "received")
A.to_zh(yoy[["agency", "year", "received", "prev_value", "change", "pct_change", "rank"]])

# %% [markdown]
# ## Outcomes — 办理结果构成

# %%
shares = A.outcome_shares(values, reports)
show(P.outcome_shares_bar(shares))

# %%
A.pivot(shares, "share", columns="outcome", labels="zh_short").round(3)

# %% [markdown]
# ### 不予公开 by reason

# %%
detail = A.outcome_shares(values, reports, detail=True)
withheld = detail[detail["group"] == "withheld"]
A.pivot(withheld, "count", columns="outcome", labels="zh_short")

# %% [markdown]
# ## By region and level — 按地区、层级汇总

# %%
A.to_zh(A.group_totals(received, "received", by="level"))

# %%
A.to_zh(A.group_totals(received, "received", by="region"))

# %% [markdown]
# ## Districts of one city — 同一城市各区县比较
#
# `A.peer_groups` sets each district or county beside the others of its city in the same year (its
# `parent_code` is the city's 行政区划代码) and sorts them by code; the charts keep that order. Shown here:
# the city with the most districts in the corpus. discl's samples hold one district per city (淮安市洪泽区;
# 平潭 is a zone under 福州市), so with them the group has a single member — set `DISCL_DATA` to a corpus
# with several districts of one city for a real comparison.

# %%
peers = A.peer_groups(received, "received")
if peers.empty:
    print("no district or county reports in this corpus")
else:
    city_code = peers.groupby("parent_code")["agency_key"].nunique().idxmax()
    one_city = peers[peers["parent_code"] == city_code]
    city_name = one_city["city"].dropna().iloc[0] if one_city["city"].notna().any() else city_code
    display(A.to_zh(one_city[["city", "county", "region_code", "agency", "year", "received", "n_peers",
                              "peer_median", "vs_median", "peer_rank"]]))
    show(P.small_multiples(one_city, "received", title=f"{city_name}各区县本年新收申请"))
