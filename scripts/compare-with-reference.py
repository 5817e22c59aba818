#!/usr/bin/env python3
"""Compare MCPP completion rates of `concord bench` with the MCPP reference implementation's.

  scripts/compare-with-reference.py CONCORD_CSV REFERENCE_CSV[,REFERENCE_CSV...] [LABEL]

CONCORD_CSV: the bench_workflows.csv that `concord bench` writes (MCPP successes per grid
cell and workflow; budget and deadline as ratios of the nominal values), or its bench.csv
(cells only: then no pooled figure is given, see below).
REFERENCE_CSV: one row per reference run with (at least) the columns dag_idx,
budget_ratio, deadline_ratio, method (rows `mc_portfolio_rollout`, the reference's name for
MCPP, are used) and success (0/1), as a driver around the reference's runner writes them.
Workflow index i of the Concord file must be DAG dag_idx = i of the same DAG pool.

Prints, per cell, both rates and their difference with a 95% interval (two independent
samples: within a cell, every (DAG, trial) is an independent episode). Then the pooled
difference over all cells, paired by DAG: d_i = Concord's rate on DAG i (all cells and
trials) minus the reference's, mean of d_i with a 95% interval from their spread across
DAGs. (Pooling cells as if independent would be wrong: both sides run every trial of a DAG
with the same seed in every cell, so a DAG's cells are correlated -- about 0.4 measured.)
Exit codes: 0 ok, 2 bad input. Only the Python standard library is used.
"""
import collections
import csv
import math
import statistics
import sys


def read_concord(path):
    """{(budget, deadline): [successes, trials]} and {workflow index: [successes, trials]} (or None)."""
    cells = collections.defaultdict(lambda: [0, 0])
    by_dag = collections.defaultdict(lambda: [0, 0])
    paired = False
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["method"] != "mcpp":
                continue
            key = (float(r["budget"]), float(r["deadline"]))
            k, n = int(r["successes"]), int(r["trials"])
            cells[key][0] += k
            cells[key][1] += n
            if "workflow_index" in r:
                paired = True
                by_dag[int(r["workflow_index"])][0] += k
                by_dag[int(r["workflow_index"])][1] += n
    return cells, (by_dag if paired else None)


def read_reference(paths):
    cells = collections.defaultdict(lambda: [0, 0])
    by_dag = collections.defaultdict(lambda: [0, 0])
    seen = set()
    for path in paths.split(","):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                if r["method"] != "mc_portfolio_rollout":
                    continue
                run = (r["dag_idx"], r["budget_ratio"], r["deadline_ratio"], r.get("trial", ""), r.get("sim_seed", ""))
                if run in seen:  # the same run in two files (overlapping DAG ranges)
                    continue
                seen.add(run)
                ok = int(r["success"])
                for acc in (cells[(float(r["budget_ratio"]), float(r["deadline_ratio"]))], by_dag[int(r["dag_idx"])]):
                    acc[0] += ok
                    acc[1] += 1
    return cells, by_dag


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        (ours, ours_by_dag), (ref, ref_by_dag) = read_concord(argv[1]), read_reference(argv[2])
    except (OSError, KeyError, ValueError) as e:
        print(f"compare-with-reference: {e}", file=sys.stderr)
        return 2
    label = argv[3] if len(argv) > 3 else "concord"
    common = sorted(set(ours) & set(ref))
    if not common:
        print("compare-with-reference: no grid cell in common", file=sys.stderr)
        return 2
    print(f"{'budget':>6} {'deadline':>8} | {label:>20} {'n':>5} | {'reference':>10} {'n':>5} | diff [95% CI]")
    for key in common:
        (ka, na), (kb, nb) = ours[key], ref[key]
        pa, pb = ka / na, kb / nb
        d, h = pa - pb, 1.96 * math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        print(f"{key[0]:>6g} {key[1]:>8g} | {pa:20.3f} {na:5d} | {pb:10.3f} {nb:5d} | {d:+.3f} [{d - h:+.3f}, {d + h:+.3f}]")
    if ours_by_dag is None:
        print("(no pooled figure: give bench_workflows.csv to pair by DAG)")
        return 0
    dags = sorted(set(ours_by_dag) & set(ref_by_dag))
    if len(dags) < 2:
        print("compare-with-reference: fewer than 2 DAGs in common", file=sys.stderr)
        return 2
    diffs = [ours_by_dag[i][0] / ours_by_dag[i][1] - ref_by_dag[i][0] / ref_by_dag[i][1] for i in dags]
    m = statistics.mean(diffs)
    h = 1.96 * statistics.stdev(diffs) / math.sqrt(len(diffs))
    print(f"pooled over {len(common)} cells, paired by DAG ({len(dags)} DAGs): {m:+.4f} [{m - h:+.4f}, {m + h:+.4f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
