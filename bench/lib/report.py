#!/usr/bin/env python3
"""Turn hyperfine --export-json files into ratio rows and the final summary table.

Rows are JSON lines in a ROWS file, appended by the sections as they finish:

  report.py ratio ROWS JSON --section S --ours NAME --base NAME --kind faster|within --goal X
      faster: ratio = base mean / ours mean, PASS when ratio >= X  ("X× faster")
      within: ratio = ours mean / base mean, PASS when ratio <= X  ("at most X× the baseline")
  report.py under ROWS JSON --section S --ours NAME --goal SECONDS
      PASS when the mean of NAME is under SECONDS
  report.py curve ROWS --section S --op OP --ours NAME --base NAME --goal X --at N=JSON...
      per-task times of OP at each size N (mean / N), ours and the baseline's; PASS when ours
      per task at the largest N is at most X times its per-task time at 16
  report.py note ROWS --section S --status skip|error|ok|fail --text TEXT
      a skipped section, an error, or a correctness check (listed under the table)
  report.py table ROWS OUT [--meta 'KEY: VALUE']...
      print the summary (markdown) and write it to OUT; exit 1 if a section failed or a check did
"""
import argparse
import json
import re
import statistics
import sys


def load(path):
    """Results by command name; entries named `NAME [k]` (round k of an interleaved
    invocation) are pooled under NAME."""
    pooled = {}
    with open(path) as f:
        for r in json.load(f)["results"]:
            name = re.sub(r" \[\d+\]$", "", r["command"])
            entry = pooled.setdefault(name, {"times": [], "cpu": 0.0})
            entry["times"].extend(r["times"])
            entry["cpu"] += (r["user"] + r["system"]) * len(r["times"])
    out = {}
    for name, entry in pooled.items():
        times = entry["times"]
        out[name] = {
            "cpu": entry["cpu"] / len(times),
            "mean": statistics.fmean(times),
            "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
            "median": statistics.median(times),
            "times": times,
        }
    return out


def fmt(mean, sd):
    if mean < 1.0:
        return f"{mean * 1000:.1f} ms ± {sd * 1000:.1f}"
    return f"{mean:.3f} s ± {sd:.3f}"


def fmt_s(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds < 1.0 else f"{seconds:.2f} s"


def append(rows, row):
    with open(rows, "a") as f:
        f.write(json.dumps(row) + "\n")


def cmd_ratio(a):
    res = load(a.json)
    ours, base = res[a.ours], res[a.base]
    om, bm = ours["mean"], base["mean"]
    omed, bmed = ours["median"], base["median"]
    if a.kind == "faster":
        ratio, rmed = bm / om, bmed / omed
        ok = ratio >= a.goal
        shown = f"{ratio:.2f}× faster (medians {rmed:.2f}×)"
        goal = f"≥ {a.goal:g}× faster"
    else:
        ratio, rmed = om / bm, omed / bmed
        ok = ratio <= a.goal
        shown = f"{ratio:.2f}× {a.base} (medians {rmed:.2f}×)"
        goal = f"≤ {a.goal:g}× {a.base}"
    append(a.rows, {
        "type": "ratio", "section": a.section, "comparison": f"{a.ours} vs {a.base}",
        "ours": fmt(om, ours["stddev"] or 0.0), "base": fmt(bm, base["stddev"] or 0.0),
        "ratio": shown, "goal": goal, "result": "PASS" if ok else "MISS",
        "runs": f"{len(ours['times'])}/{len(base['times'])}",
        "cpu": f"{fmt_s(ours['cpu'])} / {fmt_s(base['cpu'])}",
    })


def cmd_under(a):
    r = load(a.json)[a.ours]
    ok = r["mean"] < a.goal
    append(a.rows, {
        "type": "ratio", "section": a.section, "comparison": f"{a.ours} alone",
        "ours": fmt(r["mean"], r["stddev"] or 0.0), "base": "—",
        "ratio": f"median {r['median'] * 1000:.1f} ms", "goal": f"< {a.goal:g} s",
        "result": "PASS" if ok else "MISS",
        "runs": f"{len(r['times'])}",
        "cpu": fmt_s(r["cpu"]),
    })


def cmd_curve(a):
    points = []
    for spec in a.at:
        n, path = spec.split("=", 1)
        res = load(path)
        points.append((int(n), res[a.ours]["mean"] / int(n), res[a.base]["mean"] / int(n)))
    points.sort()
    per = {n: ours for n, ours, _ in points}
    largest = points[-1][0]
    growth = per[largest] / per[16] if 16 in per else float("nan")
    ms = lambda x: f"{x * 1000:.1f}"
    append(a.rows, {
        "type": "curve", "section": a.section, "op": a.op, "base": a.base,
        "sizes": [n for n, _, _ in points],
        "ours": [ms(o) for _, o, _ in points],
        "baseline": [ms(b) for _, _, b in points],
        "faster": [f"{b / o:.2f}×" for _, o, b in points],
        "growth": f"{growth:.2f}×", "goal": f"≤ {a.goal:g}×",
        "result": "PASS" if growth <= a.goal else "MISS",
    })


def cmd_note(a):
    append(a.rows, {"type": "note", "section": a.section, "status": a.status, "text": a.text})


def cmd_table(a):
    rows = []
    try:
        with open(a.rows) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        pass
    out = ["# git-agents benchmark results", ""]
    out += [f"- {m}" for m in a.meta]
    out += [
        "",
        "One hyperfine invocation per section; its commands alternate in rounds (`NAME [k]`),",
        "the same --prepare runs before every timed run, and each side's runs are pooled.",
        "Ratios are of means (the ratio of medians is shown beside it): \"× faster\" =",
        "baseline / git-agents; \"× cp -a\" and \"× xargs\" = git-agents / baseline. PASS/MISS",
        "compares the ratio of means with the goal. CPU is user+sys per run (git-agents / baseline),",
        "which other load on the machine disturbs less than wall time.",
        "",
        "| section | comparison | git-agents (mean ± sd) | baseline (mean ± sd) | ratio | goal | result | runs | CPU user+sys |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["type"] == "ratio":
            out.append(
                f"| {r['section']} | {r['comparison']} | {r['ours']} | {r['base']} | "
                f"{r['ratio']} | {r['goal']} | **{r['result']}** | {r['runs']} | {r['cpu']} |"
            )
    curves = [r for r in rows if r["type"] == "curve"]
    if curves:
        sizes = curves[0]["sizes"]
        cols = " | ".join(f"{n}" for n in sizes)
        out += [
            "",
            "Scale (1,000-file repository): milliseconds per task, git-agents / baseline, and how",
            f"much faster git-agents is, at {', '.join(map(str, sizes))} tasks. Growth is git-agents'",
            f"per-task time at {sizes[-1]} over that at 16.",
            "",
            f"| operation | baseline | {cols} | growth 16→{sizes[-1]} | goal | result |",
            "|---|---|" + "---|" * len(sizes) + "---|---|---|",
        ]
        for r in curves:
            cells = " | ".join(
                f"{o} / {b} ({f})" for o, b, f in zip(r["ours"], r["baseline"], r["faster"])
            )
            out.append(
                f"| {r['op']} | {r['base']} | {cells} | {r['growth']} | {r['goal']} | **{r['result']}** |"
            )
        out.append("")
    for r in rows:
        if r["type"] == "note" and r["status"] in ("skip", "error"):
            label = "SKIPPED" if r["status"] == "skip" else "ERROR"
            out.append(f"| {r['section']} | {r['text']} | | | | | {label} | | |")
    checks = [r for r in rows if r["type"] == "note" and r["status"] in ("ok", "fail")]
    if checks:
        out += ["", "Checks (not timed):", ""]
        for r in checks:
            mark = "ok" if r["status"] == "ok" else "FAILED"
            out.append(f"- {r['section']}: {mark}: {r['text']}")
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(a.out, "w") as f:
        f.write(text)
    # A MISS is a result; a section that broke or a failed check is not.
    broken = [r for r in rows if r["type"] == "note" and r["status"] in ("error", "fail")]
    sys.exit(1 if broken else 0)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ratio")
    s.add_argument("rows"); s.add_argument("json")
    s.add_argument("--section", required=True); s.add_argument("--ours", required=True)
    s.add_argument("--base", required=True)
    s.add_argument("--kind", choices=["faster", "within"], required=True)
    s.add_argument("--goal", type=float, required=True)
    s.set_defaults(func=cmd_ratio)
    s = sub.add_parser("under")
    s.add_argument("rows"); s.add_argument("json")
    s.add_argument("--section", required=True); s.add_argument("--ours", required=True)
    s.add_argument("--goal", type=float, required=True)
    s.set_defaults(func=cmd_under)
    s = sub.add_parser("curve")
    s.add_argument("rows")
    s.add_argument("--section", required=True); s.add_argument("--op", required=True)
    s.add_argument("--ours", required=True); s.add_argument("--base", required=True)
    s.add_argument("--goal", type=float, required=True)
    s.add_argument("--at", action="append", required=True)
    s.set_defaults(func=cmd_curve)
    s = sub.add_parser("note")
    s.add_argument("rows")
    s.add_argument("--section", required=True)
    s.add_argument("--status", choices=["skip", "error", "ok", "fail"], required=True)
    s.add_argument("--text", required=True)
    s.set_defaults(func=cmd_note)
    s = sub.add_parser("table")
    s.add_argument("rows"); s.add_argument("out")
    s.add_argument("--meta", action="append", default=[])
    s.set_defaults(func=cmd_table)
    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
