#!/usr/bin/env python3
"""Seeded generator of the sample district's 主动监察台账 (inspections the townships' offices
made on their own initiative: 日常巡查, 专项检查, 双随机), one per township that sends its
complaint ledger: the employer inspected, the workers it employs, whether a 责令改正 order or a
行政处罚 followed and the fine. An employer may be inspected more than once in a year: 检查户数
counts it once. Shapes as townships send them: title rows, two header spellings, dates and
amounts as text, a footer, every format.

Besides the workbooks it writes, under sample-data/<year>/:
- expected-inspections.csv: the true per-township figures, computed here while generating;
- expected-findings-inspections.csv: the mistakes it plants, at their cells.

usage: python3 sample-data/generate_inspections.py
Needs: pip install xlsxwriter xlwt odfpy
"""
import datetime as dt
import os
import random

import generate as g

YEAR = g.YEAR
KEYS = ["检查编号", "检查日期", "检查方式", "用人单位", "统一社会信用代码", "涉及劳动者人数",
        "责令改正", "行政处罚", "罚款金额"]
SPELLINGS = [
    {k: k for k in KEYS},
    {"检查编号": "编号", "检查日期": "检查时间", "检查方式": "检查类型", "用人单位": "被检查单位",
     "统一社会信用代码": "信用代码", "涉及劳动者人数": "劳动者人数", "责令改正": "下达责令改正",
     "行政处罚": "是否处罚", "罚款金额": "罚款（元）"},
]
WAYS = ["日常巡查", "专项检查", "双随机"]
SHAPES = [
    {"fmt": "xlsx", "spelling": 0},
    {"fmt": "xls", "spelling": 1, "title_rows": 3},
    {"fmt": "xlsx", "spelling": 1, "footer": True},
    {"fmt": "ods", "spelling": 0},
    {"fmt": "csv-bom", "spelling": 1, "date_text": "cn"},
    {"fmt": "xlsx", "spelling": 0, "money_text": "thousands"},
    {"fmt": "csv-gbk", "spelling": 0, "date_text": "dot"},
    {"fmt": "xlsx", "spelling": 1},
    {"fmt": "xls", "spelling": 0, "footer": True},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 1},
    {"fmt": "ods", "spelling": 1},
    {"fmt": "xlsx", "spelling": 0, "date_text": "slash"},
    {"fmt": "xlsx", "spelling": 1, "title_rows": 0},
    None,
]


def make_inspections(rnd, code, count):
    employers = [(f"某某企业{code[-3:]}{i:03d}", g.credit_code(rnd), rnd.choice([5, 12, 30, 80, 200]))
                 for i in range(max(3, count * 3 // 4))]
    rows = []
    for i in range(count):
        name, credit, workers = rnd.choice(employers)
        ordered = rnd.random() < 0.3
        punished = ordered and rnd.random() < 0.2
        rows.append({
            "检查编号": f"检{code[-3:]}-{YEAR}-{i + 1:04d}",
            "检查日期": dt.date(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(366)),
            "检查方式": rnd.choice(WAYS), "用人单位": name, "统一社会信用代码": credit,
            "涉及劳动者人数": workers, "责令改正": ordered, "行政处罚": punished,
            "罚款金额": rnd.randint(10, 200) * 100_000 if punished else 0,  # fen
        })
    return rows


def cell_value(key, r, shape):
    if key in r.get("_written", {}):
        return r["_written"][key]
    v = r[key]
    if key in ("责令改正", "行政处罚"):
        return "是" if v else "否"
    if key == "罚款金额":
        if not v:
            return ""
        return g.fmt_money_text(v, shape["money_text"]) if shape.get("money_text") else v / 100
    if key == "检查日期":
        return g.date_cell(v, shape)
    return v


def table_rows(name, rows, shape):
    spelling = SPELLINGS[shape["spelling"]]
    out = []
    for t in range(shape.get("title_rows", 2)):
        out.append([f"{name}劳动保障主动监察台账"] if t == 0 else
                   [f"填报单位：{name}"] if t == 1 else [f"{YEAR}年度"])
    out.append(["序号"] + [spelling[k] for k in KEYS])
    out += [[i + 1] + [cell_value(k, r, shape) for k in KEYS] for i, r in enumerate(rows)]
    if shape.get("footer"):
        out += [[], ["检查人：孙磊", "", "", "审核人：郑洁", "", "", f"报出日期：{YEAR + 1}年1月9日"]]
    return out


def truth(code, name, rows):
    used = [r for r in rows if not r.get("_excluded")]
    return {
        "code": code, "name": name, "inspections": len(used),
        "units": len({r["统一社会信用代码"] for r in used}),
        "workers": sum(r["涉及劳动者人数"] for r in used),
        "ordered": sum(r["责令改正"] for r in used), "punished": sum(r["行政处罚"] for r in used),
        "fines_fen": sum(r["罚款金额"] for r in used),
    }


def plant_mistakes(ledgers):
    marks = {}
    # 东湖街道: a fine without a 行政处罚.
    r = next(r for r in ledgers[1] if not r["行政处罚"])
    r["罚款金额"] = 500_000
    r["_excluded"] = True
    marks.setdefault(1, []).append((ledgers[1].index(r) + 1, "罚款金额", "罚款须有行政处罚"))
    return marks


def main():
    rnd = random.Random(g.seed(20241235))
    root = os.path.join(g.HERE, str(YEAR))
    ledgers = {}
    for index, shape in enumerate(SHAPES):
        if shape is not None:
            ledgers[index] = make_inspections(rnd, g.ROSTER[index][0], rnd.randint(20, 90))
    marks = plant_mistakes(ledgers)
    truths, findings = [], []
    for index, rows in ledgers.items():
        code, name, _ = g.ROSTER[index]
        shape = SHAPES[index]
        table = table_rows(name, rows, shape)
        folder = g.township_folder(code, name, index)
        path = os.path.join(root, folder, f"主动监察台账.{g.EXTENSION[shape['fmt']]}")
        g.write(path, shape["fmt"], "主动监察台账", table, None)
        truths.append(truth(code, name, rows))
        for number, key, rule in marks.get(index, []):
            findings.append([os.path.relpath(path, root), g.cell_ref(table, KEYS, number, key), rule, "error"])
    g.write_truth(os.path.join(root, "expected-inspections.csv"), truths)
    g.write_findings(os.path.join(root, "expected-findings-inspections.csv"), findings)


if __name__ == "__main__":
    main()
