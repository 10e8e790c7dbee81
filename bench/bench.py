#!/usr/bin/env python3
"""Benchmark: laborstat against the peer scripts of ../shared/bench, as whole processes.

    python3 bench/bench.py [--scales S,M] [--runs 5] [--skip pandas] [--baseline OLD_BINARY]

For each scale it generates the data once (../shared/bench/gen_cases.py, seeded), writes a
roster next to it, then runs every engine `--runs` times in turn (interleaved, so machine
noise hits all alike), recording wall time and peak RSS (from wait4's rusage). Every run's
output workbook is read back and its per-township and total figures are checked against
the generator's expected.csv; a wrong answer fails the benchmark. Prints medians and
ratios to laborstat as a Markdown table.

Needs: a release build (cargo build --release), the floor (cargo build --release
--manifest-path bench/floor/Cargo.toml, same CARGO_TARGET_DIR; left out when not built) and
the peers' Python packages:
    pip install pandas openpyxl python-calamine fastexcel polars pyarrow duckdb \
        duckdb-extension-excel xlsxwriter
"""
import argparse
import shutil
import csv
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
SCALES = {"S": (17, 3000), "M": (200, 5000), "L": (2000, 5000)}
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
LABORSTAT = os.path.join(TARGET, "release", "laborstat")
# bench/floor: a bare calamine parse of the same files, the limit to compare with.
FLOOR = os.path.join(TARGET, "release", "calamine-floor")


def pipeline_without_rules():
    """bench.toml less its [[sources.cases.rules]]: the same run without rule validation
    (cells are still typed and required columns checked), to price the rules."""
    text = open(os.path.join(ROOT, "pipelines", "bench.toml"), encoding="utf-8").read()
    blocks = text.split("\n\n")
    def is_rule(block):
        code = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
        return bool(code) and code[0].strip() == "[[sources.cases.rules]]"

    kept = [b for b in blocks if not is_rule(b)]
    path = os.path.join(ROOT, "bench-data", "bench-no-rules.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(kept))
    return path


def pipeline_with_mass_findings():
    """bench.toml plus a 统一社会信用代码 check-digit rule that every generated row fails
    (the generator writes random codes): a systematically wrong column, about a million
    error cells at M. Its figures are not the truth's (every row is excluded), so it is
    timed, not checked."""
    text = open(os.path.join(ROOT, "pipelines", "bench.toml"), encoding="utf-8").read()
    text = text.replace('"结案日期" = { type = "date" }\n',
                        '"结案日期" = { type = "date" }\n"统一社会信用代码" = { type = "text" }\n', 1)
    text += ('\n[[sources.cases.rules]]\nname = "信用代码校验"\ncolumn = "统一社会信用代码"\n'
             'identifier = "credit_code"\nseverity = "error"\n')
    path = os.path.join(ROOT, "bench-data", "bench-mass-findings.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def engines(data, out, baseline=None):
    peers = os.path.join(SHARED, "peers")
    bench_pipeline = os.path.join(ROOT, "pipelines", "bench.toml")
    before = {}
    if baseline:
        # An earlier build of laborstat on the same pipeline: a change must not slow the run.
        # The same command as the headline run (no store), so the two compare like with like.
        before["laborstat, baseline build"] = [baseline, "run", bench_pipeline, "--quiet", "--no-store", "--data",
                                               data, "--out", out]
    floor = {}
    if os.path.exists(FLOOR):
        floor["calamine floor (bare parse)"] = [FLOOR, data, "*/cases.xlsx", "投诉举报案件台账"]
    # The headline run keeps no store, like the peers; the store's cost is measured apart:
    # a first write of the period (a fresh store each round) and a re-run of a stored period
    # (restatement: the old partition read and compared by key).
    return {
        "laborstat": [LABORSTAT, "run", bench_pipeline, "--quiet", "--no-store", "--data", data, "--out", out],
        **before,
        "laborstat, store: first write": [LABORSTAT, "run", bench_pipeline, "--quiet", "--store", STORE_FRESH,
                                          "--data", data, "--out", out],
        "laborstat, store: period restated": [LABORSTAT, "run", bench_pipeline, "--quiet", "--store", STORE_KEPT,
                                              "--data", data, "--out", out],
        **floor,
        "laborstat, rules off": [LABORSTAT, "run", pipeline_without_rules(), "--quiet", "--no-store", "--data", data,
                                 "--out", out],
        "laborstat, mass findings": [LABORSTAT, "run", pipeline_with_mass_findings(), "--quiet", "--no-store",
                                     "--data", data, "--out", out],
        "polars+fastexcel": [sys.executable, os.path.join(peers, "polars_fastexcel.py"), data, out],
        "duckdb+excel": [sys.executable, os.path.join(peers, "duckdb_excel.py"), data, out],
        "pandas+calamine": ["env", "ENGINE=calamine", sys.executable, os.path.join(peers, "pandas_openpyxl.py"), data, out],
        "pandas+openpyxl": [sys.executable, os.path.join(peers, "pandas_openpyxl.py"), data, out],
    }


STORE_FRESH = os.path.join(ROOT, "bench-data", "out", "store-fresh")
STORE_KEPT = os.path.join(ROOT, "bench-data", "out", "store-kept")


def check_store(store, rows):
    """DuckDB (the Python package) reads the store as it is: the period's accepted rows, and
    money as integer fen in a column that says so."""
    import duckdb
    glob = os.path.join(store, "bench", "cases", "*", "*.parquet")
    count, fen_type = duckdb.sql(
        f"select count(*), any_value(typeof(\"追讨工资_分\")) from read_parquet('{glob}', hive_partitioning = true)"
    ).fetchall()[0]
    if count != rows:
        raise SystemExit(f"DuckDB reads {count:,} rows from the store, expected {rows:,}")
    print(f"DuckDB reads the store: {count:,} rows, 追讨工资_分 as {fen_type}")


def measure(cmd):
    """Wall seconds and peak RSS (MiB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def link_large(data):
    """L from M in seconds (../shared/bench/README.md): M's 200 files hard-linked under
    2,000 township codes, ten districts of 200, expected.csv repeated to match. The copies
    repeat their 案件编号, so the unique rule is per submitter (bench.toml)."""
    m, _ = generate("M")
    with open(os.path.join(m, "expected.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    os.makedirs(data, exist_ok=True)
    out = []
    for d in range(10):
        for t in rows:
            code = f"51{10 + d:02d}07{t['town_code'][-3:]}"
            name = f"{d + 1}区{t['town']}"
            source = os.path.join(m, f"{t['town_code']}-{t['town']}", "cases.xlsx")
            folder = os.path.join(data, f"{code}-{name}")
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, "cases.xlsx")
            if not os.path.exists(target):
                os.link(source, target)
            out.append({**t, "town_code": code, "town": name})
    with open(os.path.join(data, "expected.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(out)


def generate(scale):
    towns, rows = SCALES[scale]
    data = os.path.join(ROOT, "bench-data", scale)
    if not os.path.exists(os.path.join(data, "expected.csv")):
        if scale == "L":
            link_large(data)
        else:
            subprocess.run([sys.executable, os.path.join(SHARED, "gen_cases.py"), data, str(towns), str(rows), "7"], check=True)
    with open(os.path.join(data, "expected.csv"), encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    with open(os.path.join(data, "roster.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "kind"])
        w.writerows([t["town_code"], t["town"], "街道"] for t in truth)
    return data, truth


def read_rows(path):
    """{town_code or 合计: {header: value}} from any engine's output workbook."""
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(path)
    rows = book.get_sheet_by_index(0).to_python()
    # The header is the first row that names a township-code column or 受理.
    for h, row in enumerate(rows):
        labels = [str(c) for c in row]
        if "town_code" in labels or "受理" in labels or "accepted" in labels:
            break
    # A heading may put its unit on a line of its own (追讨工资 / （万元）): read as one line.
    header = [str(c).replace("\n", "") for c in rows[h]]
    out = {}
    for row in rows[h + 1:]:
        key = next((str(c) for c in row[:2] if str(c) == "合计" or (str(c).isdigit() and len(str(c)) == 9)), None)
        if key:
            out[key] = dict(zip(header, row))
    return out


def check(engine, path, truth):
    rows = read_rows(path)
    names = {"accepted": ["受理", "accepted"], "closed": ["结案", "closed"], "workers": ["涉及劳动者人数", "workers"],
             "recovered": ["追讨工资（万元）", "recovered_wan"]}
    total = {k: 0 for k in ["accepted", "closed", "workers", "recovered_fen"]}
    for t in truth + [None]:
        if t is None:
            key, t = "合计", {"town_code": "合计", **{k: str(v) for k, v in total.items()}}
        else:
            key = t["town_code"]
            for k in total:
                total[k] += int(t[k])
        row = rows.get(key)
        if row is None:
            raise SystemExit(f"{engine}: no row for {key} in {path}")
        got = lambda k: float(next(row[n] for n in names[k] if n in row))
        want = {"accepted": int(t["accepted"]), "closed": int(t["closed"]), "workers": int(t["workers"]),
                "recovered": ((int(t["recovered_fen"]) + 5000) // 10000) / 100}
        for k, v in want.items():
            if abs(got(k) - v) > 0.005:
                raise SystemExit(f"{engine}: {key} {k} = {got(k)}, expected {v}")


def check_ytd(report, rows):
    """The year's 受理 comes out whole: every row of M, counted once."""
    from python_calamine import CalamineWorkbook
    sheet = CalamineWorkbook.from_path(report).get_sheet_by_name("主要指标")
    total = next(r for r in sheet.to_python() if "合计" in r)
    if total[2] != rows:
        raise SystemExit(f"本年累计 受理 is {total[2]}, expected {rows:,}")


def twelve_months_of(m):
    """M's folder under twelve month labels (symlinks), for the benchmarks over a store."""
    months = os.path.join(ROOT, "bench-data", "M12")
    os.makedirs(months, exist_ok=True)
    for month in range(1, 13):
        link = os.path.join(months, f"2024-{month:02d}")
        if not os.path.exists(link):
            os.symlink(os.path.abspath(m), link)
    return months


def monthly_bench_text(months, out, store):
    """The bench pipeline made monthly: December 2024, data per month, its own store."""
    with open(os.path.join(ROOT, "pipelines", "bench.toml"), encoding="utf-8") as f:
        text = f.read()
    return (text.replace('period = "2024"', 'period = "2024-12"')
            .replace('data = "../bench-data/S"', f'data = "{months}/{{period}}"\nstore = "{store}"')
            .replace('output = "../output/bench-{period}.xlsx"', f'output = "{out}/{{name}}-{{period}}.xlsx"'))


def ytd_benchmark(runs):
    """本年累计 for December from the store against re-reading twelve months of spreadsheets:
    M's files under twelve month labels (symlinks), the bench pipeline made monthly with its
    columns over 本年累计. The store is filled with January–November first (not timed); then,
    in alternating rounds, December's run reading the eleven months from the store, and the
    twelve months' runs without a store (each month's files parsed again)."""
    m, truth = generate("M")
    rows = sum(int(t["accepted"]) for t in truth)
    months = twelve_months_of(m)
    out = os.path.join(ROOT, "bench-data", "out", "ytd")
    store = os.path.join(out, "store")
    text = monthly_bench_text(months, out, store)
    text = re.sub(r'(\{ header = \[[^]]*\], value = "[a-z_]+")( \})', r'\1, window = "本年累计"\2', text)
    pipeline = os.path.join(ROOT, "bench-data", "bench-ytd.toml")
    with open(pipeline, "w", encoding="utf-8") as f:
        f.write(text)
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([LABORSTAT, "run", pipeline, "--quiet", "--period", "2024-01..2024-11"], check=True)
    from_store = [LABORSTAT, "run", pipeline, "--quiet", "--period", "2024-12"]
    reread = [LABORSTAT, "run", pipeline, "--quiet", "--no-store", "--period", "2024-01..2024-12"]
    times = {"December 本年累计 from the store": [], "twelve months re-read, no store": []}
    for _ in range(runs):
        # December stored by the round before would make the run a restatement.
        for table in ("cases", "_results"):
            shutil.rmtree(os.path.join(store, "bench", table, "period=2024-12"), ignore_errors=True)
        times["December 本年累计 from the store"].append(measure(from_store))
        check_ytd(os.path.join(out, "bench-2024-12.xlsx"), rows)
        times["twelve months re-read, no store"].append(measure(reread))
    base = statistics.median(w for w, _ in times["December 本年累计 from the store"])
    print(f"\n本年累计 for 2024-12 over M's files ({rows:,} rows) under twelve month labels, each month "
          f"keeping the rows dated in it (period_column); the year's 受理 checked: {rows:,}")
    print("| run | wall (s) | × from the store | peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for name, runs_ in times.items():
        wall = statistics.median(w for w, _ in runs_)
        rss = statistics.median(r for _, r in runs_)
        print(f"| {name} | {wall:.2f} | {wall / base:.2f} | {rss:.0f} |")


def query_benchmark(runs):
    """A group-by over every period of a store holding M's files under twelve month labels:
    the bench pipeline without its period column (each month's partition keeps all of M's
    1,000,000 rows: 12,000,000 stored rows), filled untimed; then, in alternating rounds,
    `laborstat query --all-periods` and DuckDB (the Python package, as a whole process) over
    the same Parquet, each answer checked: every month counts all of M's rows."""
    m, truth = generate("M")
    rows = sum(int(t["accepted"]) for t in truth)
    fen = sum(int(t["recovered_fen"]) for t in truth)
    months = twelve_months_of(m)
    out = os.path.join(ROOT, "bench-data", "out", "query")
    store = os.path.join(out, "store")
    text = monthly_bench_text(months, out, store).replace('period_column = "受理日期"\n', '')
    pipeline = os.path.join(ROOT, "bench-data", "bench-query.toml")
    with open(pipeline, "w", encoding="utf-8") as f:
        f.write(text)
    if not os.path.exists(os.path.join(store, "bench", "cases", "period=2024-12")):
        shutil.rmtree(store, ignore_errors=True)
        subprocess.run([LABORSTAT, "run", pipeline, "--quiet", "--period", "2024-01..2024-12"], check=True)
    sql = ("SELECT period, count(*) AS 受理, sum(追讨工资) AS 追讨工资 FROM cases "
           "GROUP BY period ORDER BY period")
    answer = os.path.join(out, "answer.csv")
    ours = [LABORSTAT, "query", pipeline, sql, "--all-periods", "--out", answer]
    glob = os.path.join(store, "bench", "cases", "*", "*.parquet")
    duck_sql = (f"COPY (SELECT period, count(*) AS 受理, sum(\"追讨工资_分\") / 100 AS 追讨工资 "
                f"FROM read_parquet('{glob}', hive_partitioning = true) GROUP BY period ORDER BY period) "
                f"TO '{out}/duck.csv' (HEADER)")
    duck = [sys.executable, "-c", f"import duckdb; duckdb.sql({duck_sql!r})"]
    times = {"laborstat query --all-periods": [], "DuckDB over the same Parquet": []}
    for _ in range(runs):
        times["laborstat query --all-periods"].append(measure(ours))
        with open(answer, encoding="utf-8-sig") as f:
            got = list(csv.DictReader(f))
        want = f"{fen // 100}.{fen % 100:02d}"
        if len(got) != 12 or any(int(r["受理"]) != rows or r["追讨工资"] != want for r in got):
            raise SystemExit(f"query answered {got[:2]}…, expected 12 months of {rows:,} rows and {want} 元")
        times["DuckDB over the same Parquet"].append(measure(duck))
    base = statistics.median(w for w, _ in times["laborstat query --all-periods"])
    print(f"\nGroup-by over a store of twelve periods × {rows:,} rows ({12 * rows:,}); the answer checked")
    print("| engine | wall (s) | × laborstat | peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for name, runs_ in times.items():
        wall = statistics.median(w for w, _ in runs_)
        rss = statistics.median(r for _, r in runs_)
        print(f"| {name} | {wall:.2f} | {wall / base:.2f} | {rss:.0f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="S,M")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip", default="", help="comma-separated engines to leave out")
    ap.add_argument("--baseline", help="a laborstat binary built from an earlier commit, run alongside")
    ap.add_argument("--ytd", action="store_true",
                    help="also time 本年累计 for December from the store against re-reading twelve months")
    ap.add_argument("--query", action="store_true",
                    help="also time a group-by over a store of twelve periods of M (12M rows)")
    args = ap.parse_args()
    if not os.path.exists(LABORSTAT):
        raise SystemExit(f"{LABORSTAT} not found: run `cargo build --release` first")
    # Names hold ", " (laborstat, rules off): split only on commas without a space after.
    skip = set(filter(None, re.split(r",(?! )", args.skip)))
    out_dir = os.path.join(ROOT, "bench-data", "out")
    os.makedirs(out_dir, exist_ok=True)
    print(f"date {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.runs} runs per engine, medians")
    for scale in filter(None, args.scales.split(",")):
        data, truth = generate(scale)
        rows = sum(int(t["accepted"]) for t in truth)
        results = {}
        for run in range(args.runs):
            for name, cmd in engines(data, os.path.join(out_dir, "x.xlsx"), args.baseline).items():
                if name in skip:
                    continue
                out = os.path.join(out_dir, f"{scale}-{name}.xlsx")
                cmd = [out if c.endswith("x.xlsx") else c for c in cmd]
                if name == "laborstat, store: first write":
                    shutil.rmtree(STORE_FRESH, ignore_errors=True)
                wall, rss = measure(cmd)
                # The floor writes no report; the mass-findings run excludes every row.
                if not name.startswith("calamine floor") and name != "laborstat, mass findings":
                    check(name, out, truth)
                results.setdefault(name, []).append((wall, rss))
        if "laborstat, store: period restated" in results:
            check_store(STORE_KEPT, rows)
        base = statistics.median(w for w, _ in results["laborstat"])
        base_rss = statistics.median(r for _, r in results["laborstat"])
        print(f"\nscale {scale}: {len(truth)} townships, {rows:,} rows; every engine's figures checked against "
              "expected.csv but the floor's (no report) and the mass-findings run's (every row excluded)")
        print("| engine | wall (s) | × laborstat | peak RSS (MiB) | × laborstat |")
        print("|---|---:|---:|---:|---:|")
        for name, runs in results.items():
            wall = statistics.median(w for w, _ in runs)
            rss = statistics.median(r for _, r in runs)
            print(f"| {name} | {wall:.2f} | {wall / base:.2f} | {rss:.0f} | {rss / base_rss:.2f} |")
        # Each round runs the engines one after another, so a round's two runs are a pair
        # timed under the same machine speed: their ratio is what drift does not move.
        for other in ("calamine floor (bare parse)", "laborstat, baseline build"):
            if other in results:
                ratios = [a[0] / b[0] for a, b in zip(results["laborstat"], results[other])]
                shown = ", ".join(f"{r:.2f}" for r in ratios)
                print(f"laborstat ÷ {other}, per round: {shown}; median {statistics.median(ratios):.2f}")


    if args.ytd:
        ytd_benchmark(args.runs)
    if args.query:
        query_benchmark(args.runs)


if __name__ == "__main__":
    main()
