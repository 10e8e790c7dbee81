#!/usr/bin/env python3
"""Runs laborstat's readers over public spreadsheet test corpora and tabulates what happened
to every file, by format: read, refused with a message, panic, abort (killed by a signal),
over memory (peak above --max-mb), timeout. Each file is one `laborstat inspect FILE` process
(its own peak memory, from wait4); then one `laborstat validate` over the whole folder, as a
district run would meet the files (one pipeline, every file a ledger of one township).

Where another reader is installed (openpyxl for xlsx/xlsm, xlrd for xls), the sheets and
row counts laborstat's `inspect` reports are compared with it.

Get the corpora with the workplace's `fetch` (SheetJS/test_files, apache/poi test-data,
PHPOffice/PhpSpreadsheet tests, tafia/calamine tests) and unpack their files into folders, then:

    cargo build --release
    python3 tests/corpus/run.py /tmp/corpus/sheetjs /tmp/corpus/poi ... > corpus.md

The Markdown table on stdout is the one in README (Robustness on public corpora); the files
in trouble are listed on stderr.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

SPREADSHEET_LIKE = {
    "xlsx", "xlsm", "xlsb", "xls", "xlt", "xltx", "xltm", "ods", "fods", "csv", "tsv", "txt",
    "xml", "htm", "html", "slk", "dif", "prn", "numbers", "biff2", "biff3", "biff4", "biff5",
    "et", "wb1", "wb2", "wb3", "wk1", "wk3", "wk4", "wks", "123", "qpw", "dbf",
}


def binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "target"))
    return os.path.join(target, "release", "laborstat")


def run(cmd, timeout):
    """(exit code or -signal, stdout, stderr, peak MB, seconds) of one process."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                code = "timeout"
                break
            time.sleep(0.01)
        else:
            pass
        if pid and not (time.monotonic() > deadline):
            code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                usage.ru_maxrss / 1024, time.monotonic() - start)


def outcome(code, stdout, stderr, peak, max_mb):
    if code == "timeout":
        return "timeout"
    if isinstance(code, int) and code < 0 or code == 134:
        return "abort"
    if code == 101 or "panicked" in stderr:
        return "panic"
    if peak > max_mb:
        return "over memory"
    if code == 0:
        return "read"
    return "refused"


def laborstat_sheets(stdout):
    """{sheet: rows} as inspect printed them."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\[(.*)\] (\d+) rows", stdout, re.M)}


def other_reader_sheets(path, ext):
    try:
        if ext in ("xlsx", "xlsm"):
            import openpyxl
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            return {ws.title: sum(1 for row in ws.iter_rows(values_only=True) if any(v is not None for v in row))
                    for ws in book.worksheets}
        if ext == "xls":
            import xlrd
            book = xlrd.open_workbook(path, on_demand=True, logfile=open(os.devnull, "w"))
            sheets = {}
            for s in book.sheets():
                sheets[s.name] = sum(1 for r in range(s.nrows) if any(str(v).strip() for v in s.row_values(r)))
            return sheets
    except Exception:
        return None
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--max-mb", type=float, default=300.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    exe = binary()
    files = []
    for folder in args.folders:
        for root, _, names in os.walk(folder):
            for name in names:
                ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
                if ext in SPREADSHEET_LIKE:
                    files.append((os.path.join(root, name), ext))
    files.sort()
    by_format = collections.defaultdict(collections.Counter)
    agree = collections.defaultdict(collections.Counter)
    trouble = []
    refusals = collections.defaultdict(collections.Counter)
    worst = (0.0, "")
    for path, ext in files:
        code, stdout, stderr, peak, secs = run([exe, "inspect", path], args.timeout)
        what = outcome(code, stdout, stderr, peak, args.max_mb)
        by_format[ext][what] += 1
        worst = max(worst, (peak, path))
        if what in ("panic", "abort", "over memory", "timeout"):
            trouble.append(f"{what}: {path} ({peak:.0f} MB, {secs:.1f} s) {stderr.strip()[:200]}")
        if what == "refused":
            said = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            if not re.search(r"[\u4e00-\u9fff]", said):
                trouble.append(f"refused without Chinese words: {path}: {said[:200]}")
            refusals[ext][said[:120]] += 1
        if what == "read":
            theirs = other_reader_sheets(path, ext)
            if theirs is not None:
                ours = laborstat_sheets(stdout)
                names_agree = set(ours) == set(theirs)
                rows_agree = names_agree and all(ours[s] >= theirs[s] for s in theirs)
                agree[ext]["compared"] += 1
                agree[ext]["sheets agree"] += names_agree
                agree[ext]["rows agree"] += rows_agree
                if not rows_agree:
                    trouble.append(f"disagrees with the other reader: {path}: ours {ours} theirs {theirs}")
    print("| format | files | read | refused with a message | panic | abort | over memory | timeout | compared with another reader: sheets / rows agree |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals = collections.Counter()
    for ext in sorted(by_format, key=lambda e: -sum(by_format[e].values())):
        c = by_format[ext]
        n = sum(c.values())
        totals.update(c)
        totals["files"] += n
        a = agree.get(ext)
        compared = f"{a['sheets agree']}/{a['compared']} · {a['rows agree']}/{a['compared']}" if a else "—"
        print(f"| {ext} | {n} | {c['read']} | {c['refused']} | {c['panic']} | {c['abort']} | {c['over memory']} | {c['timeout']} | {compared} |")
    print(f"| **all** | {totals['files']} | {totals['read']} | {totals['refused']} | {totals['panic']} | {totals['abort']} | {totals['over memory']} | {totals['timeout']} | |")
    print(f"\nHighest peak of one `inspect`: {worst[0]:.0f} MB ({os.path.basename(worst[1])}).")
    if not args.no_validate:
        with tempfile.TemporaryDirectory() as tmp:
            link = os.path.join(tmp, "data", "510199001-语料")
            os.makedirs(os.path.dirname(link))
            os.symlink(os.path.abspath(args.folders[0]), link)
            pipeline = os.path.join(tmp, "corpus.toml")
            with open(pipeline, "w") as f:
                f.write('[pipeline]\nname = "corpus"\ntitle = "语料"\nperiod = "2024"\ndata = "data"\noutput = "out.xlsx"\n\n'
                        '[roster]\nentries = [{ code = "510199001", name = "语料" }]\n\n'
                        '[sources.any]\nfiles = ["*/**/*.*"]\n\n[sources.any.columns]\n"编号" = { type = "text", required = true }\n\n'
                        '[measures.rows]\nsource = "any"\nsql = "count(*)"\n\n'
                        '[[report.sheets]]\nname = "表"\ntitle = "t"\ncolumns = [{ header = ["行"], value = "rows" }]\n')
            code, stdout, stderr, peak, secs = run([exe, "validate", "--out-dir", os.path.join(tmp, "v"), pipeline], 3600)
            what = "panic" if code == 101 or "panicked" in stderr else ("abort" if isinstance(code, int) and code < 0 else f"exit {code}")
            print(f"\nOne `validate` over every file of {os.path.basename(os.path.abspath(args.folders[0]))} as one district's ledgers: {what}, "
                  f"peak {peak:.0f} MB, {secs:.1f} s.")
    for line in trouble:
        print(line, file=sys.stderr)
    for ext, said in sorted(refusals.items()):
        for words, n in said.most_common():
            print(f"refused {ext} ×{n}: {words}", file=sys.stderr)


if __name__ == "__main__":
    main()
