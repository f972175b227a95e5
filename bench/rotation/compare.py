#!/usr/bin/env python3
"""Compare kyodo's rotation planner with the exact CP-SAT model (cpsat.py).

usage: compare.py INSTANCE.json [INSTANCE.json ...] [--kyodo PATH] [--seconds S]
                  [--cpsat-seconds S] [--workers N] [--cpsat-arg ARG ...] [--out-dir DIR]

For each instance it runs
  kyodo plan rotation --input INST --output PLAN --seconds S   (wall time measured here)
  cpsat.py INST PLAN --seconds CPSAT_SECONDS --workers N
scores both plans with rotation_score.py --json, and prints a Markdown table.
A missing kyodo binary, a crash or a missing plan is reported in the table
rather than stopping the run, so either side can be measured alone.
Progress goes to stderr; only the table goes to stdout.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CPSAT = HERE / "cpsat.py"
# The scorer is meant to live in the repo; the shared copy is the fallback
# until it is copied there.
SCORERS = [REPO / "scripts" / "rotation_score.py", Path("/work/shared/rotation_score.py")]


def run_kyodo(binary, inst, plan, seconds):
    """Returns (note, wall seconds); note is None when a plan was written."""
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        return "missing", None
    if plan.exists():
        plan.unlink()
    t0 = time.monotonic()
    try:
        r = subprocess.run([str(binary), "plan", "rotation", "--input", str(inst),
                            "--output", str(plan), "--seconds", str(seconds)],
                           capture_output=True, text=True, timeout=seconds * 3 + 120)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - t0
    wall = time.monotonic() - t0
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or [""])[-1]
        print(f"  kyodo exited {r.returncode}: {tail}", file=sys.stderr)
        return f"error ({r.returncode})", wall
    return (None if plan.exists() else "no plan"), wall


def run_cpsat(inst, plan, seconds, workers, extra):
    """Returns cpsat.py's JSON line as a dict, or {"status": <what went wrong>}."""
    if plan.exists():
        plan.unlink()
    try:
        # Building a large model takes a while on top of the solver's limit.
        r = subprocess.run([sys.executable, str(CPSAT), str(inst), str(plan),
                            "--seconds", str(seconds), "--workers", str(workers), *extra],
                           capture_output=True, text=True, timeout=seconds * 2 + 600)
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    lines = r.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = (r.stderr.strip().splitlines() or [""])[-1]
        print(f"  cpsat.py exited {r.returncode}: {tail}", file=sys.stderr)
        return {"status": f"error ({r.returncode})"}


def score(scorer, inst, plan):
    """The scorer's verdict as a dict (feasible, score, ...), or None."""
    if not plan.exists():
        return None
    r = subprocess.run([sys.executable, str(scorer), str(inst), str(plan), "--json"],
                       capture_output=True, text=True)
    try:
        return json.loads(r.stdout)
    except ValueError:
        print(f"  scorer failed on {plan}: {r.stderr.strip()}", file=sys.stderr)
        return None


def fmt_score(verdict, note=None):
    if verdict is None:
        return note or "—"
    s = str(verdict["score"])
    return s if verdict["feasible"] else f"{s} (infeasible)"


def fmt_num(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="+", type=Path)
    ap.add_argument("--kyodo", type=Path, default=REPO / "target" / "release" / "kyodo",
                    help="kyodo binary (default: target/release/kyodo of this repo)")
    ap.add_argument("--seconds", type=float, default=60, help="kyodo's --seconds")
    ap.add_argument("--cpsat-seconds", type=float, default=60, help="CP-SAT time limit")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    ap.add_argument("--cpsat-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for cpsat.py, repeatable (e.g. --cpsat-arg=--hint)")
    ap.add_argument("--out-dir", type=Path,
                    help="keep the plans here (default: a temporary directory, removed)")
    args = ap.parse_args()

    scorer = next((s for s in SCORERS if s.is_file()), None)
    if scorer is None:
        sys.exit("no rotation_score.py found in " + ", ".join(map(str, SCORERS)))
    tmp = None
    if args.out_dir:
        out = args.out_dir
        out.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="rotation-compare-")
        out = Path(tmp.name)
    seconds = int(args.seconds) if float(args.seconds).is_integer() else args.seconds

    rows = []
    for inst in args.instances:
        name = inst.stem
        print(f"{name}: kyodo ...", file=sys.stderr)
        k_plan, c_plan = out / f"{name}.kyodo.json", out / f"{name}.cpsat.json"
        k_note, k_wall = run_kyodo(args.kyodo, inst, k_plan, seconds)
        k_verdict = score(scorer, inst, k_plan) if k_note is None else None
        print(f"{name}: CP-SAT ...", file=sys.stderr)
        c = run_cpsat(inst, c_plan, args.cpsat_seconds, args.workers, args.cpsat_arg)
        c_verdict = score(scorer, inst, c_plan)
        if c_verdict and c.get("score") is not None and c_verdict["score"] != c["score"]:
            # cpsat.py recomputes the contract score itself; a difference
            # means the model or the scorer changed under us.
            print(f"  warning: cpsat.py reported {c['score']}, scorer says {c_verdict['score']}",
                  file=sys.stderr)
        c_time = None
        if "build_seconds" in c:
            c_time = c["build_seconds"] + c["solve_seconds"]
        if k_verdict and c_verdict:
            both = "yes" if k_verdict["feasible"] and c_verdict["feasible"] else \
                "no (" + ", ".join(n for n, v in (("kyodo", k_verdict), ("CP-SAT", c_verdict))
                                   if not v["feasible"]) + ")"
        else:
            both = "—"
        c_note = "no plan" if c.get("status") in ("UNKNOWN", "TOO_LARGE", "INFEASIBLE") else None
        rows.append([name, fmt_score(k_verdict, k_note), fmt_num(k_wall),
                     fmt_score(c_verdict, c_note), fmt_num(c.get("bound")),
                     str(c.get("status")), fmt_num(c_time), both])

    head = ["instance", "kyodo score", "kyodo time (s)", "CP-SAT score", "CP-SAT bound",
            "CP-SAT status", "CP-SAT time (s)", "both feasible"]
    print(f"kyodo --seconds {seconds}; CP-SAT {args.cpsat_seconds:g} s, {args.workers} workers"
          f"{' ' + ' '.join(args.cpsat_arg) if args.cpsat_arg else ''}; scored by {scorer}\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
