"""Runs README's store snippets (DuckDB, Python polars) over the store the README's first
command writes, and checks what they return against the store's own manifests.

    cargo run --release -- run pipelines/annual.toml
    python3 tests/engines/run.py            # needs: pip install duckdb polars pyarrow

A snippet is a ```python block of README.md whose first line is `# store-snippet: NAME`; it
runs from the repository's top folder and leaves its answer in `answer`: rows of
(街道乡镇, 案件数, 追发工资_元). The check: the 案件数 add up to the rows the manifest of
cases/2024 says were stored, and 追发工资 to the stored fen, summed here without either
engine. Exit status 1 on any failure.
"""

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
STORE = ROOT / "output" / "store" / "annual"


def snippets():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        first = block.splitlines()[0]
        if first.startswith("# store-snippet:"):
            yield first.split(":", 1)[1].strip(), block


def truth():
    manifest = json.loads(
        (STORE / "_manifests" / "cases" / "period=2024.json").read_text(encoding="utf-8")
    )
    # The fen summed from the Parquet file with pyarrow alone (neither engine under test).
    import pyarrow.parquet as pq

    table = pq.read_table(STORE / "cases" / "period=2024" / "data.parquet")
    fen = sum(v for v in table.column("追发工资_分").to_pylist() if v is not None)
    return manifest["rows"], fen


def main():
    import os

    os.chdir(ROOT)
    if not (STORE / "cases" / "period=2024" / "data.parquet").is_file():
        print("no store: run `cargo run --release -- run pipelines/annual.toml` first")
        return 1
    rows, fen = truth()
    # Table folders hold Parquet files only: Hive readers need no filter.
    strays = [
        p
        for p in STORE.glob("*/period=*/*")
        if p.suffix != ".parquet" and not p.name.startswith(".")
    ]
    failures = [f"not Parquet inside a table folder: {p}" for p in strays]
    ran = 0
    for name, code in snippets():
        scope = {}
        try:
            exec(compile(code, f"README:{name}", "exec"), scope)
        except Exception as error:  # a snippet that fails is the finding
            failures.append(f"{name}: {type(error).__name__}: {error}")
            continue
        ran += 1
        answer = [tuple(r) for r in scope["answer"]]
        counted = sum(r[1] for r in answer)
        recovered = round(sum(float(r[2] or 0) for r in answer) * 100)
        if counted != rows:
            failures.append(f"{name}: {counted} cases, the manifest says {rows}")
        if recovered != fen:
            failures.append(f"{name}: 追发工资 {recovered} fen, the store holds {fen}")
        print(f"{name}: {len(answer)} townships, {counted} cases, {recovered / 100:.2f} 元 — as stored")
    if ran < 2:
        failures.append(f"{ran} store snippets ran; README should have DuckDB and polars")
    for f in failures:
        print("FAILED", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
