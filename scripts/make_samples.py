"""Generate discl/data/samples.csv (real figures from shared/corpus where known, the rest plausible)."""
import csv, random, sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from discl import render as R

APPS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org"]
rows_out = []

def emit(agency, year, values, notes=None, blank_zero_apps=False, blank_result_totals=False,
         blank_org_cols=False, overrides=None):
    t = R.default_template(year)
    notes = notes or {}
    overrides = overrides or {}
    for key in R.cell_keys(t):
        v = R.format_value(values.get(key, 0))
        table, row, col = key
        if table == "requests":
            structural = row in {"new_received", "carried_over", "total_processed", "carried_forward"}
            if blank_zero_apps and col != "total" and v == "0":
                v = ""  # 上海 2019 style: zeros are never printed
            if blank_result_totals and col == "total" and not structural:
                v = ""
            if blank_org_cols and col not in ("natural_person", "total"):
                v = ""
        if key in overrides:
            v = overrides[key]
        rows_out.append([agency, year, t, table, row, col, v, notes.get(key, "")])

def t2(t, d):
    """d: item -> list of printed values in block measure order."""
    out = {}
    for b in R.proactive_blocks(t):
        for item in b.items:
            for m, v in zip(b.measures, d[item]):
                out[("proactive", item, m)] = v
    return out

def gen_outcomes(rng, t, handled, fixed):
    ids = R.outcome_rows(t)
    rest = [i for i in ids if i not in fixed]
    w = [R.OUTCOME_WEIGHT.get(i, 0.15) for i in rest]
    out = dict(fixed)
    out.update(zip(rest, R.split_total(rng, handled - sum(fixed.values()), w)))
    return out

def report(t, new, co, cf, outcomes, t4, t2vals):
    v = dict(R.requests_values(t, new, co, cf, outcomes))
    v.update(R.review_values(t4))
    v.update(t2vals)
    return v

Z6 = [0] * 6
rng = random.Random(2019)

# ---- 平潭综合实验区 -------------------------------------------------------------------------------------
A = "平潭综合实验区"
emit(A, 2019, report("gb2019", [23, 0, 0, 0, 0, 0], Z6, Z6,
     {"granted": 7, "partially_granted": 1, "unable.not_held": 7, "unable.unclear": 5, "not_processed.repeated": 3},
     {}, t2("gb2019", {"rules": [0, 0, 0], "normative_docs": [89, 89, 89], "admin_license": [396, "0", 181],
                       "other_admin_services": [10, "0", 153], "admin_penalty": [2648, "0", 430],
                       "admin_coercion": [126, "0", 25], "admin_fees": [35, "0"],
                       "central_procurement": [135, "75394432.52元"]})))
new20 = [41, 3, 0, 1, 0, 2]
emit(A, 2020, report("gb2019", new20, Z6, Z6, gen_outcomes(rng, "gb2019", sum(new20), {"granted": 15}),
     {"admin_review": [1, 0, 0, 0]},
     t2("gb2019", {"rules": [0, 0, 0], "normative_docs": [74, 74, 163], "admin_license": [396, "+12", 1904],
                   "other_admin_services": [10, "—", 162], "admin_penalty": [2648, "-35", 915],
                   "admin_coercion": [126, "0", 37], "admin_fees": [35, "-2"],
                   "central_procurement": [118, "61250300元"]})))
emit(A, 2021, report("gb2021", [64, 0, 0, 2, 0, 4], Z6, [1, 0, 0, 0, 0, 0],
     {"granted": 30, "partially_granted": 5, "withheld.internal_affairs": 1, "withheld.enforcement_file": 6,
      "withheld.admin_query": 1, "unable.not_held": 25, "other_handling.other": 1},
     {"admin_review": [1, 0, 2, 0], "litigation_direct": [12, 0, 0, 0]},
     t2("gb2021", {"rules": [0, 0, 0], "normative_docs": [69, 3, 665], "admin_license": [2293],
                   "admin_penalty": [1282], "admin_coercion": [42], "admin_fees": ["24252.311082"]})))
emit(A, 2022, report("gb2021", [71, 3, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], Z6,
     {"granted": 21, "partially_granted": 9, "unable.not_held": 30, "not_processed.repeated": 5,
      "unable.unclear": 4, "withheld.process_info": 3, "other_handling.no_correction": 2,
      "not_processed.complaint": 1},
     {"admin_review": [0, 1, 1, 0], "litigation_direct": [1, 0, 0, 0]},
     t2("gb2021", {"rules": [0, 0, 0], "normative_docs": [88, 55, 698], "admin_license": [10690],
                   "admin_penalty": [2113], "admin_coercion": [0], "admin_fees": ["9116.36"]})))

# ---- 威海临港区党政办公室 ------------------------------------------------------------------------------
W = "威海临港区党政办公室"
err = ("requests", "total_processed", "total")
emit(W, 2020, report("gb2019", [1, 0, 0, 0, 0, 0], Z6, Z6, {"unable.not_held": 1}, {},
     t2("gb2019", {"rules": [0, 0, 0], "normative_docs": [1, 1, 17], "admin_license": [0, 0, 0],
                   "other_admin_services": [0, 0, 0], "admin_penalty": [0, 0, 0], "admin_coercion": [0, 0, 0],
                   "admin_fees": [0, 0], "central_procurement": [5, "350.4万元"]})),
     blank_org_cols=True, overrides={err: "0"},
     notes={err: "printed error (as in the published report): （七）总计 总计 is 0 although 自然人 is 1; fails T3-R1 and T3-R3"})
emit(W, 2021, report("gb2021", [3, 1, 0, 0, 0, 0], Z6, Z6,
     {"granted": 2, "unable.not_held": 1, "other_handling.no_correction": 1},
     {"admin_review": [1, 0, 0, 0]},
     t2("gb2021", {"rules": [0, 0, 0], "normative_docs": [2, 0, 19], "admin_license": [0],
                   "admin_penalty": [0], "admin_coercion": [0], "admin_fees": ["0"]})))

# ---- 淮安市洪泽区人民政府 --------------------------------------------------------------------------
H = "淮安市洪泽区人民政府"
new23 = [78, 4, 0, 0, 2, 1]
err4 = ("review_litigation", "admin_review", "total")
emit(H, 2023, report("gb2021", new23, Z6, Z6, gen_outcomes(rng, "gb2021", sum(new23), {"granted": 41, "partially_granted": 6}),
     {"admin_review": [1, 0, 1, 0], "litigation_after_review": [1, 0, 0, 1]},
     t2("gb2021", {"rules": [0, 0, 0], "normative_docs": [4, 2, 6], "admin_license": [8650],
                   "admin_penalty": [2450], "admin_coercion": [71], "admin_fees": ["6890.5"]})),
     overrides={err4: "3"},
     notes={err4: "deliberate printed error: 行政复议 总计 3 but 1+0+1+0 = 2; fails T4-R1"})
emit(H, 2024, report("gb2021", [95, 0, 0, 0, 0, 0], Z6, Z6,
     {"granted": 50, "partially_granted": 9, "unable.not_held": 20, "not_processed.repeated": 4,
      "unable.unclear": 3, "not_processed.complaint": 5, "withheld.third_party_rights": 2,
      "other_handling.other": 2},
     {"admin_review": [1, 1, 0, 0], "litigation_direct": [1, 0, 0, 0], "litigation_after_review": [2, 0, 1, 0]},
     t2("gb2021", {"rules": [0, 0, 0], "normative_docs": [3, 1, 8], "admin_license": [9487],
                   "admin_penalty": [2776], "admin_coercion": [84], "admin_fees": ["7545"]})))

# ---- 上海市人民政府办公厅 --------------------------------------------------------------------------
S = "上海市人民政府办公厅"
sh19_new, sh19_co, sh19_cf = [821, 35, 0, 0, 2, 1], [18, 0, 0, 0, 0, 0], [72, 0, 0, 0, 0, 0]
sh19 = {"granted": 272, "partially_granted": 3, "withheld.state_secret": 14, "withheld.internal_affairs": 5,
        "withheld.process_info": 4, "withheld.admin_query": 12, "unable.not_held": 265,
        "unable.needs_creation": 47, "unable.unclear": 25, "not_processed.complaint": 149,
        "not_processed.repeated": 9}
v = report("gb2019", sh19_new, sh19_co, sh19_cf, sh19, {"admin_review": [5, 0, 0, 2], "litigation_direct": [8, 0, 0, 1]},
           t2("gb2019", {"rules": [13, 13, 524], "normative_docs": [60, 60, 368], "admin_license": [0, 0, 0],
                         "other_admin_services": [0, 0, 0], "admin_penalty": [0, 0, 0], "admin_coercion": [0, 0, 0],
                         "admin_fees": [0, 0], "central_procurement": [6, "251000元"]}))
# the published table's exact cells (fill_matrix would spread the rows differently across columns)
real = {"granted": [258, 12, 0, 0, 1, 1], "partially_granted": [3, 0, 0, 0, 0, 0],
        "withheld.state_secret": [14, 0, 0, 0, 0, 0], "withheld.internal_affairs": [5, 0, 0, 0, 0, 0],
        "withheld.process_info": [3, 1, 0, 0, 0, 0], "withheld.admin_query": [10, 2, 0, 0, 0, 0],
        "unable.not_held": [252, 12, 0, 0, 1, 0], "unable.needs_creation": [44, 3, 0, 0, 0, 0],
        "unable.unclear": [25, 0, 0, 0, 0, 0], "not_processed.complaint": [148, 1, 0, 0, 0, 0],
        "not_processed.repeated": [5, 4, 0, 0, 0, 0]}
for row, vals in real.items():
    for c, x in zip(APPS, vals):
        v[("requests", row, c)] = x
t4blank = {("review_litigation", p, o): "" for p, o in [("admin_review", "corrected"), ("admin_review", "other"),
           ("litigation_direct", "corrected"), ("litigation_direct", "other")]}
t4blank.update({("review_litigation", "litigation_after_review", o): "" for o in ["upheld", "corrected", "other", "pending", "total"]})
emit(S, 2019, v, blank_zero_apps=True, blank_result_totals=True, overrides=t4blank)
new_sh20 = [884, 41, 1, 2, 5, 2]
cf_sh20 = [60, 3, 0, 0, 0, 0]
handled = sum(new_sh20) + 72 - sum(cf_sh20)
emit(S, 2020, report("gb2019", new_sh20, sh19_cf, cf_sh20, gen_outcomes(rng, "gb2019", handled, {}),
     {"admin_review": [6, 1, 0, 1], "litigation_direct": [5, 0, 1, 2], "litigation_after_review": [1, 0, 0, 0]},
     t2("gb2019", {"rules": [10, 10, 534], "normative_docs": [45, 45, 413], "admin_license": [0, 0, 0],
                   "other_admin_services": [0, 0, 0], "admin_penalty": [0, 0, 0], "admin_coercion": [0, 0, 0],
                   "admin_fees": [0, "/"], "central_procurement": [4, "186500元"]})))

with open(__import__("pathlib").Path(__file__).resolve().parents[1] / "discl/data/samples.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(R.SAMPLE_COLUMNS)
    w.writerows(rows_out)
print(len(rows_out))
