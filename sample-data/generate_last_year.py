#!/usr/bin/env python3
"""Seeded generator of last year's published report, as the bureau has it in its first year
of using laborstat: sample-data/<year>/上年年报/<year-1>年劳动保障监察年终统计表.xlsx, the
tables the district published for the year before — no ledgers behind them.

Its sheets are laid out as such tables are: a title, a 填报单位 line, a two-row header, 合计
first, one row per township with its code (the township that sent nothing marked 未报送,
its cells empty), 万元 for money, rates printed as text, a signature footer.

Its figures are last year's ledgers' (sample-data/<year-1>/expected*.csv, written by the
generators run with SAMPLE_YEAR=<year-1>), as the district would have published them. It
also writes expected-last-year.csv: per township (and 合计) the figures it printed, for the
tests.

usage: python3 sample-data/generate_last_year.py   (after SAMPLE_YEAR=2023 generate*.py)
"""
import csv
import os

import generate as g

YEAR = g.YEAR
LAST = YEAR - 1


def read_truth(name):
    """Last year's generator truth (sample-data/<last year>/<name>), by township code."""
    path = os.path.join(g.HERE, str(LAST), name)
    with open(path, encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def main():
    # The published figures are last year's ledgers' own (sample-data/<last year>/, made with
    # SAMPLE_YEAR=<last year>), so the report printed then and last year's run kept in the
    # store agree: 上年 from either is the same figure.
    cases, disputes, employers = (read_truth(n) for n in
                                  ["expected.csv", "expected-disputes.csv", "expected-employers.csv"])
    root = os.path.join(g.HERE, str(YEAR))
    truths = []
    for code, name, _ in g.ROSTER:
        if code not in cases:
            continue  # sent nothing last year either
        c, d, e = cases[code], disputes[code], employers[code]
        n = lambda row, k: int(row[k])
        truths.append({
            "code": code, "name": name, "accepted": n(c, "accepted"), "closed": n(c, "closed"),
            "workers": n(c, "workers"),
            # 万元 with two decimals, as published: each township's rounded once.
            "recovered_wan_cents": (n(c, "recovered_fen") + 5_000) // 10_000,
            "disputes_accepted": n(d, "accepted"), "units": n(e, "units"), "reviewed": n(e, "reviewed"),
            "disputes_closed": n(d, "closed"), "mediation_tried": n(d, "mediation_tried"),
            "mediation_succeeded": n(d, "mediation_succeeded"),
            "carried": n(c, "carried"), "filed": n(c, "filed"),
        })
    total = {k: sum(t[k] for t in truths) for k in truths[0] if k not in ("code", "name")}

    def rate(closed, due):
        return f"{closed / due * 100:.1f}%"

    def due(t):
        return t["carried"] + t["accepted"]

    cases = [
        [f"{LAST}年劳动保障监察投诉举报案件情况统计表"],
        ["填报单位：某某区人力资源和社会保障局（劳动保障监察大队）", "", "", "", "计量单位：件、人、万元", "", f"报告期：{LAST}年"],
        ["代码", "街道（乡镇）", "投诉举报案件", "投诉举报案件", "投诉举报案件", "投诉举报案件", "投诉举报案件",
         "涉及劳动者人数（人）", "追发工资等待遇（万元）"],
        ["", "", "上期未结（件）", "受理（件）", "立案（件）", "结案（件）", "结案率", "", ""],
        ["", "合计", total["carried"], total["accepted"], total["filed"], total["closed"],
         rate(total["closed"], due(total)), total["workers"], total["recovered_wan_cents"] / 100],
    ]
    disputes = [
        [f"{LAST}年劳动人事争议调解仲裁情况统计表"],
        ["填报单位：某某区人力资源和社会保障局", "", "", f"报告期：{LAST}年"],
        ["代码", "街道（乡镇）", "受理争议案件（件）", "结案（件）", "约调（件）", "调解成功（件）"],
        ["", "合计", total["disputes_accepted"], total["disputes_closed"], total["mediation_tried"],
         total["mediation_succeeded"]],
    ]
    employers = [
        [f"{LAST}年用人单位基本情况统计表"],
        ["填报单位：某某区人力资源和社会保障局", "", f"报告期：{LAST}年"],
        ["代码", "街道（乡镇）", "用人单位（户）", "书面审查完成数"],
        ["", "合计", total["units"], total["reviewed"]],
    ]
    by_code = {t["code"]: t for t in truths}
    for code, name, _ in g.ROSTER:
        t = by_code.get(code)
        if t is None:
            cases.append([code, f"{name}（未报送）", "", "", "", "", "", "", ""])
            disputes.append([code, f"{name}（未报送）", "", "", "", ""])
            employers.append([code, f"{name}（未报送）", "", ""])
            continue
        cases.append([code, name, t["carried"], t["accepted"], t["filed"], t["closed"], rate(t["closed"], due(t)),
                      t["workers"], t["recovered_wan_cents"] / 100])
        disputes.append([code, name, t["disputes_accepted"], t["disputes_closed"], t["mediation_tried"],
                         t["mediation_succeeded"]])
        employers.append([code, name, t["units"], t["reviewed"]])
    footer = [[], ["单位负责人：王军", "", "统计负责人：李华", "", "填表人：张敏", "", f"报出日期：{YEAR}年1月20日"]]
    path = os.path.join(root, "上年年报", f"{LAST}年劳动保障监察年终统计表.xlsx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    import xlsxwriter
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": g.dt.datetime(YEAR, 1, 20)})
    sheets = [("投诉举报案件", cases + footer, True), ("劳动争议", disputes + footer, False),
              ("用人单位", employers + footer, False)]
    for sheet_name, rows, merged in sheets:
        ws = wb.add_worksheet(sheet_name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v != "":
                    ws.write(r, c, v)
        if merged:
            ws.merge_range(2, 2, 2, 6, "投诉举报案件")
            for c, label in [(0, "代码"), (1, "街道（乡镇）"), (7, "涉及劳动者人数（人）"), (8, "追发工资等待遇（万元）")]:
                ws.merge_range(2, c, 3, c, label)
    wb.close()
    with open(os.path.join(root, "expected-last-year.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(truths[0]))
        w.writeheader()
        w.writerows(truths)
        w.writerow({"code": "合计", "name": "合计", **total})


if __name__ == "__main__":
    main()
