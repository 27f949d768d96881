"""Benchmark `bri-data validate` against `frictionless validate`, side by side.

For each size N (total rows) a synthetic valid package is generated (benchmarks/synth.py),
then both commands run alternately REPEATS times each as fresh processes; we report the
median wall time, rows/s, peak RSS of the child process and the ratio. Also measured:
cold start on the shipped package, and an error-heavy package (every row of every table
broken) with bri-data alone, to show that findings stay capped in time and memory.

    python benchmarks/run.py --sizes 1000 100000 1000000 --repeats 3 --json benchmarks/results.json

Timings are machine-dependent; the ratios are what BENCHMARKS.md records.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402

BIN = Path(sys.executable).parent


def count_rows(pkg: Path) -> int:
    """Data rows in all tables (physical lines minus one header per file)."""
    total = 0
    for path in (pkg / "data").glob("*.csv"):
        with path.open("rb") as fh:
            total += sum(1 for _ in fh) - 1
    return total


def measure(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, proc.returncode


def compare(pkg: Path, rows: int, repeats: int, peer_repeats: int) -> dict[str, Any]:
    ours = [str(BIN / "bri-data"), "validate", str(pkg)]
    peer = [str(BIN / "frictionless"), "validate", str(pkg / "datapackage.json")]
    runs: dict[str, list[tuple[float, int, int]]] = {"bri-data": [], "frictionless": []}
    for i in range(max(repeats, peer_repeats)):  # alternate, so drift hits both alike
        if i < repeats:
            runs["bri-data"].append(measure(ours))
        if i < peer_repeats:
            runs["frictionless"].append(measure(peer))
    out: dict[str, Any] = {"rows": rows, "commands": {"bri-data": " ".join(ours), "frictionless": " ".join(peer)}}
    for name, rs in runs.items():
        wall = statistics.median(r[0] for r in rs)
        out[name] = {
            "median_s": round(wall, 3),
            "rows_per_s": round(rows / wall),
            "peak_rss_mib": round(max(r[1] for r in rs) / 1024, 1),
            "exit_codes": sorted({r[2] for r in rs}),
            "runs": len(rs),
        }
    out["time_ratio"] = round(out["bri-data"]["median_s"] / out["frictionless"]["median_s"], 3)
    out["speedup_rows_per_s"] = round(out["bri-data"]["rows_per_s"] / out["frictionless"]["rows_per_s"], 1)
    return out


def break_every_row(pkg: Path) -> None:
    """Damage every row of every table but sources (then refresh hashes, as a careless build)."""
    from bri_data.build.generate import build
    from bri_data.contract import model as C

    damage = {"actors": ("kind", "wizard"), "events": ("type", "sumit"), "statements": ("text", "never said"),
              "memberships": ("start", "someday"), "relations": ("kind", "same"), "citations": ("quote", "not the text")}
    for table in C.TABLES[1:]:
        col, value = damage[table.name]
        path = pkg / table.path
        tmp = path.with_suffix(".tmp")
        with path.open(encoding="utf-8", newline="") as src, tmp.open("w", encoding="utf-8", newline="") as dst:
            reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
            header = next(reader)
            writer.writerow(header)
            i = header.index(col)
            for row in reader:
                row[i] = value
                writer.writerow(row)
        tmp.replace(path)
    build(pkg, docs=False)


def markdown(results: dict[str, Any]) -> str:
    """The results table of BENCHMARKS.md (between its `results` markers)."""
    m = results["machine"]
    out = [
        f"Measured {results['date']} on {m['cpus']} cores, Python {m['python']}, {m['platform']}.",
        "",
        "| package | rows | bri-data median | frictionless median | time ratio | rows/s bri-data | rows/s frictionless | speed-up | peak RSS bri-data | peak RSS frictionless |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    named = [("shipped (cold start)", results["cold_start"])] + [(f"synthetic {r['rows']:,}", r) for r in results["sizes"]]
    for name, r in named:
        a, b = r["bri-data"], r["frictionless"]
        out.append(
            f"| {name} | {r['rows']:,} | {a['median_s']:.3f} s | {b['median_s']:.3f} s | {r['time_ratio']:.3f} | "
            f"{a['rows_per_s']:,} | {b['rows_per_s']:,} | {r['speedup_rows_per_s']:.1f}x | "
            f"{a['peak_rss_mib']:.0f} MiB | {b['peak_rss_mib']:.0f} MiB |"
        )
    if "errors" in results:
        e = results["errors"]
        out += ["", f"Error-heavy input ({e['rows']:,} rows, every row of every table but sources broken; bri-data only): "
                f"{e['median_s']:.2f} s, {e['peak_rss_mib']:.0f} MiB, exit {e['exit_code']}."]
    out += ["", "Targets (issue 5), judged from the numbers above:", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target, measured, met in targets(results):
        out.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")
    return "\n".join(out) + "\n"


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of issue 5 that these results can judge."""
    rows = []
    cold = results["cold_start"]["time_ratio"]
    rows.append(("shipped package, cold process: at most 0.35x frictionless's wall time", f"{cold:.2f}x", cold <= 0.35))
    by_rows = {r["rows"] // 1000 * 1000: r for r in results["sizes"]}
    big, mid = by_rows.get(1_000_000), by_rows.get(100_000)
    if big:
        rows.append(("1M rows: at least 10x frictionless's rows/s", f"{big['speedup_rows_per_s']:.1f}x", big["speedup_rows_per_s"] >= 10))
        rss = big["bri-data"]["peak_rss_mib"]
        rows.append(("peak RSS at 1M rows under 500 MiB", f"{rss:.0f} MiB", rss < 500))
    if big and mid:
        growth = big["bri-data"]["median_s"] / mid["bri-data"]["median_s"]
        rows.append(("linear: 1M rows take at most 12x the time of 100k", f"{growth:.1f}x", growth <= 12))
    if "errors" in results:
        e = results["errors"]
        rows.append(("error-heavy input: findings capped, no blow-up", f"{e['median_s']:.1f} s, {e['peak_rss_mib']:.0f} MiB", e["peak_rss_mib"] < 500))
    return rows


def update(doc: Path, table: str) -> None:
    """Replace the block between the results markers of DOC with TABLE."""
    text = doc.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->\n", "<!-- results:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(head + start + table + end + tail, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-repeats", type=int, default=None, help="frictionless runs (default: --repeats)")
    ap.add_argument("--cold-repeats", type=int, default=10)
    ap.add_argument("--errors-size", type=int, default=100_000, help="rows of the error-heavy package (0: skip)")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--workdir", type=Path, default=None, help="where packages are generated (default: a temp dir)")
    ap.add_argument("--update", type=Path, help="rewrite the results table of this file (BENCHMARKS.md)")
    ap.add_argument("--render", type=Path, help="measure nothing: render this results JSON into --update")
    args = ap.parse_args()
    if args.render:
        table = markdown(json.loads(args.render.read_text(encoding="utf-8")))
        if args.update:
            update(args.update, table)
        print(table)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bri-bench-"))
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "cold_start": compare(ROOT, count_rows(ROOT), args.cold_repeats, args.cold_repeats),
        "sizes": [],
    }
    print(json.dumps({"cold_start": results["cold_start"]}, indent=1), flush=True)
    for n in args.sizes:
        pkg = work / f"synth-{n}"
        if not (pkg / "datapackage.json").is_file():
            synth.write(n, pkg)
        res = compare(pkg, count_rows(pkg), args.repeats, args.peer_repeats or args.repeats)
        results["sizes"].append(res)
        print(json.dumps(res, indent=1), flush=True)
    if args.errors_size:
        pkg = work / f"errors-{args.errors_size}"
        if not (pkg / "datapackage.json").is_file():
            synth.write(args.errors_size, pkg)
            break_every_row(pkg)
        wall, rss, code = measure([str(BIN / "bri-data"), "validate", str(pkg), "--format", "json"])
        results["errors"] = {"rows": args.errors_size, "median_s": round(wall, 3), "peak_rss_mib": round(rss / 1024, 1), "exit_code": code}
        print(json.dumps({"errors": results["errors"]}, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.update:
        update(args.update, markdown(results))
    print(markdown(results))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
