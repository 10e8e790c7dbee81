#!/usr/bin/env python3
"""Seeded generator of the sample district's 劳动争议调解仲裁台账 (labour-dispute mediation and
arbitration ledger), one per township that sends its complaint ledger.

A township's ledger holds every dispute it has on file at the year-end export: disputes
accepted last year and still open at its start (上期未结), this year's, and their outcome —
mediated (at which 调解层级: 企业, 村社区, 镇街, 区级, 仲裁院), decided by arbitration,
withdrawn — and whether it is a 集体争议 (10 or more workers). Shapes as townships send them:
title rows, two header spellings, a 合计 row, a footer, dates as text, every format.

Besides the workbooks it writes, under sample-data/<year>/:
- expected-disputes.csv: the true per-township figures, computed here while generating;
- expected-findings-disputes.csv: the mistakes it plants, at their cells.

usage: python3 sample-data/generate_disputes.py
Needs: pip install xlsxwriter xlwt odfpy
"""
import datetime as dt
import os
import random

import generate as g

YEAR = g.YEAR
LEVELS = ["企业", "村社区", "镇街", "区级", "仲裁院"]
KINDS = ["劳动报酬", "解除劳动合同", "社会保险", "工伤待遇", "经济补偿", "其他"]
KEYS = ["案件编号", "申请日期", "受理日期", "申请人", "被申请人", "争议类型", "涉及人数",
        "调解层级", "调解结果", "结案方式", "办理状态", "结案日期"]
SPELLINGS = [
    {"案件编号": "案件编号", "申请日期": "申请日期", "受理日期": "受理日期", "申请人": "申请人",
     "被申请人": "被申请人", "争议类型": "争议类型", "涉及人数": "涉及人数", "调解层级": "调解层级",
     "调解结果": "调解结果", "结案方式": "结案方式", "办理状态": "办理状态", "结案日期": "结案日期"},
    {"案件编号": "案号", "申请日期": "申请时间", "受理日期": "立案受理日期", "申请人": "申请人姓名",
     "被申请人": "被申请单位", "争议类型": "案由", "涉及人数": "劳动者人数", "调解层级": "调解组织层级",
     "调解结果": "调解情况", "结案方式": "处理结果", "办理状态": "案件状态", "结案日期": "结案时间"},
]
OUTCOME_SPELLING = [
    {"调解成功": "调解成功", "调解不成功": "调解不成功", "未调解": "未调解",
     "调解": "调解", "裁决": "仲裁裁决", "撤回": "撤诉", "": ""},
    {"调解成功": "成功", "调解不成功": "不成功", "未调解": "",
     "调解": "调解结案", "裁决": "裁决", "撤回": "撤回申请", "": ""},
]

SHAPES = [
    {"fmt": "xlsx", "spelling": 0},
    {"fmt": "xls", "spelling": 1, "title_rows": 3},
    {"fmt": "xlsx", "spelling": 0, "total_row": True, "footer": True},
    {"fmt": "csv-bom", "spelling": 1, "date_text": "cn"},
    {"fmt": "ods", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "title_rows": 1},
    {"fmt": "csv-gbk", "spelling": 0, "date_text": "dot"},
    {"fmt": "xlsx", "spelling": 0, "footer": True},
    {"fmt": "xls", "spelling": 1},
    {"fmt": "xlsx", "spelling": 1, "total_row": True},
    {"fmt": "ods", "spelling": 1, "title_rows": 3},
    {"fmt": "xlsx", "spelling": 0, "date_text": "slash"},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 0},
    None,
]

START, END = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def make_disputes(rnd, code, count):
    disputes = []
    for i in range(count):
        # About one in eight was accepted last year (some still open at this year's start).
        last_year = rnd.random() < 0.12
        accepted = (dt.date(YEAR - 1, 7, 1) + dt.timedelta(days=rnd.randrange(184))) if last_year \
            else START + dt.timedelta(days=rnd.randrange(366))
        applied = accepted - dt.timedelta(days=rnd.randint(0, 5))
        mediation = rnd.choice(["调解成功"] * 5 + ["调解不成功"] * 2 + ["未调解"] * 3)
        level = rnd.choice(LEVELS) if mediation != "未调解" else ""
        closed = rnd.random() < 0.88
        close_date = accepted + dt.timedelta(days=rnd.randint(5, 150)) if closed else None
        if close_date and close_date > g.EXPORTED:
            close_date, closed = None, False
        if closed:
            way = "调解" if mediation == "调解成功" else rnd.choice(["裁决"] * 4 + ["撤回"])
        else:
            way = ""
            if mediation == "调解成功":
                mediation = "调解不成功"
        workers = rnd.choice([1] * 8 + [2, 3, 5, 12, 30])
        disputes.append({
            "案件编号": f"仲{code[-3:]}-{accepted.year}-{i + 1:04d}", "申请日期": applied,
            "受理日期": accepted, "申请人": f"劳动者{i + 1:04d}",
            "被申请人": f"某某公司{rnd.randrange(200)}", "争议类型": rnd.choice(KINDS),
            "涉及人数": workers, "调解层级": level, "调解结果": mediation, "结案方式": way,
            "办理状态": "已结案" if closed else "办理中", "结案日期": close_date,
        })
    # Those closed before this year are not in a year-end export of open and this year's files.
    return [d for d in disputes if d["结案日期"] is None or d["结案日期"] >= START]


def cell_value(key, d, shape):
    if key in d.get("_written", {}):
        return d["_written"][key]
    v = d[key]
    if key in ("调解结果", "结案方式"):
        return OUTCOME_SPELLING[shape["spelling"]][v]
    if key in ("申请日期", "受理日期", "结案日期"):
        return g.date_cell(v, shape)
    return v


def table_rows(name, disputes, shape):
    spelling = SPELLINGS[shape["spelling"]]
    rows = []
    for t in range(shape.get("title_rows", 2)):
        rows.append([f"{name}劳动人事争议调解仲裁案件台账"] if t == 0 else
                    [f"填报单位：{name}"] if t == 1 else [f"统计时段：截至{YEAR + 1}年1月15日"])
    rows.append(["序号"] + [spelling[k] for k in KEYS])
    rows += [[i + 1] + [cell_value(k, d, shape) for k in KEYS] for i, d in enumerate(disputes)]
    if shape.get("total_row"):
        rows.append(["合计"] + [sum(d["涉及人数"] for d in disputes) if k == "涉及人数" else "" for k in KEYS])
    if shape.get("footer"):
        rows += [[], ["填表人：赵敏", "", "", "审核人：钱伟", "", "", "联系电话：028-85551111"]]
    return rows


def truth(code, name, disputes):
    used = [d for d in disputes if not d.get("_excluded")]
    def closed_by(d, day):
        return d["结案日期"] is not None and d["结案日期"] <= day
    carried = [d for d in used if d["受理日期"] < START and not closed_by(d, START - dt.timedelta(days=1))]
    accepted = [d for d in used if START <= d["受理日期"] <= END]
    closed = [d for d in used if d["结案日期"] is not None and START <= d["结案日期"] <= END]
    open_end = [d for d in used if d["受理日期"] <= END and not closed_by(d, END)]
    mediations = [d for d in accepted if d["调解结果"] in ("调解成功", "调解不成功")]
    out = {
        "code": code, "name": name, "carried": len(carried), "accepted": len(accepted),
        "closed": len(closed), "open_at_end": len(open_end),
        "mediated": sum(d["结案方式"] == "调解" for d in closed),
        "mediation_tried": len(mediations),
        "mediation_succeeded": sum(d["调解结果"] == "调解成功" for d in mediations),
        "collective": sum(d["涉及人数"] >= 10 for d in accepted),
    }
    for level in LEVELS:
        out[f"mediated_{level}"] = sum(d["结案方式"] == "调解" and d["调解层级"] == level for d in closed)
    return out


def plant_mistakes(ledgers):
    marks = {}
    def mark(index, number, key, rule):
        marks.setdefault(index, []).append((number, key, rule))
    # 东湖街道: a dispute closed before it was accepted.
    d = next(d for d in ledgers[1][10:] if d["结案日期"] is not None)
    d["结案日期"] = d["受理日期"] - dt.timedelta(days=2)
    d["_excluded"] = True
    mark(1, ledgers[1].index(d) + 1, "结案日期", "结案日期不早于受理日期")
    # 新桥镇: a closed dispute without its closing date.
    e = next(e for e in ledgers[8][5:] if e["办理状态"] == "已结案")
    e["_written"] = {"结案日期": ""}
    e["_excluded"] = True
    mark(8, ledgers[8].index(e) + 1, "结案日期", "已结案须有结案日期")
    return marks


def main():
    rnd = random.Random(g.seed(20241233))
    root = os.path.join(g.HERE, str(YEAR))
    ledgers = {}
    for index, shape in enumerate(SHAPES):
        if shape is not None:
            ledgers[index] = make_disputes(rnd, g.ROSTER[index][0], rnd.randint(20, 90))
    marks = plant_mistakes(ledgers)
    truths, findings = [], []
    for index, disputes in ledgers.items():
        code, name, _ = g.ROSTER[index]
        shape = SHAPES[index]
        rows = table_rows(name, disputes, shape)
        folder = g.township_folder(code, name, index)
        path = os.path.join(root, folder, f"劳动争议调解仲裁台账.{g.EXTENSION[shape['fmt']]}")
        g.write(path, shape["fmt"], "劳动争议调解仲裁台账", rows, None)
        t = truth(code, name, disputes)
        # The truth of the excluded row's closing date as written (empty) is not needed: the
        # row is excluded from every figure.
        truths.append(t)
        for number, key, rule in marks.get(index, []):
            findings.append([os.path.relpath(path, root), g.cell_ref(rows, KEYS, number, key), rule, "error"])
    g.write_truth(os.path.join(root, "expected-disputes.csv"), truths)
    g.write_findings(os.path.join(root, "expected-findings-disputes.csv"), findings)


if __name__ == "__main__":
    main()
