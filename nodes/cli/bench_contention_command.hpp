#pragma once
// `concord bench contention`: many workflows of several tenants arrive (Poisson) on a shared pool
// of workers with finite slots and share their tenants' budgets, under fcfs, static_split and
// negotiation (issue 13, docs/negotiation.md). A load sweep; per policy and load: completion
// within each workflow's own budget and deadline with 95 % intervals over replicates, tenant
// spend vs budget (asserted <= 1), utilisation, messages and planner time per workflow; writes
// CSV + PNG charts (completion vs load, price trajectories) into --out.
#include <CLI/CLI.hpp>

namespace concord::cli {

/// Registers the `contention` subcommand on the `bench` app; `exit_code` receives its exit code.
void add_bench_contention_command(CLI::App& bench, int& exit_code);

}  // namespace concord::cli
