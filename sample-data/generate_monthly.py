#!/usr/bin/env python3
"""Seeded generator of the monthly wage-payment sample (pipelines/monthly-wages.toml).

The same fictional district as generate.py. For every month of 2023 and 2024 each township
sends one workbook, 工资支付月报, with three sheets in the shapes townships send:

- 在建工程项目: a periodic submission — each project's state at the month's end (状态 and the
  six systems 实名制, 工资专用账户, 工资保证金, 按月足额支付, 总包代发, 维权信息告示牌, 是/否;
  工资保证金 as 已存储/免缴/缓缴/未存储, spelt two ways);
  projects start and finish, and a system is sometimes lost.
- 欠薪案件: a cumulative ledger — every case accepted since 2023-01, as known at the month's
  end (a case closed later is still 办理中 in earlier months' files).
- 欠薪线索 (全国根治欠薪线索): the same, for leads, 办结 within 15 days being 按期.
- 工资保证金: every 存储, 动用 and 返还 of the projects' wage deposits so far (a cumulative ledger).

Header spellings, title rows and column order vary by township; two send .xls.

Besides the workbooks it writes monthly-expected.csv: the true figures per month and
township, computed here while generating (as reported that month), and
monthly-lost-systems.csv: the projects that lost a system since the month before.

usage: python3 sample-data/generate_monthly.py        # sample-data/monthly/
Needs: pip install xlsxwriter xlwt
"""
import csv
import datetime as dt
import os
import random
import shutil

import xlsxwriter
import xlwt

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "monthly")
ROSTER = [tuple(r.values())[:2] for r in csv.DictReader(open(os.path.join(HERE, "roster.csv"), encoding="utf-8"))]
MONTHS = [(y, m) for y in (2023, 2024) for m in range(1, 13)]
SYSTEMS = ["实名制", "工资专用账户", "工资保证金", "按月足额支付", "总包代发", "维权信息告示牌"]
ON_TIME_DAYS = 15
XLS_TOWNSHIPS = {"510199104", "510199202"}


def month_end(y, m):
    return dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def month_start(y, m):
    return dt.date(y, m, 1)


def day_in(rnd, y, m):
    return month_start(y, m) + dt.timedelta(days=rnd.randrange(month_end(y, m).day))


class Township:
    def __init__(self, code, name, k):
        self.code, self.name, self.k = code, name, k
        self.rnd = random.Random(1000 + k)
        self.size = 1 + k % 4  # 1..4: how busy
        self.projects = {}  # id -> dict
        self.next_project = 1
        self.cases = []
        self.leads = []
        # 工资保证金 movements; a generator of their own, so the other ledgers stay as they were.
        self.deposit_rnd = random.Random(5000 + k)
        self.movements = []  # dicts: 项目编号, 业务类型, 发生日期, 金额 (fen)
        self.deposited = {}  # project -> balance (fen)
        # Which projects are exempted from the deposit (免缴) or have it deferred (缓缴): a
        # generator of their own too.
        self.kind_rnd = random.Random(9000 + k)

    def step_deposits(self, y, m):
        rnd = self.deposit_rnd
        for pid, p in self.projects.items():
            balance = self.deposited.get(pid)
            if p["状态"] == "完工" and balance:
                self.movements.append({"项目编号": pid, "业务类型": "返还", "发生日期": day_in(rnd, y, m), "金额": balance})
                self.deposited[pid] = 0
            elif p["状态"] == "在建" and p["工资保证金"] == "是" and not p["_exempt"] and balance is None:
                amount = rnd.randrange(20, 200) * 10_000_00
                self.movements.append({"项目编号": pid, "业务类型": "存储", "发生日期": day_in(rnd, y, m), "金额": amount})
                self.deposited[pid] = amount
            elif p["状态"] == "在建" and balance and rnd.random() < 0.03:
                used = min(balance, rnd.randrange(1, 50) * 1_000_00)
                self.movements.append({"项目编号": pid, "业务类型": "动用", "发生日期": day_in(rnd, y, m), "金额": used})
                self.deposited[pid] = balance - used

    def step_projects(self, y, m):
        rnd = self.rnd
        for p in self.projects.values():
            if p["状态"] == "在建":
                if rnd.random() < 0.04:
                    p["状态"] = "完工"
                    continue
                for s in SYSTEMS:
                    if p[s] == "否" and rnd.random() < 0.25:
                        p[s] = "是"
                    elif p[s] == "是" and rnd.random() < 0.02:
                        p[s] = "否"
        for _ in range(rnd.randrange(0, self.size + 1)):
            pid = f"XM{self.code[-3:]}{self.next_project:03d}"
            self.next_project += 1
            p = {"项目编号": pid, "项目名称": f"{self.name[:2]}{rnd.choice(['花园', '广场', '学校', '医院', '厂房', '道路'])}{self.next_project}号工程",
                 "施工总包单位": f"四川{rnd.choice(['建工', '华西', '路桥', '城建'])}第{rnd.randrange(1, 9)}工程有限公司", "状态": "在建"}
            for s in SYSTEMS:
                p[s] = "是" if rnd.random() < 0.6 else "否"
            p["_exempt"] = self.kind_rnd.random() < 0.2
            p["_deferred"] = self.kind_rnd.random() < 0.3
            self.projects[pid] = p

    def new_cases(self, y, m):
        rnd = self.rnd
        for _ in range(rnd.randrange(1, 3 + 2 * self.size)):
            accepted = day_in(rnd, y, m)
            amount = rnd.randrange(5_000_00, 400_000_00)
            closed = accepted + dt.timedelta(days=rnd.randrange(5, 120)) if rnd.random() < 0.85 else None
            recovered = int(amount * rnd.choice([1, 1, 0.8, 0.5])) if closed else 0
            self.cases.append({"案件编号": f"QX{self.code[-3:]}{y}{m:02d}{len(self.cases):04d}", "受理日期": accepted,
                               "用人单位": f"成都{rnd.choice(['鑫达', '恒通', '宏远', '蜀安'])}劳务有限公司", "涉及农民工人数": rnd.randrange(1, 40),
                               "欠薪金额": amount, "追发工资": recovered, "结案日期": closed})
        for _ in range(rnd.randrange(0, 2 + self.size)):
            received = day_in(rnd, y, m)
            done = received + dt.timedelta(days=rnd.randrange(2, 30)) if rnd.random() < 0.9 else None
            self.leads.append({"线索编号": f"XS{self.code[-3:]}{y}{m:02d}{len(self.leads):04d}", "接收日期": received,
                               "被反映单位": f"成都{rnd.choice(['金牛', '天府', '锦城'])}建设有限公司", "涉及人数": rnd.randrange(1, 30),
                               "涉及金额": rnd.randrange(1_000_00, 200_000_00), "办结日期": done})


# 工资保证金 as written: 是 is 已存储 or, for an exempted project, 免缴; 否 is 未存储 or 缓缴.
# Two spellings, by township.
DEPOSIT_SPELLINGS = [{"已存储": "已存储", "免缴": "免缴", "缓缴": "缓缴", "未存储": "未存储"},
                     {"已存储": "已存", "免缴": "免存", "缓缴": "缓存", "未存储": "未存"}]


def deposit_kind(p):
    if p["工资保证金"] == "是":
        return "免缴" if p["_exempt"] else "已存储"
    return "缓缴" if p["_deferred"] else "未存储"


def system_cell(p, s, k):
    return DEPOSIT_SPELLINGS[k % 2][deposit_kind(p)] if s == "工资保证金" else p[s]


def yuan(fen):
    return round(fen / 100, 2)


def sheets_for(t, y, m):
    """The three sheets as (name, title, header, rows) as known at the month's end."""
    end = month_end(y, m)
    k = t.k
    proj_header = ["项目编号", "项目名称", "施工总包单位", ["项目状态", "状态"][k % 2]] + [
        s if k % 3 else {"实名制": "实名制管理", "工资专用账户": "农民工工资专用账户", "工资保证金": "工资保证金",
                         "按月足额支付": "按月足额支付工资", "总包代发": "总包代发工资", "维权信息告示牌": "维权信息告示牌"}[s]
        for s in SYSTEMS]
    proj_rows = [[p["项目编号"], p["项目名称"], p["施工总包单位"], p["状态"]] + [system_cell(p, s, k) for s in SYSTEMS]
                 for p in t.projects.values() if p["状态"] != "完工" or p.get("done_month") == (y, m)]
    case_header = [["案件编号", "编号"][k % 2], "受理日期", "用人单位", "涉及农民工人数", ["欠薪金额(元)", "欠薪金额"][k % 2],
                   ["追发工资(元)", "追发工资"][k % 2], "办理状态", "结案日期"]
    case_rows = []
    for c in t.cases:
        closed = c["结案日期"] if c["结案日期"] and c["结案日期"] <= end else None
        case_rows.append([c["案件编号"], c["受理日期"], c["用人单位"], c["涉及农民工人数"], yuan(c["欠薪金额"]),
                          yuan(c["追发工资"]) if closed else None, "已结案" if closed else "办理中", closed])
    lead_header = ["线索编号", ["接收日期", "受理日期"][k % 2], "被反映单位", "涉及人数", "涉及金额(元)", "办结日期", "办理状态"]
    lead_rows = []
    for l in t.leads:
        done = l["办结日期"] if l["办结日期"] and l["办结日期"] <= end else None
        lead_rows.append([l["线索编号"], l["接收日期"], l["被反映单位"], l["涉及人数"], yuan(l["涉及金额"]), done,
                          "已办结" if done else "办理中"])
    title = f"{t.name}{y}年{m}月"
    deposit_header = ["项目编号", ["业务类型", "类型"][k % 2], "发生日期", ["金额(元)", "金额"][k % 2]]
    deposit_rows = [[d["项目编号"], d["业务类型"], d["发生日期"], yuan(d["金额"])] for d in t.movements]
    return [("在建工程项目", f"{title}在建工程项目工资支付情况", proj_header, proj_rows),
            ("工资保证金", f"{title}工资保证金存储、动用及返还台账", deposit_header, deposit_rows),
            ("欠薪案件", f"{title}欠薪案件台账", case_header, case_rows),
            ("欠薪线索", f"{title}全国根治欠薪线索台账", lead_header, lead_rows)]


def write_xlsx(path, sheets, filled_on):
    wb = xlsxwriter.Workbook(path)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    bold = wb.add_format({"bold": True})
    for name, title, header, rows in sheets:
        ws = wb.add_worksheet(name)
        ws.write(0, 0, title, bold)
        ws.write(1, 0, f"填报日期：{filled_on.isoformat()}")
        ws.write_row(2, 0, header, bold)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write_datetime(3 + i, j, dt.datetime(v.year, v.month, v.day), date)
                elif v is not None:
                    ws.write(3 + i, j, v)
    wb.close()


def write_xls(path, sheets, filled_on):
    wb = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, title, header, rows in sheets:
        ws = wb.add_sheet(name)
        ws.write(0, 0, title)
        ws.write(1, 0, f"填报日期：{filled_on.isoformat()}")
        for j, h in enumerate(header):
            ws.write(2, j, h)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write(3 + i, j, dt.datetime(v.year, v.month, v.day), date)
                elif v is not None:
                    ws.write(3 + i, j, v)
    wb.save(path)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    towns = [Township(code, name, k) for k, (code, name) in enumerate(ROSTER)]
    expected, lost = [], []
    for y, m in MONTHS:
        start, end = month_start(y, m), month_end(y, m)
        for t in towns:
            before = {pid: dict(p) for pid, p in t.projects.items()}
            t.step_projects(y, m)
            for pid, p in t.projects.items():
                if p["状态"] == "完工" and "done_month" not in p:
                    p["done_month"] = (y, m)
            t.new_cases(y, m)
            t.step_deposits(y, m)
            sheets = sheets_for(t, y, m)
            folder = os.path.join(OUT, f"{y}-{m:02d}", f"{t.code}-{t.name}")
            os.makedirs(folder, exist_ok=True)
            filled_on = end + dt.timedelta(days=3 + t.k % 5)
            if t.code in XLS_TOWNSHIPS:
                write_xls(os.path.join(folder, "工资支付月报.xls"), sheets, filled_on)
            else:
                write_xlsx(os.path.join(folder, "工资支付月报.xlsx"), sheets, filled_on)
            # The truth, as reported this month.
            in_month = lambda d: d is not None and start <= d <= end
            cases = [c for c in t.cases if in_month(c["受理日期"])]
            closed = [c for c in t.cases if in_month(c["结案日期"])]
            leads = [l for l in t.leads if in_month(l["接收日期"])]
            leads_done = [l for l in t.leads if in_month(l["办结日期"])]
            on_time = [l for l in leads_done if (l["办结日期"] - l["接收日期"]).days <= ON_TIME_DAYS]
            active = [p for p in t.projects.values() if p["状态"] == "在建"]
            open_end = [c for c in t.cases if c["受理日期"] <= end and not (c["结案日期"] and c["结案日期"] <= end)]
            row = {"period": f"{y}-{m:02d}", "code": t.code, "cases": len(cases),
                   "workers": sum(c["涉及农民工人数"] for c in cases),
                   "recovered_fen": sum(c["追发工资"] for c in closed), "leads": len(leads),
                   "leads_closed": len(leads_done), "leads_on_time": len(on_time),
                   "projects_active": len(active), "open_at_end": len(open_end)}
            # 工资保证金 counts 已存储 and 免缴 (the pipeline's deposit_exempt_counts = true).
            for s in SYSTEMS:
                row[s] = sum(1 for p in active if p[s] == "是")
            for kind, column in [("已存储", "deposit_stored"), ("免缴", "deposit_exempt"), ("缓缴", "deposit_deferred")]:
                row[column] = sum(1 for p in active if deposit_kind(p) == kind)
            signed = {"存储": 1, "返还": -1, "动用": -1}
            row["deposit_balance_fen"] = sum(signed[d["业务类型"]] * d["金额"] for d in t.movements)
            row["deposit_used_fen"] = sum(d["金额"] for d in t.movements
                                          if d["业务类型"] == "动用" and in_month(d["发生日期"]))
            expected.append(row)
            for pid, p in t.projects.items():
                was = before.get(pid)
                if was and was["状态"] == "在建" and p["状态"] == "在建":
                    for s in SYSTEMS:
                        if was[s] == "是" and p[s] == "否":
                            lost.append({"period": f"{y}-{m:02d}", "code": t.code, "项目编号": pid, "system": s})
    with open(os.path.join(OUT, "monthly-expected.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(expected[0]))
        w.writeheader()
        w.writerows(expected)
    with open(os.path.join(OUT, "monthly-lost-systems.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["period", "code", "项目编号", "system"])
        w.writeheader()
        w.writerows(lost)


if __name__ == "__main__":
    main()
