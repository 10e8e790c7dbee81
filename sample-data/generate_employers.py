#!/usr/bin/env python3
"""Seeded generator of the sample district's 用人单位信息采集表 (employer registry by grid).

Each township that sends its complaint ledger also sends its registry of employers as at the
year's end, in the shapes townships really use: title rows, two spellings of the headers and
a two-row header with 劳动用工情况 merged over its four columns, a 合计 row, a 填表人 footer,
counts written as text (“56人”), √ for yes, every format (xlsx, xls, ods, GBK and UTF-8 csv).

Besides the workbooks it writes, under sample-data/<year>/:
- expected-employers.csv: the true per-township figures, computed here while generating;
- expected-findings-employers.csv: the mistakes it plants, at their cells.

The roster's 书面审查目标数 column (the yearly target of written reviews per township) is
written by generate.py, which owns roster.csv.

usage: python3 sample-data/generate_employers.py
Needs: pip install xlsxwriter xlwt odfpy
"""
import csv
import os
import random

import generate as g

YEAR = g.YEAR
UNIT_TYPES = ["企业"] * 14 + ["个体工商户"] * 4 + ["民办非企业单位", "机关事业单位", "其他"]
ECONOMIC_TYPES = ["私营"] * 8 + ["国有", "集体", "外商投资", "港澳台投资", "其他"]
INDUSTRIES = ["建筑业", "制造业", "住宿和餐饮业", "批发和零售业", "居民服务业", "信息技术服务业"]
GRADES = ["A"] * 3 + ["B"] * 16 + ["C"]
NAMES = ["建筑劳务", "餐饮管理", "物业服务", "电子科技", "商贸", "机械制造", "家政服务", "物流"]

KEYS = ["单位名称", "统一社会信用代码", "单位类型", "经济类型", "所属行业", "所属网格", "从业人数",
        "签订劳动合同人数", "参加社会保险人数", "农民工人数", "书面审查", "诚信等级"]
SPELLINGS = [
    {"单位名称": "单位名称", "统一社会信用代码": "统一社会信用代码", "单位类型": "单位类型",
     "经济类型": "经济类型", "所属行业": "所属行业", "所属网格": "所属网格", "从业人数": "从业人数",
     "签订劳动合同人数": "签订劳动合同人数", "参加社会保险人数": "参加社会保险人数",
     "农民工人数": "农民工人数", "书面审查": "年度书面审查", "诚信等级": "诚信等级"},
    {"单位名称": "用人单位名称", "统一社会信用代码": "社会信用代码", "单位类型": "单位性质",
     "经济类型": "经济性质", "所属行业": "行业", "所属网格": "网格", "从业人数": "职工人数",
     "签订劳动合同人数": "劳动合同签订人数", "参加社会保险人数": "参保人数",
     "农民工人数": "其中农民工", "书面审查": "是否完成书面审查", "诚信等级": "信用等级"},
]
# The four columns a two-row header puts under 劳动用工情况.
LABOUR = ["从业人数", "签订劳动合同人数", "参加社会保险人数", "农民工人数"]
GRADE_SPELLING = [{"A": "A", "B": "B", "C": "C"}, {"A": "A级", "B": "B级", "C": "C级"}]

# One shape per township, in roster order; None = sends nothing (as for the cases ledger).
SHAPES = [
    {"fmt": "xlsx", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "title_rows": 3},
    {"fmt": "xlsx", "spelling": 0, "two_row_header": True, "total_row": True},
    {"fmt": "xls", "spelling": 1, "footer": True, "yes": "√", "no": ""},
    {"fmt": "ods", "spelling": 0, "grades": 1},
    {"fmt": "csv-gbk", "spelling": 1, "count_unit": True},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 1, "yes": "已完成", "no": "未完成"},
    {"fmt": "csv-bom", "spelling": 0, "grades": 1},
    {"fmt": "xlsx", "spelling": 1, "two_row_header": True, "footer": True},
    {"fmt": "xls", "spelling": 0},
    {"fmt": "xlsx", "spelling": 1, "yes": "√", "no": "×", "total_row": True},
    {"fmt": "ods", "spelling": 1, "title_rows": 3, "footer": True},
    {"fmt": "xlsx", "spelling": 0, "fullwidth": True},
    None,
]


def make_employers(rnd, index, count):
    employers = []
    for i in range(count):
        workers = rnd.choice([3, 5, 8, 12, 20, 35, 50, 80, 120, 200, 450])
        workers += rnd.randrange(workers // 2 + 1)
        contracted = workers - rnd.choice([0, 0, 0, 1, 2, workers // 10])
        insured = workers - rnd.choice([0, 0, 1, 3, workers // 5, workers // 3])
        migrant = rnd.randrange(workers + 1) if rnd.random() < 0.6 else 0
        employers.append({
            "单位名称": f"某某{rnd.choice(NAMES)}有限公司{index:02d}{i + 1:03d}",
            "统一社会信用代码": g.credit_code(rnd),
            "单位类型": rnd.choice(UNIT_TYPES),
            "经济类型": rnd.choice(ECONOMIC_TYPES),
            "所属行业": rnd.choice(INDUSTRIES),
            "所属网格": f"第{rnd.randint(1, 12)}网格",
            "从业人数": workers,
            "签订劳动合同人数": contracted,
            "参加社会保险人数": insured,
            "农民工人数": migrant,
            "书面审查": rnd.random() < 0.7,
            "诚信等级": rnd.choice(GRADES),
        })
    return employers


def cell_value(key, e, shape):
    if key in e.get("_written", {}):
        return e["_written"][key]
    v = e[key]
    if key == "书面审查":
        return shape.get("yes", "是") if v else shape.get("no", "否")
    if key == "诚信等级":
        return GRADE_SPELLING[shape.get("grades", 0)][v]
    if key in LABOUR:
        if shape.get("fullwidth"):
            return str(v).translate(g.FULLWIDTH)
        return f"{v}人" if shape.get("count_unit") else v
    return v


def table_rows(name, employers, shape):
    spelling = SPELLINGS[shape["spelling"]]
    rows = []
    for t in range(shape.get("title_rows", 2)):
        if t == 0:
            rows.append([f"{name}用人单位基本信息采集表（{YEAR}年12月31日）"])
        elif t == 1:
            rows.append([f"填报单位：{name}劳动保障所"] + [""] * 9 + ["单位：户、人"])
        else:
            rows.append([f"采集时点：{YEAR}年12月31日"])
    merged = None
    if shape.get("two_row_header"):
        top, bottom = ["序号"], [""]
        for k in KEYS:
            if k in LABOUR:
                top.append("劳动用工情况")
                bottom.append(spelling[k])
            else:
                top.append(spelling[k])
                bottom.append("")
        rows += [top, bottom]
        merged = len(rows) - 2
    else:
        rows.append(["序号"] + [spelling[k] for k in KEYS])
    rows += [[i + 1] + [cell_value(k, e, shape) for k in KEYS] for i, e in enumerate(employers)]
    if shape.get("total_row"):
        rows.append(["合计"] + [sum(e[k] for e in employers) if k in LABOUR else "" for k in KEYS])
    if shape.get("footer"):
        rows.append([])
        rows.append(["填表人：张丽", "", "", "审核人：刘强", "", "", f"报出日期：{YEAR + 1}年1月8日"])
    return rows, merged


def truth(code, name, employers):
    used = [e for e in employers if not e.get("_excluded")]
    return {
        "code": code, "name": name, "units": len(used),
        "enterprises": sum(e["单位类型"] == "企业" for e in used),
        "employees": sum(e["从业人数"] for e in used),
        "contracted": sum(e["签订劳动合同人数"] for e in used),
        "insured": sum(e["参加社会保险人数"] for e in used),
        "migrant": sum(e["农民工人数"] for e in used),
        "reviewed": sum(e["书面审查"] for e in used),
        "grade_a": sum(e["诚信等级"] == "A" for e in used),
        "grade_b": sum(e["诚信等级"] == "B" for e in used),
        "grade_c": sum(e["诚信等级"] == "C" for e in used),
        # Per 单位类型, for the distribution table.
        **{f"units_{t}": sum(e["单位类型"] == t for e in used) for t in sorted(set(UNIT_TYPES))},
        **{f"employees_{t}": sum(e["从业人数"] for e in used if e["单位类型"] == t) for t in sorted(set(UNIT_TYPES))},
    }


def plant_mistakes(registries):
    """The mistakes townships make in a registry, each recorded: {index: [(序号, column, rule)]}."""
    marks = {}
    def mark(index, number, key, rule):
        marks.setdefault(index, []).append((number, key, rule))
    # 锦华街道: more contracts signed than the unit employs.
    e = registries[0][7]
    e["签订劳动合同人数"] = e["从业人数"] + 5
    e["_excluded"] = True
    mark(0, 8, "签订劳动合同人数", "签订人数不超过从业人数")
    # 新城街道 and 华阳镇 both list one employer (same credit code): counted twice otherwise.
    a, b = registries[2][12], registries[6][3]
    b["统一社会信用代码"] = a["统一社会信用代码"]
    a["_excluded"] = b["_excluded"] = True
    mark(2, 13, "统一社会信用代码", "信用代码不重复")
    mark(6, 4, "统一社会信用代码", "信用代码不重复")
    # 永安镇: 从业人数 written as words.
    c = registries[9][20]
    c["_written"] = {"从业人数": "约五十人"}
    c["_excluded"] = True
    mark(9, 21, "从业人数", "type")
    return marks


def main():
    rnd = random.Random(g.seed(20241232))
    root = os.path.join(g.HERE, str(YEAR))
    registries = {}
    for index, shape in enumerate(SHAPES):
        if shape is not None:
            registries[index] = make_employers(rnd, index, rnd.randint(40, 160))
    marks = plant_mistakes(registries)
    truths, findings = [], []
    for index, employers in registries.items():
        code, name, _ = g.ROSTER[index]
        shape = SHAPES[index]
        rows, merged = table_rows(name, employers, shape)
        folder = g.township_folder(code, name, index)
        path = os.path.join(root, folder, f"用人单位信息采集表.{g.EXTENSION[shape['fmt']]}")
        g.write(path, shape["fmt"], "用人单位信息采集表", rows, merged)
        truths.append(truth(code, name, employers))
        for number, key, rule in marks.get(index, []):
            cell = g.cell_ref(rows, KEYS, number, key)
            findings.append([os.path.relpath(path, root), cell, rule, "error"])
    g.write_truth(os.path.join(root, "expected-employers.csv"), truths)
    g.write_findings(os.path.join(root, "expected-findings-employers.csv"), findings)


if __name__ == "__main__":
    main()
