#!/usr/bin/env python3
"""Seeded generator of the sample district's 人力资源服务机构检查台账 (inspections of the job
agencies, labour dispatch firms and other human-resources service providers in each township:
licensed or not, annual report filed, problems found, ordered to correct, licence revoked),
one per township that sends its complaint ledger. Shapes: title rows, two header spellings, √
for yes, dates as text, every format.

Besides the workbooks it writes, under sample-data/<year>/:
- expected-agencies.csv: the true per-township figures, computed here while generating;
- expected-findings-agencies.csv: the mistakes it plants, at their cells.

usage: python3 sample-data/generate_agencies.py
Needs: pip install xlsxwriter xlwt odfpy
"""
import datetime as dt
import os
import random

import generate as g

YEAR = g.YEAR
KEYS = ["机构名称", "统一社会信用代码", "机构类型", "检查日期", "持证经营", "年度报告", "发现问题", "责令改正", "吊销许可"]
SPELLINGS = [
    {k: k for k in KEYS},
    {"机构名称": "单位名称", "统一社会信用代码": "信用代码", "机构类型": "类型", "检查日期": "检查时间",
     "持证经营": "是否持证", "年度报告": "报送年报", "发现问题": "存在问题", "责令改正": "责令整改",
     "吊销许可": "吊销许可证"},
]
TYPES = ["职业中介", "劳务派遣", "人力资源外包", "招聘网站"]
SHAPES = [
    {"fmt": "xlsx", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "yes": "√", "no": ""},
    {"fmt": "xls", "spelling": 0, "title_rows": 3},
    {"fmt": "ods", "spelling": 1},
    {"fmt": "csv-gbk", "spelling": 0, "date_text": "cn"},
    {"fmt": "xlsx", "spelling": 1},
    {"fmt": "xlsx", "spelling": 0, "date_text": "dot"},
    {"fmt": "csv-bom", "spelling": 1},
    {"fmt": "xls", "spelling": 0},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 1},
    {"fmt": "ods", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "date_text": "slash"},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 0},
    None,
]


def make_agencies(rnd, code, count):
    rows = []
    for i in range(count):
        problem = rnd.random() < 0.3
        rows.append({
            "机构名称": f"某某人力资源服务有限公司{code[-3:]}{i + 1:02d}", "统一社会信用代码": g.credit_code(rnd),
            "机构类型": rnd.choice(TYPES), "检查日期": dt.date(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(366)),
            "持证经营": rnd.random() < 0.9, "年度报告": rnd.random() < 0.8, "发现问题": problem,
            "责令改正": problem and rnd.random() < 0.7, "吊销许可": problem and rnd.random() < 0.05,
        })
    return rows


def cell_value(key, r, shape):
    v = r[key]
    if isinstance(v, bool):
        return shape.get("yes", "是") if v else shape.get("no", "否")
    if key == "检查日期":
        return g.date_cell(v, shape)
    return v


def table_rows(name, rows, shape):
    spelling = SPELLINGS[shape["spelling"]]
    out = []
    for t in range(shape.get("title_rows", 2)):
        out.append([f"{name}人力资源服务机构检查台账"] if t == 0 else [f"填报单位：{name}"] if t == 1 else [f"{YEAR}年"])
    out.append(["序号"] + [spelling[k] for k in KEYS])
    out += [[i + 1] + [cell_value(k, r, shape) for k in KEYS] for i, r in enumerate(rows)]
    return out


def truth(code, name, rows):
    used = [r for r in rows if not r.get("_excluded")]
    return {"code": code, "name": name, "checked": len(used),
            "licensed": sum(r["持证经营"] for r in used), "reported": sum(r["年度报告"] for r in used),
            "problems": sum(r["发现问题"] for r in used), "ordered": sum(r["责令改正"] for r in used),
            "revoked": sum(r["吊销许可"] for r in used)}


def main():
    rnd = random.Random(g.seed(20241237))
    root = os.path.join(g.HERE, str(YEAR))
    truths, findings = [], []
    for index, shape in enumerate(SHAPES):
        if shape is None:
            continue
        code, name, _ = g.ROSTER[index]
        rows = make_agencies(rnd, code, rnd.randint(4, 25))
        marks = []
        if index == 10:  # 石羊乡: 责令改正 where no problem was found
            r = next(r for r in rows if not r["发现问题"])
            r["责令改正"] = True
            r["_excluded"] = True
            marks.append((rows.index(r) + 1, "责令改正", "责令改正须有发现问题"))
        folder = g.township_folder(code, name, index)
        path = os.path.join(root, folder, f"人力资源服务机构检查台账.{g.EXTENSION[shape['fmt']]}")
        table = table_rows(name, rows, shape)
        g.write(path, shape["fmt"], "人力资源服务机构检查台账", table, None)
        truths.append(truth(code, name, rows))
        for number, key, rule in marks:
            findings.append([os.path.relpath(path, root), g.cell_ref(table, KEYS, number, key), rule, "error"])
    g.write_truth(os.path.join(root, "expected-agencies.csv"), truths)
    g.write_findings(os.path.join(root, "expected-findings-agencies.csv"), findings)


if __name__ == "__main__":
    main()
