#!/usr/bin/env python3
"""scripts/compare-with-reference.py on hand-made files: per-cell rates and differences, the
pooled difference paired by DAG, de-duplication of repeated reference runs, bad input."""
import os
import subprocess
import sys
import tempfile

SCRIPT = sys.argv[1]


def run(*args):
    p = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def check(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


with tempfile.TemporaryDirectory() as d:
    ours = os.path.join(d, "bench_workflows.csv")
    with open(ours, "w") as f:
        f.write("workload,workflow_index,workflow,budget_index,deadline_index,budget,budget_unit,deadline,"
                "deadline_unit,method,trials,successes\n")
        # DAG 0: 3/4 in both cells; DAG 1: 1/4 and 2/4.
        f.write("p,0,a,0,0,0.5,x_nominal,1,x_nominal,mcpp,4,3\n")
        f.write("p,0,a,0,1,0.5,x_nominal,2,x_nominal,mcpp,4,3\n")
        f.write("p,1,b,0,0,0.5,x_nominal,1,x_nominal,mcpp,4,1\n")
        f.write("p,1,b,0,1,0.5,x_nominal,2,x_nominal,mcpp,4,2\n")
    ref = os.path.join(d, "ref.csv")
    with open(ref, "w") as f:
        f.write("dag_idx,budget_ratio,deadline_ratio,trial,method,sim_seed,success\n")
        for dag, cell, successes in ((0, (0.5, 1.0), 2), (0, (0.5, 2.0), 2), (1, (0.5, 1.0), 0), (1, (0.5, 2.0), 2)):
            for t in range(4):
                f.write(f"{dag},{cell[0]},{cell[1]},{t},mc_portfolio_rollout,{100 * dag + t},{int(t < successes)}\n")
        f.write("0,0.5,1.0,0,sequential_1,5,1\n")  # a baseline row: ignored
    dup = os.path.join(d, "dup.csv")
    with open(ref) as src, open(dup, "w") as f:
        f.write(src.read())
    code, out = run(ours, ref, "mine")
    check(code == 0, "exit 0\n" + out)
    # Cell (0.5, 1): ours 4/8 = 0.5, reference 2/8 = 0.25.
    check("0.5        1 |                0.500     8 |      0.250     8 | +0.250" in out, "cell (0.5, 1)\n" + out)
    # Paired by DAG: DAG 0 6/8 - 4/8 = +0.25; DAG 1 3/8 - 2/8 = +0.125; mean +0.1875.
    check("paired by DAG (2 DAGs): +0.1875" in out, "pooled\n" + out)
    code, out2 = run(ours, ref + "," + dup)  # the same runs twice count once
    check(code == 0 and "paired by DAG (2 DAGs): +0.1875" in out2, "de-duplication\n" + out2)
    code, out3 = run(ours, os.path.join(d, "missing.csv"))
    check(code == 2 and "missing.csv" in out3, "missing file exits 2 naming it\n" + out3)
    code, out4 = run(ours)
    check(code == 2, "usage exits 2")
    code, out5 = run("--help")
    check(code == 0 and "paired" in out5, "--help")
print("ok")
