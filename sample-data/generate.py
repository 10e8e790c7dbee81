#!/usr/bin/env python3
"""Seeded generator of laborstat's sample district (and of the test fixtures).

A fictional district (code 510199) with 14 streets/townships. For 2024 each one's
投诉举报案件台账 is written in the shape townships really send: different title rows, header
spellings and column orders, a two-row merged header, a 合计 row, a 填表人 footer, numbers and
dates written as text, and the formats xlsx, xls, ods, GBK csv and UTF-8-BOM csv. One
township sends nothing (未报送).

Besides the workbooks it writes expected.csv: the true per-township figures computed here,
while generating, so tests can check laborstat against numbers it did not compute.

usage:
  python3 sample-data/generate.py                 # sample-data/roster.csv + sample-data/2024/
  SAMPLE_YEAR=2023 python3 sample-data/generate.py  # the year before: sample-data/2023/
  python3 sample-data/generate.py --formats DIR   # one township in xlsx/xls/ods/csv under DIR

SAMPLE_YEAR is read by every generate_*.py (through YEAR here); each year draws from seeds
of its own, 2024's as they always were.

Needs: pip install xlsxwriter xlwt odfpy
"""
import csv
import datetime as dt
import os
import random
import sys

import xlsxwriter
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

HERE = os.path.dirname(os.path.abspath(__file__))
# The year the ledgers are of: 2024, or the year before for the store's 上年 (SAMPLE_YEAR).
YEAR = int(os.environ.get("SAMPLE_YEAR", "2024"))


def seed(base):
    """A generator's seed for YEAR: `base` for 2024, another per year before it."""
    return base + (2024 - YEAR) * 7919
ON_TIME_WORKING_DAYS = 60  # 按期结案: within 60 working days of 受理, on calendar.csv
# The day the townships export their ledgers for the year-end compilation.
EXPORTED = dt.date(YEAR + 1, 1, 15)

ROSTER = [
    ("510199001", "锦华街道", "街道"), ("510199002", "东湖街道", "街道"),
    ("510199003", "新城街道", "街道"), ("510199004", "桂林街道", "街道"),
    ("510199005", "双楠街道", "街道"), ("510199006", "红牌楼街道", "街道"),
    ("510199101", "华阳镇", "镇"), ("510199102", "中和镇", "镇"),
    ("510199103", "新桥镇", "镇"), ("510199104", "永安镇", "镇"),
    ("510199201", "石羊乡", "乡"), ("510199202", "白沙乡", "乡"),
    ("510199401", "高新产业园区", "园区"), ("510199402", "天府科技园区", "园区"),
]

# Each township's yearly target of 书面审查 (written reviews of employers), kept in the roster
# (the pipeline's roster constant review_target); generate_employers.py writes the reviews.
REVIEW_TARGETS = [60, 90, 70, 80, 50, 40, 60, 55, 90, 75, 30, 45, 70, 20]

SOURCES = ["来访", "电话", "信函", "12345", "全国根治欠薪线索反映平台", "网络"]
KINDS = ["拖欠工资", "劳动合同", "社会保险", "工时休假", "女职工保护", "其他"]
HANDLING = ["调解", "责令改正", "行政处理", "行政处罚", "移送仲裁"]
# 处理方式 as the second spelling of ledgers writes it (the pipeline's enum aliases).
HANDLING_SPELLING = {"责令改正": "责令整改", "移送公安": "移送公安机关", "行政处罚": "处罚"}
EXTENDED_WORKING_DAYS = 90  # 按期 for a case whose 办案期限 was extended (延期): 60 + 30
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(rnd):
    """A 统一社会信用代码 with a valid organisation-code and check digit."""
    org = [rnd.randrange(10) for _ in range(8)]
    c = 11 - sum(d * w for d, w in zip(org, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    org_check = "X" if c == 10 else ("0" if c == 11 else str(c))
    body = "91510199" + "".join(map(str, org)) + org_check
    total = sum(CHARS.index(ch) * w for ch, w in zip(body, W))
    return body + CHARS[(31 - total % 31) % 31]


def make_cases(rnd, code, count):
    cases = []
    for i in range(count):
        accepted = dt.date(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(366))
        closed = rnd.random() < 0.9
        close_date = accepted + dt.timedelta(days=rnd.randint(3, 120)) if closed else None
        # The ledger is exported on EXPORTED: a case closed after it is still open in it;
        # one closed in January before it is closed, in the next year (not this year's 结案).
        # The random draws below stay the same either way, so no other cell moves.
        open_at_export = close_date is not None and close_date > EXPORTED
        workers = rnd.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12, 25, 40])
        amount = rnd.randint(200, 80_000) * workers * 100 + rnd.randint(0, 99)  # fen
        wages = amount * rnd.randint(60, 100) // 100 if closed else 0
        other = rnd.randint(0, 2000) * 100 + rnd.randint(0, 99) if closed and rnd.random() < 0.3 else 0
        cases.append({
            "案件编号": f"{code}-{YEAR}-{i + 1:04d}",
            "案件来源": rnd.choice(SOURCES),
            "受理日期": accepted,
            "被投诉单位": f"{rnd.choice(['某某建筑劳务', '某某餐饮管理', '某某物业服务', '某某电子科技'])}有限公司{rnd.randrange(300)}",
            "统一社会信用代码": credit_code(rnd),
            "诉求类别": rnd.choice(KINDS),
            "涉及人数": workers,
            "是否农民工": rnd.random() < 0.45,
            "涉及金额": amount,
            "追发工资": wages,
            "追发其他待遇": other,
            "处理方式": rnd.choice(HANDLING) if closed else "",
            "是否立案": rnd.random() < 0.3,
            "办理状态": "已结案" if closed else "办理中",
            "结案日期": close_date,
        })
        if open_at_export:
            cases[-1].update({"追发工资": 0, "追发其他待遇": 0, "处理方式": "", "办理状态": "办理中",
                              "结案日期": None})
    return cases


def add_decisions(rnd, cases):
    """What the case ledgers also keep, drawn with a generator of their own so that the cells
    above stay as they were: 移送公安 (a refusal to pay, 拒不支付劳动报酬罪, handed to the
    police), the fine of a 行政处罚, and 是否延期 (the 办案期限 extended by 30 working days —
    mostly on the cases that needed it)."""
    for c in cases:
        c["罚款金额"] = 0
        c["是否延期"] = False
        if c["办理状态"] == "已结案" and rnd.random() < 0.03:
            c["处理方式"] = "移送公安"
        if c["处理方式"] == "行政处罚":
            c["罚款金额"] = rnd.randint(20, 500) * 100_00
        if c["办理状态"] == "已结案":
            days = working_days(c["受理日期"], c["结案日期"])
            c["是否延期"] = days > ON_TIME_WORKING_DAYS and rnd.random() < 0.6 or rnd.random() < 0.02
        else:
            c["是否延期"] = rnd.random() < 0.1


def carried_cases(rnd, code, count):
    """Cases accepted in the autumn of last year and not closed by its end: they stay in this
    year's ledger (上期未结), most of them closed this year. Numbered by last year."""
    last = YEAR - 1
    cases = []
    for i in range(count):
        accepted = dt.date(last, 9, 1) + dt.timedelta(days=rnd.randrange(122))
        close_date = dt.date(YEAR, 1, 2) + dt.timedelta(days=rnd.randrange(150)) if rnd.random() < 0.85 else None
        closed = close_date is not None
        workers = rnd.choice([1, 1, 2, 3, 5, 8, 15])
        amount = rnd.randint(500, 60_000) * workers * 100
        cases.append({
            "案件编号": f"{code}-{last}-{900 + i:04d}", "案件来源": rnd.choice(SOURCES), "受理日期": accepted,
            "被投诉单位": f"某某装饰工程有限公司{rnd.randrange(100)}", "统一社会信用代码": credit_code(rnd),
            "诉求类别": "拖欠工资", "涉及人数": workers, "是否农民工": True, "涉及金额": amount,
            "追发工资": amount * 9 // 10 if closed else 0, "追发其他待遇": 0,
            "处理方式": rnd.choice(HANDLING) if closed else "", "是否立案": rnd.random() < 0.5,
            "办理状态": "已结案" if closed else "办理中", "结案日期": close_date,
        })
    return cases


def closed_last_year(rnd, code, count):
    """Cases of last year closed in it: a ledger kept as one running list holds them too,
    and they are none of this year's figures."""
    last = YEAR - 1
    cases = []
    for i in range(count):
        accepted = dt.date(last, 1, 5) + dt.timedelta(days=rnd.randrange(300))
        close_date = accepted + dt.timedelta(days=rnd.randint(5, 40))
        amount = rnd.randint(500, 30_000) * 100
        cases.append({
            "案件编号": f"{code}-{last}-{i + 1:04d}", "案件来源": rnd.choice(SOURCES), "受理日期": accepted,
            "被投诉单位": f"某某商贸有限公司{rnd.randrange(100)}", "统一社会信用代码": credit_code(rnd),
            "诉求类别": rnd.choice(KINDS), "涉及人数": 1, "是否农民工": False, "涉及金额": amount,
            "追发工资": amount, "追发其他待遇": 0, "处理方式": "调解", "是否立案": False,
            "办理状态": "已结案", "结案日期": close_date,
        })
    return cases


def load_calendar():
    """calendar.csv: {date: '休' or '班'} — 法定节假日 and the weekend days worked instead."""
    with open(os.path.join(HERE, "calendar.csv"), encoding="utf-8") as f:
        return {dt.date.fromisoformat(r["date"]): r["type"] for r in csv.DictReader(f)}


CALENDAR = load_calendar()


def working_days(start, end):
    """Working days after `start` up to `end`: Monday to Friday, less holidays, plus 调休."""
    days, day = 0, start + dt.timedelta(days=1)
    while day <= end:
        kind = CALENDAR.get(day)
        if kind == "班" or (kind != "休" and day.weekday() < 5):
            days += 1
        day += dt.timedelta(days=1)
    return days


def truth(code, name, cases, kept=None):
    """The figures of one ledger. `kept`: the columns its file has (None: all); a column left
    out reads as empty, so a 处理方式 the file does not keep counts nowhere and no case of a
    ledger without 是否延期 was extended."""
    # Rows that break an error rule are excluded from every figure.
    rows = [c for c in cases if not c.get("_excluded")]
    has = (lambda key: True) if kept is None else (lambda key: key in kept)
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    # Each figure is dated by its own event: 结案 and 追发 by 结案日期 (a case accepted in
    # December and closed in January is next year's 结案), the others by 受理日期.
    cases = [c for c in rows if start <= c["受理日期"] <= end]
    closed = [c for c in rows if c["办理状态"] == "已结案" and start <= c["结案日期"] <= end]

    def limit(c):
        extended = has("是否延期") and c.get("是否延期")
        return EXTENDED_WORKING_DAYS if extended else ON_TIME_WORKING_DAYS
    on_time = [c for c in closed if working_days(c["受理日期"], c["结案日期"]) <= limit(c)]
    groups = [c for c in cases if c["涉及人数"] >= 5]
    open_at = lambda day: [c for c in rows if c["受理日期"] <= day and (c["结案日期"] is None or c["结案日期"] > day)]

    def handled(way):
        return [c for c in closed if has("处理方式") and c["处理方式"] == way]
    return {
        "code": code, "name": name, "accepted": len(cases),
        "filed": sum(c["是否立案"] for c in cases), "closed": len(closed), "on_time": len(on_time),
        "workers": sum(c["涉及人数"] for c in cases), "group_cases": len(groups),
        "group_workers": sum(c["涉及人数"] for c in groups),
        "amount_fen": sum(c["涉及金额"] for c in cases),
        "recovered_fen": sum(c["追发工资"] + c["追发其他待遇"] for c in closed),
        # What the used rows hold whatever their dates (数据来源's money of used rows): a
        # case closed in January has its 追发 in its row but not in this year's figure.
        "rows_recovered_fen": sum(c["追发工资"] + c["追发其他待遇"] for c in rows),
        "rows_amount_fen": sum(c["涉及金额"] for c in rows),
        # Rows used, whatever their dates: last year's cases too.
        "rows_used": len(rows),
        "carried": len(open_at(start - dt.timedelta(days=1))), "open_at_end": len(open_at(end)),
        "corrections": len(handled("责令改正")), "penalties": len(handled("行政处罚")),
        "fines_fen": sum(c.get("罚款金额", 0) for c in handled("行政处罚")) if has("罚款金额") else 0,
        "police": len(handled("移送公安")),
    }


# How each township writes its ledger: header spellings (None = column left out), order, shape.
SPELLINGS = [
    {"案件编号": "案件编号", "案件来源": "案件来源", "受理日期": "受理日期", "被投诉单位": "被投诉单位",
     "统一社会信用代码": "统一社会信用代码", "诉求类别": "诉求类别", "涉及人数": "涉及劳动者人数",
     "是否农民工": "是否农民工", "涉及金额": "涉及金额(元)", "追发工资": "追发工资(元)",
     "追发其他待遇": "追发其他待遇(元)", "处理方式": "处理方式", "罚款金额": "罚款金额(元)",
     "是否立案": "是否立案", "办理状态": "办理状态", "结案日期": "结案日期", "是否延期": "是否延期"},
    {"案件编号": "编号", "案件来源": "来源", "受理日期": "受理时间", "被投诉单位": "被投诉单位名称",
     "统一社会信用代码": "信用代码", "诉求类别": "投诉事项", "涉及人数": "涉及人数（人）",
     "是否农民工": "农民工", "涉及金额": "涉及金额（元）", "追发工资": "追讨工资（元）",
     "追发其他待遇": "其他待遇（元）", "处理方式": "处理结果", "罚款金额": "罚款（元）", "是否立案": "立案",
     "办理状态": "案件状态", "结案日期": "办结日期", "是否延期": "延期"},
    {"案件编号": "案号", "案件来源": "案件来源", "受理日期": "受理 日期", "被投诉单位": "用人单位",
     "统一社会信用代码": "统一社会信用代码", "诉求类别": "诉求类别", "涉及人数": "人数",
     "是否农民工": None, "涉及金额": "金额/元", "追发工资": "追发工资", "追发其他待遇": "追发其他待遇",
     "处理方式": None, "罚款金额": None, "是否立案": "是否立案", "办理状态": "状态", "结案日期": "结案时间",
     "是否延期": None},
]

STATUS_SPELLING = [{"已结案": "已结案", "办理中": "办理中"}, {"已结案": "结案", "办理中": "在办"},
                   {"已结案": "办结", "办理中": "办理中"}]


def fmt_money_text(fen, style):
    yuan = fen / 100
    if style == "thousands":
        return f"{yuan:,.2f}"
    if style == "wan" and fen % 100_000 == 0 and fen >= 1_000_000:
        return f"{fen / 1_000_000:g}万"
    return f"{yuan:.2f}"


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def cell_value(key, case, shape):
    if key in case.get("_written", {}):
        return case["_written"][key]
    v = case.get(key, {"是否延期": False, "罚款金额": 0}.get(key))
    status = STATUS_SPELLING[shape["spelling"]]
    if key == "办理状态":
        return status[v]
    if key in ("是否农民工", "是否立案", "是否延期"):
        return shape.get("yes", "是") if v else shape.get("no", "否")
    if key == "处理方式" and shape["spelling"] == 1:
        return HANDLING_SPELLING.get(v, v)
    if key == "罚款金额":
        return v / 100 if v else ""
    if key in ("涉及金额", "追发工资", "追发其他待遇"):
        if shape.get("money_text"):
            return fmt_money_text(v, shape["money_text"])
        return v / 100
    if key == "涉及人数":
        if shape.get("fullwidth"):
            return str(v).translate(FULLWIDTH)
        return f"{v}人" if shape.get("count_unit") else v
    if key in ("受理日期", "结案日期"):
        return date_cell(v, shape)
    return v


def date_cell(v, shape):
    """A date as the shape writes it: a date cell, or text (`2024年3月5日`, `2024.03.05`,
    `2024/03/05`); empty for none. Shared by every ledger's generator."""
    if v is None:
        return ""
    style = shape.get("date_text")
    if style == "cn":
        return f"{v.year}年{v.month}月{v.day}日"
    if style == "dot":
        return v.strftime("%Y.%m.%d")
    if style == "slash":
        return v.strftime("%Y/%m/%d")
    return v


def table_rows(name, cases, shape):
    """The sheet as a list of rows of plain values (dates as date objects)."""
    spelling = SPELLINGS[shape["spelling"]]
    keys = [k for k in shape.get("order", list(spelling)) if spelling.get(k)]
    rows = []
    for t in range(shape.get("title_rows", 2)):
        if t == 0:
            rows.append([f"{name}{YEAR}年投诉举报案件台账"])
        elif t == 1:
            rows.append([f"填报单位：{name}劳动保障所"] + [""] * (len(keys) - 3) + ["计量单位：元、人"])
        else:
            rows.append([f"报告期：{YEAR}年1月1日至12月31日"])
    merged = None
    if shape.get("two_row_header"):
        top, bottom = ["序号"], [""]
        for k in keys:
            label = spelling[k]
            if k in ("追发工资", "追发其他待遇"):
                top.append("处理结果")
                bottom.append(label.replace("(元)", "").replace("（元）", ""))
            elif k == "涉及金额":
                top.append("涉及金额")
                bottom.append("元")
            else:
                top.append(label)
                bottom.append("")
        rows.append(top)
        rows.append(bottom)
        merged = len(rows) - 2
    else:
        rows.append(["序号"] + [spelling[k] for k in keys])
    body = [[i + 1] + [cell_value(k, c, shape) for k in keys] for i, c in enumerate(cases)]
    if shape.get("total_row") == "top":
        rows.append(total_row(keys, cases, shape.get("tamper_total", 0)))
    rows.extend(body)
    if shape.get("blank_rows"):
        rows.insert(len(rows) - len(body) // 2, [""] * (len(keys) + 1))
    if shape.get("total_row") == "bottom":
        rows.append(total_row(keys, cases, shape.get("tamper_total", 0)))
    if shape.get("footer"):
        rows.append([])
        rows.append(["备注：本表由街道劳动保障所填报"])
        rows.append(["填表人：李明", "", "", "审核人：王芳", "", "", "联系电话：028-85550000", "", "", f"报出日期：{YEAR + 1}年1月10日"])
    return rows, keys, merged


def total_row(keys, cases, tamper_fen=0):
    row = ["合计"]
    for k in keys:
        if k in ("涉及金额", "追发工资", "追发其他待遇"):
            row.append((sum(c[k] for c in cases) + (tamper_fen if k == "追发工资" else 0)) / 100)
        elif k == "涉及人数":
            row.append(sum(c[k] for c in cases))
        else:
            row.append("")
    return row


def write_xlsx(path, sheet, rows, merged, summary=None):
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": dt.datetime(YEAR + 1, 1, 10)})  # byte-identical on regeneration
    ws = wb.add_worksheet(sheet)
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), datef)
            elif v != "":
                ws.write(r, c, v)
    if merged is not None:
        top, bottom = rows[merged], rows[merged + 1]
        c = 0
        while c < len(top):
            end = c
            while end + 1 < len(top) and top[end + 1] == top[c] and bottom[c]:
                end += 1
            if end > c:
                ws.merge_range(merged, c, merged, end, top[c])
            elif not bottom[c]:
                ws.merge_range(merged, c, merged + 1, c, top[c])
            c = end + 1
    if summary is not None:
        summary_sheet = wb.add_worksheet("汇总表")
        for r, row in enumerate(summary):
            for c, v in enumerate(row):
                if v != "":
                    summary_sheet.write(r, c, v)
    wb.close()


def write_xls(path, sheet, rows):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    datef = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write(r, c, dt.datetime.combine(v, dt.time()), datef)
            elif v != "":
                ws.write(r, c, v)
    wb.save(path)


def write_ods(path, sheet, rows):
    doc = OpenDocumentSpreadsheet()
    table = Table(name=sheet)
    for row in rows:
        tr = TableRow()
        for v in row:
            if isinstance(v, dt.date):
                cell = TableCell(valuetype="date", datevalue=v.isoformat())
                cell.addElement(P(text=v.isoformat()))
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cell = TableCell(valuetype="float", value=v)
                cell.addElement(P(text=str(v)))
            elif v != "":
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(v)))
            else:
                cell = TableCell()
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(path)


def write_csv(path, rows, encoding):
    def text(v):
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float):
            return f"{v:.2f}"
        return str(v)
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows([[text(v) for v in row] for row in rows])


def write(path, fmt, sheet, rows, merged, summary=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(path, sheet, rows, merged, summary)
    elif fmt == "xls":
        write_xls(path, sheet, rows)
    elif fmt == "ods":
        write_ods(path, sheet, rows)
    elif fmt == "csv-gbk":
        write_csv(path, rows, "gbk")
    elif fmt == "csv-bom":
        write_csv(path, rows, "utf-8-sig")


EXTENSION = {"xlsx": "xlsx", "xls": "xls", "ods": "ods", "csv-gbk": "csv", "csv-bom": "csv"}

# One shape per township, in roster order; None = sends nothing.
SHAPES = [
    {"fmt": "xlsx", "spelling": 0, "history": True},
    {"fmt": "xlsx", "spelling": 1, "title_rows": 3, "order": ["案件编号", "受理日期", "被投诉单位", "办理状态", "结案日期", "涉及人数", "涉及金额", "追发工资", "追发其他待遇", "案件来源", "诉求类别", "统一社会信用代码", "处理方式", "罚款金额", "是否立案", "是否农民工", "是否延期"]},
    {"fmt": "xlsx", "spelling": 0, "two_row_header": True},
    {"fmt": "xlsx", "spelling": 2, "total_row": "bottom", "footer": True, "yes": "√", "no": ""},
    {"fmt": "xls", "spelling": 1},
    {"fmt": "ods", "spelling": 0, "title_rows": 1},
    {"fmt": "csv-gbk", "spelling": 1, "money_text": "thousands", "date_text": "cn", "history": True},
    {"fmt": "xlsx", "spelling": 0, "title_rows": 0, "money_text": "wan", "date_text": "dot", "count_unit": True, "summary": "name"},
    {"fmt": "csv-bom", "spelling": 2, "date_text": "slash", "fullwidth": True},
    {"fmt": "xlsx", "spelling": 1, "total_row": "top", "blank_rows": True},
    {"fmt": "xls", "spelling": 0, "title_rows": 3, "footer": True},
    {"fmt": "xlsx", "spelling": 2, "two_row_header": True, "title_rows": 1, "yes": "√", "no": "×", "summary": "合计"},
    {"fmt": "ods", "spelling": 1, "total_row": "bottom"},
    None,
]


def file_path(root, code, name, fmt, index):
    ext = EXTENSION[fmt]
    folder = township_folder(code, name, index)
    return os.path.join(root, folder, f"投诉举报案件台账.{ext}")


def main_sample():
    rnd = random.Random(seed(20241231))
    with open(os.path.join(HERE, "roster.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "kind", "书面审查目标数"])
        w.writerows([entry + (target,) for entry, target in zip(ROSTER, REVIEW_TARGETS)])
        root = os.path.join(HERE, str(YEAR))
    ledgers = {}
    for index, ((code, name, _), shape) in enumerate(zip(ROSTER, SHAPES)):
        if shape is not None:
            ledgers[index] = make_cases(rnd, code, rnd.randint(50, 500))
    marks = add_mistakes(ledgers)
    for index, cases in ledgers.items():
        # Last year's cases still open at its end follow this year's (上期未结); a ledger kept
        # as one running list ("history") also holds last year's closed ones. A generator of
        # their own, so this year's cases stay as they were.
        code = ROSTER[index][0]
        extra = random.Random(seed(7000 + index))
        add_decisions(extra, cases)
        carried = carried_cases(extra, code, extra.randint(3, 25))
        add_decisions(extra, carried)
        cases.extend(carried)
        if SHAPES[index].get("history"):
            cases.extend(closed_last_year(extra, code, extra.randint(10, 40)))
    truths, findings = [], []
    for index, cases in ledgers.items():
        code, name, _ = ROSTER[index]
        shape = SHAPES[index]
        rows, keys, merged = table_rows(name, cases, shape)
        path = file_path(root, code, name, shape["fmt"], index)
        t = truth(code, name, cases, set(keys))
        if "处理方式" not in keys:
            # A ledger without 处理方式 (and so without 罚款金额 or 是否延期): the pipeline's
            # figures that need them are short for it, and it is told so (缺少列).
            findings.append([os.path.relpath(path, root), "", "缺少列", "warning"])
        summary = None
        if "summary" in shape:
            summary = summary_rows(name, t, shape)
        write(path, shape["fmt"], "投诉举报案件台账", rows, merged, summary)
        truths.append(t)
        for (where, key, rule, severity) in marks.get(index, []):
            if rule == "汇总表核对":
                findings.append([os.path.relpath(path, root), summary_cell(key), rule, severity])
                continue
            findings.append([os.path.relpath(path, root), cell_ref(rows, keys, where, key), rule, severity])
    write_truth(os.path.join(root, "expected.csv"), truths)
    with open(os.path.join(root, "expected-findings.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "cell", "rule", "severity"])
        w.writerows(sorted(findings))


def add_mistakes(ledgers):
    """The mistakes townships really make, one of each kind, recorded for the tests:
    {township index: [(case number or "合计", column, rule, severity)]}."""
    marks = {}
    def mark(index, where, key, rule, severity):
        marks.setdefault(index, []).append((where, key, rule, severity))
    # 锦华街道: a credit code with a wrong check digit (kept), and "一百" written as a count.
    a = ledgers[0][10]
    a["统一社会信用代码"] = a["统一社会信用代码"][:-1] + ("0" if a["统一社会信用代码"][-1] != "0" else "1")
    mark(0, 11, "统一社会信用代码", "信用代码校验", "warning")
    b = ledgers[0][20]
    b["_written"] = {"涉及人数": "一百"}
    b["_excluded"] = True
    mark(0, 21, "涉及人数", "type", "error")
    # 东湖街道: a case closed before it was accepted.
    c = next(c for c in ledgers[1][5:] if c["办理状态"] == "已结案")
    c["结案日期"] = c["受理日期"] - dt.timedelta(days=3)
    c["_excluded"] = True
    mark(1, ledgers[1].index(c) + 1, "结案日期", "结案日期不早于受理日期", "error")
    # 新城街道 and 永安镇 report the same case number.
    d, e = ledgers[2][30], ledgers[9][40]
    d["案件编号"] = e["案件编号"]
    d["_excluded"] = e["_excluded"] = True
    mark(2, 31, "案件编号", "案件编号唯一", "error")
    mark(9, 41, "案件编号", "案件编号唯一", "error")
    # 桂林街道: its 合计 row overstates 追发工资 by 100 元.
    SHAPES[3]["tamper_total"] = 10_000
    mark(3, "合计", "追发工资", "合计核对", "error")
    # 白沙乡's own 汇总表 says two more cases were closed than its ledger shows.
    SHAPES[11]["summary_error"] = {"结案数": 2}
    mark(11, "合计", "结案数", "汇总表核对", "error")
    return marks


SUMMARY_COLUMNS = ["受理案件数", "结案数", "涉及劳动者人数", "追发工资等待遇(元)"]


def summary_rows(name, t, shape):
    """A township's own 汇总表 sheet: title, 填报单位, header, one row of totals (labelled with
    its name or with 合计), a 填表人 footer. `summary_error` is added to the named figure."""
    figures = {
        "受理案件数": t["accepted"],
        "结案数": t["closed"],
        "涉及劳动者人数": t["workers"],
        "追发工资等待遇(元)": round(t["recovered_fen"] / 100, 2),
    }
    for key, delta in shape.get("summary_error", {}).items():
        figures[key] += delta
    label = name if shape["summary"] == "name" else "合计"
    return [
        [f"{YEAR}年投诉举报案件办理情况汇总表"],
        [f"填报单位：{name}", "", "", f"报告期：{YEAR}年"],
        ["单位"] + SUMMARY_COLUMNS,
        [label] + [figures[k] for k in SUMMARY_COLUMNS],
        [],
        ["填表人：王芳", "", "审核人：李强"],
    ]


def summary_cell(key):
    """A1 reference of a figure in the single data row (row 4) of summary_rows."""
    return f"{letters(1 + SUMMARY_COLUMNS.index(key))}4"


def letters(col):
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(rows, keys, where, key):
    """A1 reference of case number `where` (its 序号) or of the 合计 row, in column `key`."""
    col = 1 + keys.index(key)
    for r, row in enumerate(rows):
        if row and (row[0] == where) and r > 0:
            return f"{letters(col)}{r + 1}"
    raise ValueError(f"row {where} not found")


def township_folder(code, name, index):
    """Most townships file under <code>-<name>/; every fourth under its name only, as received."""
    return f"{code}-{name}" if index % 4 != 3 else name


def write_findings(path, findings):
    """expected-findings*.csv: each planted mistake's file, cell, rule and severity."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "cell", "rule", "severity"])
        w.writerows(sorted(findings))


def write_truth(path, truths):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(truths[0]))
        w.writeheader()
        w.writerows(truths)


def main_formats(root):
    """The same township's ledger in every format, for the format-equivalence test."""
    rnd = random.Random(7)
    code, name, _ = ROSTER[0]
    cases = make_cases(rnd, code, 120)
    add_decisions(random.Random(8), cases)
    for fmt in ["xlsx", "xls", "ods", "csv-gbk"]:
        shape = {"fmt": fmt, "spelling": 0, "total_row": "bottom", "footer": True}
        rows, _, merged = table_rows(name, cases, shape)
        write(os.path.join(root, fmt, f"{code}-{name}", f"投诉举报案件台账.{EXTENSION[fmt]}"), fmt, "投诉举报案件台账", rows, merged)
    write_truth(os.path.join(root, "expected.csv"), [truth(code, name, cases)])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--formats":
        main_formats(sys.argv[2])
    else:
        main_sample()
