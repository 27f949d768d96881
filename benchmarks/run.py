"""Benchmark `bri-data validate` against two peers, side by side, and judge issue 14's targets.

Peers: `frictionless validate` (what bri-data replaces) and pandera with the polars
backend (`benchmarks/pandera_peer.py`, extra `bench`: the layers pandera can express).
For each size N (total rows) a synthetic valid package is generated (benchmarks/synth.py,
realistic shape unless --shape simple), then every command runs REPEATS times as a fresh
process, the commands alternating so that drift hits all alike; we report the median wall
time, rows/s, the child's peak RSS, and ratios between commands of the same run.
Also measured: cold start on the shipped package, `load()`, an error-heavy package
(every row of every table broken), and the exports at one size.

    python benchmarks/run.py --sizes 1000 100000 1000000 3000000 --json benchmarks/results.json --update BENCHMARKS.md

The machine must be quiet: before measuring, the runner refuses (exit 2) when the
1-minute load average exceeds --max-load x nproc, and after measuring it refuses to write
results when other processes used more than that many cores during the runs (read from
/proc/stat). --allow-busy measures and writes anyway, and the rendered results say so.
Timings are machine-dependent; ratios from one run are what BENCHMARKS.md records.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
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
MiB = 1024


def count_rows(pkg: Path) -> int:
    """Data rows in all tables (CSV records minus one header per file)."""
    total = 0
    for path in (pkg / "data").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            total += sum(1 for _ in csv.reader(fh)) - 1
    return total


def nproc() -> int:
    """CPUs this process may run on (what `nproc` prints)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _busy_jiffies() -> int | None:
    """CPU time the whole machine spent busy, in clock ticks (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + irq + softirq + steal


def measure(cmd: list[str]) -> dict[str, Any]:
    """One fresh process: wall seconds, peak RSS (KiB), exit code, and how many cores
    other processes kept busy meanwhile (machine busy time minus the child's, per second)."""
    tick = os.sysconf("SC_CLK_TCK")
    busy0 = _busy_jiffies()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    busy1 = _busy_jiffies()
    own = usage.ru_utime + usage.ru_stime
    other = None if busy0 is None or busy1 is None else max(0.0, ((busy1 - busy0) / tick - own) / wall)
    return {"wall": wall, "rss": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status), "cpu": own, "other": other}


def summarize(runs: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    wall = statistics.median(r["wall"] for r in runs)
    others = [r["other"] for r in runs if r["other"] is not None]
    return {
        "median_s": round(wall, 3),
        "rows_per_s": round(rows / wall),
        "peak_rss_mib": round(max(r["rss"] for r in runs) / MiB, 1),
        "cpu_s": round(statistics.median(r["cpu"] for r in runs), 3),
        "exit_codes": sorted({r["code"] for r in runs}),
        "runs": len(runs),
        "other_cores": round(max(others), 2) if others else None,
    }


def compare(commands: dict[str, list[str]], rows: int, repeats: dict[str, int]) -> dict[str, Any]:
    """Run COMMANDS alternately (REPEATS[name] times each); stats per command."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for i in range(max(repeats.values())):
        for name, cmd in commands.items():
            if i < repeats[name]:
                runs[name].append(measure(cmd))
    out: dict[str, Any] = {"rows": rows, "commands": {k: " ".join(v) for k, v in commands.items()}}
    for name, rs in runs.items():
        out[name] = summarize(rs, rows)
    return out


def break_every_row(pkg: Path) -> None:
    """Damage every row of every table but sources (then refresh hashes, as a careless
    build would): a vocabulary value where the table has one (each then takes the
    "did you mean" path), otherwise a text the provenance check rejects."""
    from bri_data.build.generate import build
    from bri_data.contract import model as C

    preferred = {"actors": ("kind", "wizard"), "events": ("type", "sumit"), "statements": ("text", "never said"),
                 "memberships": ("start", "someday"), "citations": ("quote", "not the text")}
    for table in C.TABLES[1:]:
        col, value = preferred.get(table.name) or next((c.name, "wizard") for c in table.columns if c.vocabulary)
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


# --- rendering ------------------------------------------------------------------------


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    """How many times A's rows/s B's is (None when either is missing)."""
    if not a or not b:
        return None
    return a["rows_per_s"] / b["rows_per_s"]


def _x(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}x"


def _stats_row(name: str, rows: int, cmd: str, s: dict[str, Any], vs_f: float | None, vs_p: float | None) -> str:
    return (f"| {name} | {rows:,} | {cmd} | {s['median_s']:.3f} s | {s['rows_per_s']:,} | {s['peak_rss_mib']:.0f} MiB | "
            f"{'/'.join(map(str, s['exit_codes']))} | {_x(vs_f)} | {_x(vs_p)} |")


def markdown(results: dict[str, Any]) -> str:
    """The results block of BENCHMARKS.md (between its `results` markers)."""
    m = results["machine"]
    busy = m.get("busy")
    other = "?" if m.get("other_cores") is None else f"{m['other_cores']:.2f}"
    out = [
        f"Measured {results['date']} on {m['nproc']} cores (nproc; {m['cpus']} CPUs in the machine), Python {m['python']}, "
        f"{m['platform']}; frictionless {m['versions'].get('frictionless') or 'not installed'}, "
        f"pandera {m['versions'].get('pandera') or 'not installed'} (polars backend), polars {m['versions'].get('polars') or 'not installed'}, "
        f"bri-data {m['versions'].get('bri-data')}, `{results['shape']}` synthetic packages.",
        "",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in m['load_before'])}; after: "
        f"{', '.join(f'{v:.2f}' for v in m['load_after'])}. Other processes kept at most "
        f"{other} cores busy during any one run "
        f"(limit {m['max_load']:.2f}).",
    ]
    if busy:
        out += ["", "**Measured on a busy machine** (`--allow-busy`): other processes competed for the cores, "
                "so times and ratios are less reliable than on a quiet machine."]
    out += [
        "",
        "| package | rows | command | median | rows/s | peak RSS | exit | vs frictionless | vs pandera |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    cold = results["cold_start"]
    out.append(_stats_row("shipped (cold start)", cold["rows"], "bri-data", cold["bri-data"], _ratio(cold["bri-data"], cold["frictionless"]), None))
    out.append(_stats_row("shipped (cold start)", cold["rows"], "frictionless", cold["frictionless"], None, None))
    for r in results["sizes"]:
        f, p = r.get("frictionless"), r.get("pandera")
        for cmd in ("bri-data", "bri-data --engine rows", "pandera", "frictionless"):
            if cmd in r:
                s = r[cmd]
                vs_f = _ratio(s, f) if cmd != "frictionless" else None
                vs_p = _ratio(s, p) if cmd.startswith("bri-data") else None
                out.append(_stats_row(f"synthetic {r['rows']:,}", r["rows"], cmd, s, vs_f, vs_p))
    if "errors" in results:
        e = results["errors"]
        for cmd in ("bri-data (valid package)", "bri-data", "bri-data --engine rows"):
            if cmd in e:
                out.append(_stats_row(f"error-heavy {e['rows']:,}" if cmd != "bri-data (valid package)" else f"synthetic {e['rows']:,}",
                                      e["rows"], cmd.replace(" (valid package)", ""), e[cmd], None, None))
    if "exports" in results:
        x = results["exports"]
        out += ["", f"Exports of the {x['rows']:,}-row package (each validates it first), against `bri-data validate` in the same run:", "",
                "| command | median | peak RSS | exit | time / validate |", "| --- | ---: | ---: | --- | ---: |"]
        base = x["bri-data validate"]["median_s"]
        for cmd in ("bri-data validate", "export sqlite", "export duckdb", "export parquet"):
            if cmd in x:
                s = x[cmd]
                out.append(f"| {cmd} | {s['median_s']:.3f} s | {s['peak_rss_mib']:.0f} MiB | {'/'.join(map(str, s['exit_codes']))} | {s['median_s'] / base:.2f} |")
    if "load" in results:
        out += ["", f"`bri_data.load()` of the shipped package in a fresh process: median {results['load']['median_s']:.3f} s "
                f"over {results['load']['runs']} runs (the call itself, imports it triggers included)."]
    out += ["", "Targets (issue 14), judged from the numbers above:", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target, measured, met in targets(results):
        verdict = "—" if met is None else "yes" if met else "**no**"
        out.append(f"| {target} | {measured} | {verdict} |")
    return "\n".join(out) + "\n"


def _size(results: dict[str, Any], n: int) -> dict[str, Any] | None:
    """The results of the size nearest N (sizes are nominal: 1M means about a million rows)."""
    for r in results["sizes"]:
        if abs(r["rows"] - n) <= n * 0.01:
            return r
    return None


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for every target of issue 14; met is None where these
    results cannot judge it (the size was not measured)."""
    out: list[tuple[str, str, bool | None]] = []
    nm = "not measured (run with this size)"

    def add(target: str, value: float | None, fmt: str, ok: Any) -> None:
        out.append((target, nm if value is None else fmt.format(value), None if value is None else bool(ok(value))))

    big, mid, huge = _size(results, 1_000_000), _size(results, 100_000), _size(results, 3_000_000)
    b = big or {}
    pandera_ratio = None if not (b.get("pandera") and b.get("bri-data")) else b["pandera"]["median_s"] / b["bri-data"]["median_s"]
    add("1M rows: no slower than pandera-polars (which runs a subset of the checks)", pandera_ratio,
        "pandera's time / bri-data's: {:.2f}", lambda v: v >= 1)
    fr = _ratio(b.get("bri-data"), b.get("frictionless"))
    add("1M rows: at least 25x frictionless's rows/s (the pandera target)", fr, "{:.1f}x", lambda v: v >= 25)
    add("1M rows, all checks, realistic data: at least 20x frictionless's rows/s", fr, "{:.1f}x", lambda v: v >= 20)
    rss = b.get("bri-data", {}).get("peak_rss_mib")
    add("peak RSS under 300 MiB at 1M rows, valid package", rss, "{:.0f} MiB", lambda v: v < 300)
    e = results.get("errors") or {}
    e_ok = e if abs(e.get("rows", 0) - 1_000_000) <= 10_000 else {}
    add("peak RSS under 300 MiB at 1M rows, error-heavy package", e_ok.get("bri-data", {}).get("peak_rss_mib"), "{:.0f} MiB", lambda v: v < 300)
    for cmd, label in (("bri-data", "columnar (auto)"), ("bri-data --engine rows", "row engine")):
        t = m_ = None
        if huge and big and cmd in huge and cmd in big:
            t = huge[cmd]["median_s"] / big[cmd]["median_s"]
            m_ = huge[cmd]["peak_rss_mib"] / big[cmd]["peak_rss_mib"]
        add(f"linear up to 3M rows, {label}: 3M takes at most 3.5x the time of 1M", t, "{:.2f}x", lambda v: v <= 3.5)
        add(f"linear up to 3M rows, {label}: at most 3.5x the peak memory of 1M", m_, "{:.2f}x", lambda v: v <= 3.5)
    err = None if not e_ok.get("bri-data") else e_ok["bri-data"]["median_s"] / e_ok["bri-data (valid package)"]["median_s"]
    add("error-heavy 1M: at most 2x the valid package's time", err, "{:.2f}x", lambda v: v <= 2)
    err_rows = None
    if e_ok.get("bri-data --engine rows") and big and big.get("bri-data --engine rows"):
        err_rows = e_ok["bri-data --engine rows"]["median_s"] / big["bri-data --engine rows"]["median_s"]
    add("no input shape superlinear: error-heavy 1M, row engine, at most 2x its valid time", err_rows, "{:.2f}x", lambda v: v <= 2)
    rows100 = (mid or {}).get("bri-data --engine rows")
    add("row engine at 100k rows: at least 150k rows/s", None if not rows100 else rows100["rows_per_s"], "{:,} rows/s", lambda v: v >= 150_000)
    add("row engine at 100k rows: at least 4x frictionless's rows/s", _ratio(rows100, (mid or {}).get("frictionless")), "{:.1f}x", lambda v: v >= 4)
    x = results.get("exports") or {}
    x_ok = x if abs(x.get("rows", 0) - 1_000_000) <= 10_000 else {}
    for fmt in ("sqlite", "duckdb", "parquet"):
        s = x_ok.get(f"export {fmt}")
        add(f"1M-row export to {fmt}: within 3x the time to validate the package", None if not s else s["median_s"] / x_ok["bri-data validate"]["median_s"],
            "{:.2f}x", lambda v: v <= 3)
    cold = results["cold_start"]
    add("shipped package, cold process: at most 0.3x frictionless's wall time", cold["bri-data"]["median_s"] / cold["frictionless"]["median_s"],
        "{:.2f}x", lambda v: v <= 0.3)
    add("`load()` under 0.15 s", (results.get("load") or {}).get("median_s"), "{:.3f} s", lambda v: v < 0.15)
    return out


def update(doc: Path, table: str) -> None:
    """Replace the block between the results markers of DOC with TABLE."""
    text = doc.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->\n", "<!-- results:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(head + start + table + end + tail, encoding="utf-8")


# --- measuring ------------------------------------------------------------------------


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


LOAD_SNIPPET = "import time, bri_data; t = time.perf_counter(); bri_data.load(); print(time.perf_counter() - t)"


def measure_load(repeats: int) -> dict[str, Any]:
    """`load()` of the shipped package, timed inside fresh processes."""
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return {"median_s": round(statistics.median(times), 3), "runs": repeats}


def _package(work: Path, n: int, shape: str, broken: bool = False) -> Path:
    pkg = work / f"{'errors' if broken else 'synth'}-{shape}-{n}"
    if not (pkg / "datapackage.json").is_file():
        synth.write(n, pkg, shape=shape)
        if broken:
            break_every_row(pkg)
    return pkg


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000, 3_000_000])
    ap.add_argument("--shape", choices=synth.SHAPES, default="realistic")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-repeats", type=int, default=None, help="frictionless and pandera runs (default: --repeats)")
    ap.add_argument("--peer-max", type=int, default=1_000_000, help="run the peers on sizes up to this many rows")
    ap.add_argument("--rows-max", type=int, default=3_000_000, help="also run `--engine rows` on sizes up to this many rows")
    ap.add_argument("--cold-repeats", type=int, default=10)
    ap.add_argument("--errors-size", type=int, default=1_000_000, help="rows of the error-heavy package (0: skip)")
    ap.add_argument("--export-size", type=int, default=1_000_000, help="rows of the package exported (0: skip)")
    ap.add_argument("--max-load", type=float, default=0.5, help="busy above this many other busy cores per core (default 0.5)")
    ap.add_argument("--allow-busy", action="store_true", help="measure and write results on a busy machine (the results say so)")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--workdir", type=Path, default=None, help="where packages are generated and kept (default: a temp dir)")
    ap.add_argument("--update", type=Path, help="rewrite the results block of this file (BENCHMARKS.md)")
    ap.add_argument("--render", type=Path, help="measure nothing: render this results JSON (into --update)")
    args = ap.parse_args()
    if args.render:
        doc = json.loads(args.render.read_text(encoding="utf-8"))
        if "nproc" not in doc.get("machine", {}):
            print(f"{args.render} was written by the issue-5 runner (no nproc, peers or targets of issue 14); measure again", file=sys.stderr)
            return 2
        table = markdown(doc)
        if args.update:
            update(args.update, table)
        print(table)
        return 0
    cores = nproc()
    limit = args.max_load * cores
    before = os.getloadavg()
    if before[0] > limit and not args.allow_busy:
        print(f"refusing to measure: the 1-minute load average is {before[0]:.2f}, above {limit:.2f} "
              f"({args.max_load} x {cores} cores); wait for a quiet machine or pass --allow-busy", file=sys.stderr)
        return 2
    pandera = importlib.util.find_spec("pandera") is not None
    bri = str(BIN / "bri-data")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bri-bench-"))
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "shape": args.shape, "sizes": []}
    results["cold_start"] = compare(
        {"bri-data": [bri, "validate", str(ROOT)], "frictionless": [str(BIN / "frictionless"), "validate", str(ROOT / "datapackage.json")]},
        count_rows(ROOT), {"bri-data": args.cold_repeats, "frictionless": args.cold_repeats},
    )
    results["load"] = measure_load(args.cold_repeats)
    print(json.dumps({"cold_start": results["cold_start"], "load": results["load"]}, indent=1), flush=True)
    peer_repeats = args.peer_repeats or args.repeats
    for n in args.sizes:
        pkg = _package(work, n, args.shape)
        cmds = {"bri-data": [bri, "validate", str(pkg)]}
        reps = {"bri-data": args.repeats}
        if n <= args.rows_max:
            cmds["bri-data --engine rows"] = [bri, "validate", str(pkg), "--engine", "rows"]
            reps["bri-data --engine rows"] = args.repeats
        if n <= args.peer_max:
            if pandera:
                cmds["pandera"] = [sys.executable, str(HERE / "pandera_peer.py"), str(pkg)]
                reps["pandera"] = peer_repeats
            cmds["frictionless"] = [str(BIN / "frictionless"), "validate", str(pkg / "datapackage.json")]
            reps["frictionless"] = peer_repeats
        res = compare(cmds, count_rows(pkg), reps)
        results["sizes"].append(res)
        print(json.dumps(res, indent=1), flush=True)
    if args.errors_size:
        valid, broken = _package(work, args.errors_size, args.shape), _package(work, args.errors_size, args.shape, broken=True)
        cmds = {"bri-data (valid package)": [bri, "validate", str(valid)], "bri-data": [bri, "validate", str(broken), "--format", "json"]}
        if args.errors_size <= args.rows_max:
            cmds["bri-data --engine rows"] = [bri, "validate", str(broken), "--format", "json", "--engine", "rows"]
        results["errors"] = compare(cmds, count_rows(broken), dict.fromkeys(cmds, args.repeats))
        print(json.dumps({"errors": results["errors"]}, indent=1), flush=True)
    if args.export_size:
        pkg = _package(work, args.export_size, args.shape)
        out = work / "exports"
        out.mkdir(exist_ok=True)
        cmds = {"bri-data validate": [bri, "validate", str(pkg)]}
        for fmt in ("sqlite", "duckdb", "parquet"):
            cmds[f"export {fmt}"] = [bri, "export", fmt, str(out / f"out.{fmt}"), "--force", "--package", str(pkg)]
        results["exports"] = compare(cmds, count_rows(pkg), dict.fromkeys(cmds, args.repeats))
        print(json.dumps({"exports": results["exports"]}, indent=1), flush=True)
    others = [s["other_cores"] for block in [results["cold_start"], *results["sizes"], results.get("errors"), results.get("exports")]
              if block for k, s in block.items() if isinstance(s, dict) and s.get("other_cores") is not None]
    results["machine"] = {
        "python": platform.python_version(), "platform": platform.platform(), "nproc": cores, "cpus": os.cpu_count(),
        "versions": {d: _version(d) for d in ("bri-data", "frictionless", "pandera", "polars", "jsonschema-rs", "duckdb", "pyarrow")},
        "load_before": [round(v, 2) for v in before], "load_after": [round(v, 2) for v in os.getloadavg()],
        "other_cores": max(others) if others else None, "max_load": limit,
    }
    busy = before[0] > limit or any(o > limit for o in others)
    results["machine"]["busy"] = busy
    table = markdown(results)
    print(table)
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    if busy and not args.allow_busy:
        print(f"not writing results: other processes kept up to {max(others):.2f} cores busy during the runs "
              f"(limit {limit:.2f}); rerun on a quiet machine or pass --allow-busy", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.update:
        update(args.update, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
