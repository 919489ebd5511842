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
# # discl quickstart — 快速上手
#
# Load a folder of 政府信息公开工作年度报告 (or an `discl ingest` output), look at one report, its
# three tables and the checks the template's arithmetic implies.
#
# `data_dir`: an ingest output folder (`reports.parquet` …) or a folder of report files. Left as
# `None`, the notebook reads `$DISCL_DATA`, else discl's bundled sample reports.

# %% tags=["parameters"]
data_dir = None

# %%
import pandas as pd

import discl
from discl.report import load_corpus, resolve_data

pd.set_option("display.max_columns", 20)
pd.set_option("display.width", 160)

source = resolve_data(data_dir)
corpus = load_corpus(source)
print(source)
corpus

# %% [markdown]
# ## The reports table — one row per file

# %%
corpus.reports[["agency", "region", "year", "template", "format", "status", "error"]]

# %% [markdown]
# ## One report
#
# A wide view of table 三 (收到和处理政府信息公开申请情况) with the template's Chinese labels.
# Blank cells stay missing (shown as NaN), never 0.

# %%
reports = corpus.reports
one = reports[reports["status"] != "failed"].sort_values(["agency", "year"]).iloc[0]
print(one["agency"], one["year"], one["template"], one["status"])
values = corpus.values
mine = values[values["report_id"] == one["report_id"]]
discl.api.wide_table(mine, "requests", labels="zh", template=one["template"])

# %%
discl.api.wide_table(mine, "review_litigation", labels="zh", template=one["template"])

# %%
discl.api.wide_table(mine, "proactive", labels="zh", template=one["template"])

# %% [markdown]
# ## Where a number came from
#
# Every cell keeps the text as printed (`raw`), its flags and its position in the source.

# %%
mine[mine["table"] == "requests"][["row", "col", "value", "raw", "flags", "cell"]].head(10)

# %% [markdown]
# ## Checks — 勾稽关系
#
# Findings of the rules the template prescribes (T3-R1 …), by severity.

# %%
issues = corpus.issues
print(issues["severity"].value_counts().to_dict())
issues[issues["report_id"] == one["report_id"]][["rule", "severity", "row", "col", "expected", "actual", "message"]]

# %%
# every error in the corpus, with the report it belongs to
errors = issues[issues["severity"] == "error"].merge(reports[["report_id", "agency", "year"]], on="report_id")
errors[["agency", "year", "rule", "row", "col", "expected", "actual", "message"]]
