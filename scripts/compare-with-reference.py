#!/usr/bin/env python3
"""Compare MCPP completion rates of `concord bench` with the MCPP reference implementation's.

  scripts/compare-with-reference.py CONCORD_BENCH_CSV REFERENCE_CSV [LABEL]

CONCORD_BENCH_CSV: the bench.csv that `concord bench` writes (rows with method `mcpp`; one
row per grid cell, budget and deadline as ratios of the nominal values).
REFERENCE_CSV: one row per reference run with (at least) the columns budget_ratio,
deadline_ratio, method (rows `mc_portfolio_rollout`, the reference's name for MCPP, are
used) and success (0/1), as a driver around the reference's runner writes them. Several
files may be joined with commas.

Per cell: both rates, and their difference with a 95% interval (two independent
proportions); then the mean difference over the cells with its 95% interval. Only the
Python standard library is used. See docs/mcpp.md ("Agreement with the reference").
"""
import collections
import csv
import math
import sys


def concord_cells(path):
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["method"] == "mcpp":
                out[(float(r["budget"]), float(r["deadline"]))] = (int(r["successes"]), int(r["trials"]))
    return out


def reference_cells(paths):
    acc = collections.defaultdict(lambda: [0, 0])
    for path in paths.split(","):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                if r["method"] != "mc_portfolio_rollout":
                    continue
                cell = acc[(float(r["budget_ratio"]), float(r["deadline_ratio"]))]
                cell[0] += int(r["success"])
                cell[1] += 1
    return {k: tuple(v) for k, v in acc.items()}


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    try:
        ours, ref = concord_cells(argv[1]), reference_cells(argv[2])
    except (OSError, KeyError, ValueError) as e:
        print(f"compare-with-reference: {e}", file=sys.stderr)
        return 2
    label = argv[3] if len(argv) > 3 else "concord"
    print(f"{'budget':>6} {'deadline':>8} | {label:>20} {'n':>5} | {'reference':>10} {'n':>5} | diff [95% CI]")
    total, var, cells = 0.0, 0.0, 0
    for key in sorted(set(ours) & set(ref)):
        (ka, na), (kb, nb) = ours[key], ref[key]
        pa, pb = ka / na, kb / nb
        d, v = pa - pb, pa * (1 - pa) / na + pb * (1 - pb) / nb
        h = 1.96 * math.sqrt(v)
        print(f"{key[0]:>6g} {key[1]:>8g} | {pa:20.3f} {na:5d} | {pb:10.3f} {nb:5d} | {d:+.3f} [{d - h:+.3f}, {d + h:+.3f}]")
        total, var, cells = total + d, var + v, cells + 1
    if not cells:
        print("compare-with-reference: no grid cell in common", file=sys.stderr)
        return 2
    m, h = total / cells, 1.96 * math.sqrt(var) / cells
    print(f"mean over {cells} cells: {m:+.4f} [{m - h:+.4f}, {m + h:+.4f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
