#!/usr/bin/env python3
"""Exact CP-SAT model of the rotation problem, for benchmarking kyodo's planner.

usage: cpsat.py INSTANCE.json PLAN_OUT.json [--seconds S] [--workers N]
                [--hint] [--param NAME=VALUE ...] [--log]

The problem, its constraints and its objective are those of
shared/rotation-problem.md; where the prose and rotation_score.py could be
read differently, this model follows rotation_score.py, which is what plans
are judged by.  Prints one JSON line on stdout:

  {"status", "score", "bound", "build_seconds", "solve_seconds", "variables"}

`score` is the contract objective of the plan written, recomputed from the
plan itself so that it equals rotation_score.py's score; `bound` is the
solver's lower bound on the optimum.  No plan file is left behind when the
solver found no solution.  Exit status 0 when a plan was written, 1 when
not (no solution in time, TOO_LARGE, MODEL_INVALID).  Needs only `ortools`
(a benchmark-only dependency).
"""
import argparse
import json
import math
import os
import sys
import time

DEFAULT_WEIGHTS = {"vacancy": 10000, "whole_team_change": 1000,
                   "concentration": 30, "term_deviation": 20, "new_person": 100}
# rotation_score.py reads an absent rule as off (and term_flex as 0), while
# the contract's prose says "defaults as shown".  The scorer decides what is
# feasible, so its reading is used here.
DEFAULT_RULES = {"term_flex": 0, "distinct_departments_in_unit": False,
                 "exclude_home_unit": False, "no_return_to_unit": False}
# CP-SAT needs up to about 7 kB per assignment literal (1.4 million took
# 3-6 GB in the first minute and 10 GB after ten).  A model that would not
# fit in the available memory is reported as TOO_LARGE instead of being
# killed halfway by the OOM killer.
MAX_LITERALS = 20_000_000
BYTES_PER_LITERAL = 7500
# The LP relaxation of this model was found tight or nearly so, so the
# solver is set up around its LP:
# - With 2 workers CP-SAT's portfolio keeps a single full-problem worker,
#   default_lp, whose LP leaves out the at-most-one rows; its bound stayed
#   millions below the optimum.  reduced_costs (linearization level 2) proved
#   optimality on every 10-unit/400-staff test instance within 15-40 s, where
#   default_lp proved it on none in 120 s.  The second worker still runs
#   feasibility jump and the LNS portfolio.
# - Presolve cost half the time limit at 300k literals and all of it at
#   1.4 million, and what it left had a far weaker LP bound; without it the
#   small instances solve as fast and the large ones at least get searched.
DEFAULT_PARAMS = {"subsolvers": ["reduced_costs"], "cp_model_presolve": False}


def emit(status, score=None, bound=None, build=0.0, solve=0.0, variables=0):
    print(json.dumps({"status": status, "score": score, "bound": bound,
                      "build_seconds": round(build, 3), "solve_seconds": round(solve, 3),
                      "variables": variables}))
    sys.stdout.flush()


class Instance:
    """The instance, digested into what the model needs.  Staff, positions,
    units and departments are numbered so the model can key its groups on
    small integers."""

    def __init__(self, inst):
        self.first = inst["first_year"]
        self.horizon = inst["horizon"]
        self.last = self.first + self.horizon - 1
        self.years = range(self.first, self.last + 1)
        self.rules = dict(DEFAULT_RULES, **inst.get("rules", {}))
        self.caps = self.rules.get("department_cap") or {}
        self.w = dict(DEFAULT_WEIGHTS, **inst.get("weights", {}))
        for k, v in self.w.items():
            if isinstance(v, float) and v.is_integer():
                self.w[k] = int(v)
            elif not isinstance(v, int):
                raise ValueError(f"weight {k}={v!r}: CP-SAT needs integer weights")

        self.positions = []              # [dict(position, unit=unit index)]
        self.unit_ids = []
        self.unit_positions = []         # unit index -> [position index]
        for u in inst["units"]:
            ui = len(self.unit_ids)
            self.unit_ids.append(u["id"])
            self.unit_positions.append([])
            for p in u["positions"]:
                self.unit_positions[ui].append(len(self.positions))
                self.positions.append(dict(p, unit=ui))
        pidx = {p["id"]: i for i, p in enumerate(self.positions)}
        uidx = {u: i for i, u in enumerate(self.unit_ids)}
        self.staff = inst["staff"]
        self.depts = sorted({s.get("department") for s in self.staff}, key=str)
        didx = {d: i for i, d in enumerate(self.depts)}
        self.staff_dept = [didx[s.get("department")] for s in self.staff]
        self.cap_of = {didx[d]: c for d, c in self.caps.items() if d in didx}

        # Current appointments are facts.  They occupy their holder for their
        # whole span (the scorer checks a person's overlaps in every year, not
        # only the horizon), and their position, unit and department in the
        # horizon years (the only years the other rules look at).
        H = self.horizon
        self.cur_spans = {}                     # staff id -> [(start, end)]
        self.prior_units = {}                   # staff id -> {unit index}
        self.cur_cover = [[0] * H for _ in self.positions]
        self.cur_unit_dept = {}                 # (unit, dept name, year offset) -> n
        self.cur_dept = {}                      # (dept name, year offset) -> n
        self.veterans = set()
        dept_of = {s["id"]: s.get("department") for s in self.staff}
        for c in inst.get("current", []):
            sid = c["staff"]
            self.veterans.add(sid)
            self.cur_spans.setdefault(sid, []).append((c["start"], c["end"]))
            pi = pidx.get(c["position"])
            if pi is None:
                continue
            ui = self.positions[pi]["unit"]
            self.prior_units.setdefault(sid, set()).add(ui)
            d = dept_of.get(sid)    # None for a holder missing from `staff`, as in the scorer
            for y in range(max(c["start"], self.first), min(c["end"], self.last) + 1):
                yo = y - self.first
                self.cur_cover[pi][yo] += 1
                self.cur_unit_dept[(ui, d, yo)] = self.cur_unit_dept.get((ui, d, yo), 0) + 1
                self.cur_dept[(d, yo)] = self.cur_dept.get((d, yo), 0) + 1
        self.veterans |= {s["id"] for s in self.staff if s.get("served_units")}
        self.barred_units = []                  # staff index -> {unit index}
        for s in self.staff:
            barred = set()
            if self.rules["exclude_home_unit"] and s.get("home_unit") in uidx:
                barred.add(uidx[s["home_unit"]])
            if self.rules["no_return_to_unit"]:
                barred |= {uidx[u] for u in s.get("served_units", ()) if u in uidx}
                barred |= self.prior_units.get(s["id"], set())
            self.barred_units.append(barred)
        self._warn_broken_facts()

    def _warn_broken_facts(self):
        # The facts alone may already break a rule; no plan can then be
        # feasible, but the model still keeps new appointments from adding to it.
        if self.rules["distinct_departments_in_unit"]:
            for (ui, d, yo), n in self.cur_unit_dept.items():
                if n > 1:
                    print(f"warning: current appointments alone put {n} of department {d} "
                          f"in unit {self.unit_ids[ui]} in {self.first + yo}", file=sys.stderr)
        for d, cap in self.caps.items():
            for yo in range(self.horizon):
                if self.cur_dept.get((d, yo), 0) > cap:
                    print(f"warning: current appointments alone exceed the cap of {d} "
                          f"in {self.first + yo}", file=sys.stderr)

    def slots(self, pi):
        """Candidate appointments of one position, grouped by horizon footprint.

        Only the horizon part of an appointment (start .. min(end, last))
        matters to every rule and objective term except three that are
        settled per staff member: its own term_deviation, the leaving year,
        and overlap with the person's current spans.  So of the lengths that
        share a footprint a person only ever needs the cheapest one they can
        take: one literal per (staff, position, footprint).
        Returns [(start offset, clipped end offset, [(deviation, end), ...])].
        """
        p = self.positions[pi]
        term, flex = p["term"], self.rules["term_flex"]
        out = {}
        for start in self.years:
            for length in range(max(1, term - flex), term + flex + 1):
                end = start + length - 1
                so, co = start - self.first, min(end, self.last) - self.first
                # Constraint 2 binds inside the horizon only, and there the
                # current holder keeps the position.
                if any(self.cur_cover[pi][yo] for yo in range(so, co + 1)):
                    continue
                out.setdefault((so, co), []).append((abs(length - term), end))
        return [(so, co, sorted(ls)) for (so, co), ls in sorted(out.items())]


def literal_budget():
    """How many literals this machine can afford: MAX_LITERALS, or fewer
    when the available memory is smaller than that needs."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info = dict(line.split(":", 1) for line in f)
        available = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return MAX_LITERALS
    return min(MAX_LITERALS, available // BYTES_PER_LITERAL)


def candidate_literals(ins):
    """Eligible (staff, position, start, end) literals.  Constraints 3-8, and
    the parts of 1, 9 and 10 that involve current appointments only, are
    settled here, so the model never sees a literal that cannot be true.
    Returns (literals, estimate); literals is None when there are more than
    this machine can afford (see literal_budget), and estimate is then an
    upper bound on their number."""
    first, H = ins.first, ins.horizon
    slots = [ins.slots(pi) for pi in range(len(ins.positions))]
    by_grade = {}
    for pi, p in enumerate(ins.positions):
        by_grade.setdefault(p["grade"], []).append(pi)

    # The estimate ignores eligibility; the budget is checked on the real
    # count as literals are made, so memory stays bounded either way.
    estimate = sum(len(slots[pi]) for s in ins.staff for pi in by_grade.get(s["grade"], ()))
    budget = literal_budget()

    # Year offsets in which a department may not gain a member: full by its
    # cap, or (per unit) already represented by a current holder.
    cap_full = {d: {yo for yo in range(H) if ins.cur_dept.get((d, yo), 0) >= cap}
                for d, cap in ins.caps.items()}
    unit_dept_taken = {}
    if ins.rules["distinct_departments_in_unit"]:
        for (ui, d, yo), n in ins.cur_unit_dept.items():
            unit_dept_taken.setdefault((ui, d), set()).add(yo)

    # Staff often differ only in ways that do not matter to one position;
    # the choice of slots is memoised on what does.
    memo = {}
    lits = []
    for si, s in enumerate(ins.staff):
        d, leaves = s.get("department"), s.get("leaves")
        spans = tuple(sorted(ins.cur_spans.get(s["id"], ())))
        barred = ins.barred_units[si]
        blocked_dept = cap_full.get(d, set())
        for pi in by_grade.get(s["grade"], ()):
            p = ins.positions[pi]
            ui = p["unit"]
            if ui in barred:
                continue
            earliest = s["hired"] + p.get("min_years_since_hire", 0)
            key = (pi, max(earliest, first), leaves, spans, d)
            chosen = memo.get(key)
            if chosen is None:
                blocked = blocked_dept | unit_dept_taken.get((ui, d), set())
                chosen = []
                for so, co, lengths in slots[pi]:
                    start = first + so
                    if start < earliest or any(yo in blocked for yo in range(so, co + 1)):
                        continue
                    for dev, end in lengths:
                        if leaves is not None and end > leaves:
                            continue
                        if any(cs <= end and start <= ce for cs, ce in spans):
                            continue
                        chosen.append((so, co, end, dev))
                        break
                memo[key] = chosen
            for so, co, end, dev in chosen:
                lits.append((si, pi, so, co, end, dev))
        if len(lits) > budget:
            return None, estimate
    return lits, estimate


def build(ins, lits):
    """The CP-SAT model.  Literal k is variable k.  Most of it is written
    straight into the proto: the Python wrappers cost several seconds per
    million variables."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    proto = model.proto
    w, H = ins.w, ins.horizon
    S, P, U, D = len(ins.staff), len(ins.positions), len(ins.unit_ids), len(ins.depts)
    distinct = ins.rules["distinct_departments_in_unit"]

    def new_var(lo, hi):
        v = proto.variables.add()
        v.domain.extend((lo, hi))
        return len(proto.variables) - 1

    def linear(vs, coeffs, lo, hi):
        c = proto.constraints.add()
        c.linear.vars.extend(vs)
        c.linear.coeffs.extend(coeffs)
        c.linear.domain.extend((lo, hi))

    INF = 2**62
    for _ in lits:
        new_var(0, 1)

    staff_year = [[] for _ in range(S * H)]          # constraint 1 (new vs new)
    pos_year = [[] for _ in range(P * H)]            # constraint 2
    unit_dept_year = [[] for _ in range(U * D * H)] if distinct else None  # constraint 9
    dept_year = {}                                   # constraint 10
    unit_starts = [[] for _ in range(U * H)]
    by_staff = [[] for _ in range(S)]
    costs = []
    positions, staff_dept, cap_of = ins.positions, ins.staff_dept, ins.cap_of
    for k, (si, pi, so, co, end, dev) in enumerate(lits):
        ui, di = positions[pi]["unit"], staff_dept[si]
        # Two new appointments of one person overlap iff they overlap inside
        # the horizon (both start in it), so horizon years suffice for 1.
        for yo in range(so, co + 1):
            staff_year[si * H + yo].append(k)
            pos_year[pi * H + yo].append(k)
            if distinct:
                unit_dept_year[(ui * D + di) * H + yo].append(k)
            if di in cap_of:
                dept_year.setdefault((di, yo), []).append(k)
        unit_starts[ui * H + so].append(k)
        by_staff[si].append(k)
        costs.append(w["term_deviation"] * dev)

    for groups in (staff_year, unit_dept_year or ()):
        for vs in groups:
            if len(vs) > 1:
                proto.constraints.add().at_most_one.literals.extend(vs)
    for (di, yo), vs in dept_year.items():
        room = max(0, cap_of[di] - ins.cur_dept.get((ins.depts[di], yo), 0))
        if room < len(vs):
            linear(vs, [1] * len(vs), 0, room)

    obj_vars, obj_coefs = list(range(len(lits))), costs
    aux = []    # (variable, kind, key), for the hint
    # Constraint 2 as "exactly one of the covers or the vacancy" per open
    # position-year.  Folding the vacancy into the literals' costs instead
    # (vacancy = 1 - covers) is equivalent, but CP-SAT's LP then misses the
    # position-year rows and its bound collapses.
    for pi in range(P):
        for yo in range(H):
            if ins.cur_cover[pi][yo]:
                continue
            vac = new_var(0, 1)
            proto.constraints.add().exactly_one.literals.extend(pos_year[pi * H + yo] + [vac])
            aux.append((vac, "vacancy", (pi, yo)))
            obj_vars.append(vac)
            obj_coefs.append(w["vacancy"])

    # Each auxiliary below is only bounded from the side the objective pushes
    # against, so at an optimum it equals its term; a negative weight would
    # push the other way, and then the auxiliary is pinned exactly.
    can_start = {(pi, so) for (_, pi, so, _, _, _) in lits}
    ww, wc, wn = w["whole_team_change"], w["concentration"], w["new_person"]
    for ui in range(U):
        members = ins.unit_positions[ui]
        npos = len(members)
        for so in range(H):
            vs = unit_starts[ui * H + so]
            ones = [1] * len(vs)
            # A whole-team change needs every position of the unit able to
            # start that year; otherwise it cannot happen and needs no variable.
            if ww and npos >= 2 and all((pi, so) in can_start for pi in members):
                t = new_var(0, 1)
                aux.append((t, "whole", (ui, so)))
                linear(vs + [t], ones + [-1], -INF, npos - 1)      # t >= n - (npos-1)
                if ww < 0:
                    linear(vs + [t], ones + [-npos], 0, INF)       # n >= npos * t
                obj_vars.append(t)
                obj_coefs.append(ww)
            if wc and len(vs) >= 2:
                c = new_var(0, len(vs) - 1)
                aux.append((c, "concentration", (ui, so)))
                linear(vs + [c], ones + [-1], -INF, 1)             # c >= n - 1
                if wc < 0:
                    cv = model.get_int_var_from_proto_index(c)
                    n = cp_model.LinearExpr.sum([model.get_bool_var_from_proto_index(v) for v in vs])
                    model.add_max_equality(cv, [n - 1, 0])
                obj_vars.append(c)
                obj_coefs.append(wc)

    if wn:
        for si, vs in enumerate(by_staff):
            if not vs or ins.staff[si]["id"] in ins.veterans:
                continue
            t = new_var(0, 1)
            aux.append((t, "newcomer", si))
            linear(vs + [t], [1] * len(vs) + [-1], 0, INF)         # t <= sum of s's literals
            if wn < 0:
                for v in vs:
                    linear([v, t], [1, -1], -INF, 0)               # t >= each literal
            obj_vars.append(t)
            obj_coefs.append(-wn)

    proto.objective.vars.extend(obj_vars)
    proto.objective.coeffs.extend(obj_coefs)
    return model, aux


def greedy(ins, lits):
    """A quick feasible plan, as chosen literal indices: year by year, every
    open position gets the cheapest eligible person who is free, keeps the
    unit's departments distinct and fits the department's cap, preferring a
    term-length appointment and someone not yet appointed who counts as a
    newcomer.  Only used as a hint (--hint): it gives CP-SAT's local search a
    starting point on instances too large for it to fill positions alone."""
    H, w = ins.horizon, ins.w
    distinct = ins.rules["distinct_departments_in_unit"]
    by_start = {}
    for k, (_, pi, so, _, _, _) in enumerate(lits):
        by_start.setdefault((pi, so), []).append(k)
    fresh = {si for si, s in enumerate(ins.staff) if s["id"] not in ins.veterans}

    def static(k):
        si, _, so, co, _, dev = lits[k]
        return (w["term_deviation"] * dev - w["new_person"] * (si in fresh), -(co - so))
    for ks in by_start.values():
        ks.sort(key=static)

    covered = [[bool(n) for n in row] for row in ins.cur_cover]
    busy, unit_dept, used, chosen = set(), set(), set(), []
    room = {(di, yo): cap - ins.cur_dept.get((ins.depts[di], yo), 0)
            for di, cap in ins.cap_of.items() for yo in range(H)}
    for so in range(H):
        for pi, p in enumerate(ins.positions):
            if covered[pi][so]:
                continue
            ui, best, best_key = p["unit"], None, None
            for k in by_start.get((pi, so), ()):
                key = static(k)
                if best_key is not None and key >= best_key:
                    break
                si, _, _, co, _, dev = lits[k]
                di, fp = ins.staff_dept[si], range(so, co + 1)
                if (any((si, y) in busy for y in fp)
                        or (distinct and any((ui, di, y) in unit_dept for y in fp))
                        or (di in ins.cap_of and any(room[(di, y)] <= 0 for y in fp))):
                    continue
                if si in fresh and si in used:       # no newcomer bonus twice
                    key = (w["term_deviation"] * dev, key[1])
                if best_key is None or key < best_key:
                    best, best_key = k, key
            if best is None:
                continue
            si, _, _, co, _, _ = lits[best]
            di = ins.staff_dept[si]
            for y in range(so, co + 1):
                covered[pi][y] = True
                busy.add((si, y))
                unit_dept.add((ui, di, y))
                if di in ins.cap_of:
                    room[(di, y)] -= 1
            used.add(si)
            chosen.append(best)
    return chosen


def add_hint(ins, lits, model, aux, chosen):
    """Writes a complete hint: the chosen literals plus the auxiliaries'
    values that make it a feasible, exactly scored solution."""
    values = [0] * len(model.proto.variables)
    covered, starts, staff_used = set(), {}, set()
    for k in chosen:
        si, pi, so, co, _, _ = lits[k]
        values[k] = 1
        covered.update((pi, y) for y in range(so, co + 1))
        key = (ins.positions[pi]["unit"], so)
        starts[key] = starts.get(key, 0) + 1
        staff_used.add(si)
    for v, kind, key in aux:
        if kind == "vacancy":
            values[v] = int(key not in covered)
        elif kind == "whole":
            values[v] = int(starts.get(key, 0) >= len(ins.unit_positions[key[0]]))
        elif kind == "concentration":
            values[v] = max(0, starts.get(key, 0) - 1)
        else:
            values[v] = int(key in staff_used)
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def plan_of(ins, lits, chosen):
    """The contract's appointments for the chosen literal indices."""
    plan = []
    for k in chosen:
        si, pi, so, _, end, _ = lits[k]
        plan.append({"position": ins.positions[pi]["id"], "staff": ins.staff[si]["id"],
                     "start": ins.first + so, "end": end})
    plan.sort(key=lambda a: (a["start"], a["position"]))
    return plan


def plan_score(ins, plan):
    """The contract objective of a plan, written out term by term and
    independently of the model, so the reported score is the scorer's even
    when the solver leaves an auxiliary slack."""
    w, first, H = ins.w, ins.first, ins.horizon
    pidx = {p["id"]: i for i, p in enumerate(ins.positions)}
    covered = {(pi, yo) for pi in range(len(ins.positions)) for yo in range(H)
               if ins.cur_cover[pi][yo]}
    starts = {}
    dev = 0
    for a in plan:
        pi = pidx[a["position"]]
        p = ins.positions[pi]
        covered.update((pi, y - first) for y in range(a["start"], min(a["end"], ins.last) + 1))
        key = (p["unit"], a["start"])
        starts[key] = starts.get(key, 0) + 1
        dev += abs(a["end"] - a["start"] + 1 - p["term"])
    vacancy = len(ins.positions) * H - len(covered)
    whole = sum(1 for (ui, _), n in starts.items()
                if len(ins.unit_positions[ui]) >= 2 and n >= len(ins.unit_positions[ui]))
    conc = sum(n - 1 for n in starts.values() if n > 1)
    newcomers = len({a["staff"] for a in plan} - ins.veterans)
    return (w["vacancy"] * vacancy + w["whole_team_change"] * whole
            + w["concentration"] * conc + w["term_deviation"] * dev
            - w["new_person"] * newcomers)


def set_params(params, overrides):
    """Apply NAME=VALUE overrides; a list value is given as a+b+c."""
    for name, value in overrides.items():
        field = getattr(params, name)
        if hasattr(field, "append"):
            field.clear()
            field.extend(value if isinstance(value, list) else
                         [v for v in value.split("+") if v])
        elif isinstance(field, bool):
            setattr(params, name, value if isinstance(value, bool)
                    else value.lower() in ("1", "true"))
        else:
            setattr(params, name, type(field)(value))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance")
    ap.add_argument("plan_out")
    ap.add_argument("--seconds", type=float, default=60.0, help="solver time limit")
    ap.add_argument("--workers", type=int, default=2, help="num_search_workers")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="CP-SAT parameter, repeatable; list values as a+b "
                         "(e.g. --param subsolvers= restores CP-SAT's own portfolio)")
    ap.add_argument("--hint", action="store_true",
                    help="start from a greedy plan (helps large instances; off by "
                         "default so the baseline is CP-SAT alone)")
    ap.add_argument("--log", action="store_true", help="solver log on stderr")
    args = ap.parse_args()

    t0 = time.monotonic()
    with open(args.instance, encoding="utf-8") as f:
        raw = json.load(f)
    try:
        ins = Instance(raw)
    except ValueError as e:
        print(e, file=sys.stderr)
        emit("MODEL_INVALID", build=time.monotonic() - t0)
        return 1
    lits, estimate = candidate_literals(ins)
    if lits is None:
        emit("TOO_LARGE", build=time.monotonic() - t0, variables=estimate)
        return 1
    try:
        model, aux = build(ins, lits)
        if args.hint:
            chosen = greedy(ins, lits)
            add_hint(ins, lits, model, aux, chosen)
            if args.log:
                print(f"greedy hint scores {plan_score(ins, plan_of(ins, lits, chosen))}",
                      file=sys.stderr)
    except MemoryError:
        emit("TOO_LARGE", build=time.monotonic() - t0, variables=len(lits))
        return 1
    n_vars = len(model.proto.variables)
    t1 = time.monotonic()

    from ortools.sat.python import cp_model
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = args.seconds
    params.num_search_workers = args.workers
    set_params(params, dict(DEFAULT_PARAMS, **dict(kv.split("=", 1) for kv in args.param)))
    params.log_search_progress = args.log
    params.log_to_stdout = False          # stdout carries the JSON line only
    if args.log:
        solver.log_callback = lambda line: print(line, file=sys.stderr)
    status = solver.solve(model)
    t2 = time.monotonic()

    score = bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = solver.response_proto.solution
        plan = plan_of(ins, lits, [k for k in range(len(lits)) if values[k]])
        with open(args.plan_out, "w", encoding="utf-8") as f:
            json.dump({"appointments": plan}, f, ensure_ascii=False, indent=1)
            f.write("\n")
        score = plan_score(ins, plan)
    elif os.path.exists(args.plan_out):
        # A stale plan from an earlier run must not be scored as this one's.
        os.remove(args.plan_out)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        # Even without a solution the bound says how good any plan can be.
        bound = solver.best_objective_bound
        if not math.isfinite(bound) or abs(bound) >= 2**53:
            bound = None
        elif float(bound).is_integer():
            bound = int(bound)
    emit(solver.status_name(status), score, bound, t1 - t0, t2 - t1, n_vars)
    return 0 if score is not None else 1


if __name__ == "__main__":
    sys.exit(main())
