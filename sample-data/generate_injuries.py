#!/usr/bin/env python3
"""Seeded generator of the sample district's 工伤认定台账 (work-injury recognition ledger), one
per township that sends its complaint ledger: every application on file at the year-end
export, with its 认定结论 and the day it was reached — 认定工伤, 视同工伤, 不予认定, 不予受理,
撤回 (the applicant withdrew), 终止 and 中止 (stopped, or suspended pending another ruling) —
or none yet (在办). Shapes as townships send them: title rows, two header spellings, dates
as text, a footer, every format.

Besides the workbooks it writes, under sample-data/<year>/:
- expected-injuries.csv: the true per-township figures, computed here while generating;
- expected-findings-injuries.csv: the mistakes it plants, at their cells.

usage: python3 sample-data/generate_injuries.py
Needs: pip install xlsxwriter xlwt odfpy
"""
import datetime as dt
import os
import random

import generate as g

YEAR = g.YEAR
OUTCOMES = ["认定工伤"] * 80 + ["视同工伤"] * 2 + ["不予认定"] * 4 + ["不予受理"] * 1 \
    + ["撤回"] * 2 + ["终止"] * 5 + ["中止"] * 2
KEYS = ["受理编号", "职工姓名", "用人单位", "事故日期", "申请日期", "认定结论", "结论日期"]
SPELLINGS = [
    {"受理编号": "受理编号", "职工姓名": "职工姓名", "用人单位": "用人单位", "事故日期": "事故日期",
     "申请日期": "申请日期", "认定结论": "认定结论", "结论日期": "结论日期"},
    {"受理编号": "编号", "职工姓名": "受伤职工", "用人单位": "用人单位名称", "事故日期": "受伤时间",
     "申请日期": "申请时间", "认定结论": "认定结果", "结论日期": "作出决定日期"},
]
OUTCOME_SPELLING = [
    {o: o for o in set(OUTCOMES)},
    {"认定工伤": "予以认定", "视同工伤": "视同工伤", "不予认定": "不予认定", "不予受理": "不予受理",
     "撤回": "撤回申请", "终止": "终止认定", "中止": "中止认定"},
]
SHAPES = [
    {"fmt": "xlsx", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "title_rows": 3},
    {"fmt": "xls", "spelling": 0, "footer": True},
    {"fmt": "ods", "spelling": 1},
    {"fmt": "csv-gbk", "spelling": 0, "date_text": "cn"},
    {"fmt": "xlsx", "spelling": 1, "date_text": "dot"},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 1},
    {"fmt": "csv-bom", "spelling": 1},
    {"fmt": "xls", "spelling": 1, "footer": True},
    {"fmt": "xlsx", "spelling": 0, "date_text": "slash"},
    {"fmt": "ods", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 0},
    None,
]
START, END = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def make_applications(rnd, code, count):
    rows = []
    for i in range(count):
        applied = START + dt.timedelta(days=rnd.randrange(366))
        injured = applied - dt.timedelta(days=rnd.randint(1, 300))
        # Decided within 60 days, some still open at the export (在办); a few decided next
        # January (this year's application, next year's 结论).
        decided = applied + dt.timedelta(days=rnd.randint(5, 75))
        if rnd.random() < 0.06 or decided > g.EXPORTED:
            outcome, decided = "", None
        else:
            outcome = rnd.choice(OUTCOMES)
        rows.append({
            "受理编号": f"工伤{code[-3:]}-{YEAR}-{i + 1:04d}", "职工姓名": f"职工{i + 1:04d}",
            "用人单位": f"某某公司{rnd.randrange(300)}", "事故日期": injured, "申请日期": applied,
            "认定结论": outcome, "结论日期": decided,
        })
    return rows


def cell_value(key, r, shape):
    if key in r.get("_written", {}):
        return r["_written"][key]
    v = r[key]
    if key == "认定结论":
        return OUTCOME_SPELLING[shape["spelling"]][v] if v else ("在办" if shape["spelling"] else "")
    if key in ("事故日期", "申请日期", "结论日期"):
        return g.date_cell(v, shape)
    return v


def table_rows(name, applications, shape):
    spelling = SPELLINGS[shape["spelling"]]
    rows = []
    for t in range(shape.get("title_rows", 2)):
        rows.append([f"{name}工伤认定工作台账"] if t == 0 else
                    [f"填报单位：{name}"] if t == 1 else [f"{YEAR}年度"])
    rows.append(["序号"] + [spelling[k] for k in KEYS])
    rows += [[i + 1] + [cell_value(k, r, shape) for k in KEYS] for i, r in enumerate(applications)]
    if shape.get("footer"):
        rows += [[], ["经办人：周芳", "", "", "审核人：吴刚", "", "", f"报出日期：{YEAR + 1}年1月12日"]]
    return rows


def truth(code, name, applications):
    used = [r for r in applications if not r.get("_excluded")]
    decided = [r for r in used if r["结论日期"] is not None and START <= r["结论日期"] <= END]
    out = {"code": code, "name": name,
           "applied": sum(START <= r["申请日期"] <= END for r in used),
           "open_at_end": sum(r["申请日期"] <= END and (r["结论日期"] is None or r["结论日期"] > END)
                              for r in used)}
    for outcome in ["认定工伤", "视同工伤", "不予认定", "不予受理", "撤回", "终止", "中止"]:
        out[outcome] = sum(r["认定结论"] == outcome for r in decided)
    return out


def plant_mistakes(ledgers):
    marks = {}
    # 双楠街道: a decision dated before the application.
    r = next(r for r in ledgers[4][8:] if r["结论日期"] is not None)
    r["结论日期"] = r["申请日期"] - dt.timedelta(days=4)
    r["_excluded"] = True
    marks.setdefault(4, []).append((ledgers[4].index(r) + 1, "结论日期", "结论日期不早于申请日期"))
    # 石羊乡: a conclusion without its date.
    r = next(r for r in ledgers[10][3:] if r["认定结论"])
    r["_written"] = {"结论日期": ""}
    r["_excluded"] = True
    marks.setdefault(10, []).append((ledgers[10].index(r) + 1, "结论日期", "有认定结论须有结论日期"))
    return marks


def main():
    rnd = random.Random(g.seed(20241234))
    root = os.path.join(g.HERE, str(YEAR))
    ledgers = {}
    for index, shape in enumerate(SHAPES):
        if shape is not None:
            ledgers[index] = make_applications(rnd, g.ROSTER[index][0], rnd.randint(30, 160))
    marks = plant_mistakes(ledgers)
    truths, findings = [], []
    for index, applications in ledgers.items():
        code, name, _ = g.ROSTER[index]
        shape = SHAPES[index]
        rows = table_rows(name, applications, shape)
        folder = g.township_folder(code, name, index)
        path = os.path.join(root, folder, f"工伤认定台账.{g.EXTENSION[shape['fmt']]}")
        g.write(path, shape["fmt"], "工伤认定台账", rows, None)
        truths.append(truth(code, name, applications))
        for number, key, rule in marks.get(index, []):
            findings.append([os.path.relpath(path, root), g.cell_ref(rows, KEYS, number, key), rule, "error"])
    g.write_truth(os.path.join(root, "expected-injuries.csv"), truths)
    g.write_findings(os.path.join(root, "expected-findings-injuries.csv"), findings)


if __name__ == "__main__":
    main()
