#!/usr/bin/env python3
"""Run a spawn of many agents and measure git-agents' own footprint while they run.

  footprint.py ROWS --exe BIN --agent-exe NAME --agents N --window SECS -- COMMAND...

Waits until N agent processes (descendants whose executable is named NAME) are alive, then
measures
over WINDOW seconds the CPU time of every git-agents process (the main one and the per-agent
supervisors, found by their executable), and their memory: the main process's peak RSS
(VmHWM) and the proportional set size (Pss, shared pages split) of all of them together.
Appends two rows to ROWS (report.py's format): memory, goal < 100 MB; CPU, goal < 1% of a core.
"""
import argparse
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(root):
    kids, out, todo = children_map(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return 0


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ours(root, binary):
    """git-agents' processes under `root` (it and the small supervisor beside it), the main
    one (not started by another of them) first."""
    names = {binary, os.path.join(os.path.dirname(binary), "git-agents-supervise")}
    found = [p for p in tree(root) if exe(p) in names]
    parents = {p: int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1]) for p in found}
    return sorted(found, key=lambda p: parents[p] in parents)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rows")
    p.add_argument("--exe", required=True)
    p.add_argument("--agent-exe", required=True)
    p.add_argument("--agents", type=int, required=True)
    p.add_argument("--window", type=float, default=3.0)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    a = p.parse_args(argv[:split])
    cmd = argv[split + 1:]
    binary = os.path.realpath(a.exe)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        agents = [q for q in tree(proc.pid) if os.path.basename(exe(q) or "") == a.agent_exe]
        if len(agents) >= a.agents:
            break
        time.sleep(0.1)
    else:
        proc.wait()
        print("footprint.py: the agents never all ran", file=sys.stderr)
        sys.exit(1)
    procs = ours(proc.pid, binary)
    if not procs:
        print(f"footprint.py: no process runs {binary}", file=sys.stderr)
        sys.exit(1)
    main_pid = procs[0]
    before = sum(cpu_ticks(q) for q in procs)
    t0 = time.time()
    time.sleep(a.window)
    procs = ours(proc.pid, binary)
    spent = (sum(cpu_ticks(q) for q in procs) - before) / TICK
    wall = time.time() - t0
    pss = sum(pss_kib(q) for q in procs) / 1024
    hwm = 0
    while proc.poll() is None:
        hwm = max(hwm, status_kib(main_pid, "VmHWM"))
        time.sleep(0.1)
    hwm_mb = hwm / 1024
    cpu_pct = 100 * spent / wall
    rows = [
        {
            "type": "ratio", "section": "footprint",
            "comparison": f"memory with {a.agents} agents running",
            "ours": f"peak RSS {hwm_mb:.1f} MB (main process); Pss {pss:.1f} MB (all {len(procs)} git-agents processes)",
            "base": "—", "ratio": "—", "goal": "< 100 MB",
            "result": "PASS" if max(hwm_mb, pss) < 100 else "MISS", "runs": "1", "cpu": "—",
        },
        {
            "type": "ratio", "section": "footprint",
            "comparison": f"CPU while {a.agents} agents are quiet",
            "ours": f"{cpu_pct:.2f}% of a core ({spent:.2f} s over {wall:.1f} s)",
            "base": "—", "ratio": "—", "goal": "< 1% of a core",
            "result": "PASS" if cpu_pct < 1 else "MISS", "runs": "1", "cpu": f"{spent:.2f} s",
        },
    ]
    with open(a.rows, "a") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
