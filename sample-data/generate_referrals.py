#!/usr/bin/env python3
"""Seeded generator of the sample district's 转办件台账 (items referred to the townships by the
12345 hotline, 信访 and 110 联动, each with the working days it must be settled in) and
欠薪预警台账 (wage-arrears warnings the monitoring platform sent, and how each was handled), one
workbook per township that sends its complaint ledger, a sheet each. Shapes: title rows, two
header spellings, dates as text, a footer, every format.

Besides the workbooks it writes, under sample-data/<year>/:
- expected-referrals.csv: the true per-township figures (按时 counted on calendar.csv);
- expected-findings-referrals.csv: the mistakes it plants, at their cells.

usage: python3 sample-data/generate_referrals.py
Needs: pip install xlsxwriter xlwt odfpy
"""
import datetime as dt
import os
import random

import generate as g

YEAR = g.YEAR
START, END = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
REF_KEYS = ["转办编号", "来源", "接收日期", "办理期限", "办结日期", "诉求内容"]
REF_SPELLINGS = [
    {k: k for k in REF_KEYS},
    {"转办编号": "编号", "来源": "转办渠道", "接收日期": "交办日期", "办理期限": "期限（工作日）",
     "办结日期": "办结时间", "诉求内容": "反映问题"},
]
SOURCES = ["12345热线", "信访", "110联动"]
SHAPES = [
    {"fmt": "xlsx", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "title_rows": 3},
    {"fmt": "xls", "spelling": 0, "footer": True},
    {"fmt": "ods", "spelling": 1},
    {"fmt": "xlsx", "spelling": 0, "date_text": "cn"},
    {"fmt": "xls", "spelling": 1},
    {"fmt": "xlsx", "spelling": 0, "date_text": "dot"},
    {"fmt": "ods", "spelling": 0, "footer": True},
    {"fmt": "xlsx", "spelling": 1},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 1},
    {"fmt": "xls", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "date_text": "slash"},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 0},
    None,
]


def make_referrals(rnd, code, count):
    rows = []
    for i in range(count):
        received = START + dt.timedelta(days=rnd.randrange(366))
        limit = rnd.choice([5, 5, 10, 15])
        done = received + dt.timedelta(days=rnd.randint(1, 30)) if rnd.random() < 0.92 else None
        if done and done > g.EXPORTED:
            done = None
        rows.append({"转办编号": f"转{code[-3:]}-{i + 1:04d}", "来源": rnd.choice(SOURCES), "接收日期": received,
                     "办理期限": limit, "办结日期": done, "诉求内容": "反映拖欠工资"})
    return rows


def make_warnings(rnd, code, count):
    rows = []
    for i in range(count):
        sent = START + dt.timedelta(days=rnd.randrange(366))
        handled = sent + dt.timedelta(days=rnd.randint(1, 20)) if rnd.random() < 0.85 else None
        if handled and handled > g.EXPORTED:
            handled = None
        rows.append({"预警编号": f"警{code[-3:]}-{i + 1:04d}", "发出日期": sent,
                     "处置日期": handled, "处置结果": rnd.choice(["已核实无欠薪", "督促支付", "立案查处"]) if handled else ""})
    return rows


def referral_rows(name, rows, shape):
    spelling = REF_SPELLINGS[shape["spelling"]]
    out = []
    for t in range(shape.get("title_rows", 2)):
        out.append([f"{name}12345、信访、110转办件台账"] if t == 0 else [f"填报单位：{name}"] if t == 1 else [f"{YEAR}年"])
    out.append(["序号"] + [spelling[k] for k in REF_KEYS])
    for i, r in enumerate(rows):
        values = []
        for k in REF_KEYS:
            v = r.get("_written", {}).get(k, r[k])
            values.append(g.date_cell(v, shape) if k in ("接收日期", "办结日期") and k not in r.get("_written", {}) else v)
        out.append([i + 1] + values)
    if shape.get("footer"):
        out += [[], ["承办人：何静", "", "", "审核人：罗斌"]]
    return out


def warning_rows(name, rows, shape):
    keys = ["预警编号", "发出日期", "处置日期", "处置结果"]
    out = [[f"{name}欠薪预警处置台账"], ["序号"] + keys]
    out += [[i + 1] + [g.date_cell(r[k], shape) if k.endswith("日期") else r[k] for k in keys] for i, r in enumerate(rows)]
    return out


def truth(code, name, referrals, warnings):
    used = [r for r in referrals if not r.get("_excluded")]
    done = [r for r in used if r["办结日期"] is not None and START <= r["办结日期"] <= END]
    return {
        "code": code, "name": name,
        "referrals": sum(START <= r["接收日期"] <= END for r in used),
        "referrals_done": len(done),
        "referrals_on_time": sum(g.working_days(r["接收日期"], r["办结日期"]) <= r["办理期限"] for r in done),
        "warnings": sum(START <= w["发出日期"] <= END for w in warnings),
        "warnings_handled": sum(w["处置日期"] is not None and START <= w["处置日期"] <= END for w in warnings),
    }


def main():
    rnd = random.Random(g.seed(20241236))
    root = os.path.join(g.HERE, str(YEAR))
    truths, findings = [], []
    for index, shape in enumerate(SHAPES):
        if shape is None:
            continue
        code, name, _ = g.ROSTER[index]
        referrals = make_referrals(rnd, code, rnd.randint(15, 70))
        warnings = make_warnings(rnd, code, rnd.randint(5, 30))
        marks = []
        if index == 6:  # 华阳镇: a limit written as words
            r = referrals[9]
            r["_written"] = {"办理期限": "五个工作日"}
            r["_excluded"] = True
            marks.append((10, "办理期限", "type"))
        folder = g.township_folder(code, name, index)
        ext = g.EXTENSION[shape["fmt"]]
        ref = referral_rows(name, referrals, shape)
        g.write(os.path.join(root, folder, f"转办件台账.{ext}"), shape["fmt"], "转办件台账", ref, None)
        g.write(os.path.join(root, folder, f"欠薪预警台账.{ext}"), shape["fmt"], "欠薪预警台账",
                warning_rows(name, warnings, shape), None)
        truths.append(truth(code, name, referrals, warnings))
        for number, key, rule in marks:
            findings.append([os.path.relpath(os.path.join(root, folder, f"转办件台账.{ext}"), root),
                             g.cell_ref(ref, REF_KEYS, number, key), rule, "error"])
    g.write_truth(os.path.join(root, "expected-referrals.csv"), truths)
    g.write_findings(os.path.join(root, "expected-findings-referrals.csv"), findings)


if __name__ == "__main__":
    main()
