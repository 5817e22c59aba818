#pragma once
// What must hold after every run, faults or not (docs/chaos.md). Pure: the facts are gathered
// by the caller (the chaos harness reads them from the run's report, its ledger and /proc).
#include <cstdint>
#include <string>
#include <vector>

#include "model/money.hpp"

namespace concord::chaos {

struct RunFacts {
  Money budget = 0;
  Money spend = 0;               // the run's reported spend
  Money ledger_committed = 0;    // the workflow ledger's state after the run
  Money ledger_reserved = 0;
  Money settled = 0;             // the sum of what the run's batches settled (their costs)
  std::vector<int> successes_per_subtask;  // batches that completed each subtask
  bool completed = false;
  std::string end_reason;        // empty: the run never ended
  int subtasks_done = 0, subtasks_total = 0;
  double end_s = 0;              // when the run ended (simulated seconds)
  double deadline_s = 0;
  double detection_bound_s = 0;  // how late past the deadline an end may come (simulated seconds)
  // Resources of the process before the cluster was made and after it was destroyed.
  long threads_before = 0, threads_after = 0;
  long fds_before = 0, fds_after = 0;
};

/// Every invariant the facts break, one line each naming it (empty: all hold).
std::vector<std::string> check_invariants(const RunFacts& f);

/// A tenant's ledger after a run whose workflows drew their money from it (picodollars).
struct TenantFacts {
  Money budget = 0;
  Money committed = 0, reserved = 0;  // the tenant's state after the run
  Money uncovered = 0;                // spend the tenant heard of late and no budget covered
  Money workflows_committed = 0;      // the sum of its workflows' own ledgers' committed totals
  bool reported = true;               // false: the tenant did not answer (a violation)
};

/// The tenant's invariants: committed + reserved <= budget, nothing left reserved, and its
/// committed total = what its workflows' ledgers committed (no spend unheard of, none counted twice).
std::vector<std::string> check_tenant_invariants(const TenantFacts& t);

}  // namespace concord::chaos
