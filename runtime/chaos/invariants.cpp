#include "chaos/invariants.hpp"

#include <fmt/format.h>

namespace concord::chaos {

std::vector<std::string> check_invariants(const RunFacts& f) {
  std::vector<std::string> v;
  const auto usd = [](Money m) { return fmt::format("${:.12f}", dollars(m)); };
  if (f.spend > f.budget) v.push_back(fmt::format("spend_within_budget: spent {} of a {} budget", usd(f.spend), usd(f.budget)));
  if (f.ledger_committed + f.ledger_reserved > f.budget)
    v.push_back(fmt::format("ledger_within_budget: committed {} + reserved {} > budget {}", usd(f.ledger_committed),
                            usd(f.ledger_reserved), usd(f.budget)));
  if (f.ledger_committed != f.settled)
    v.push_back(fmt::format("ledger_equals_settlements: the ledger committed {}, the batches settled {}", usd(f.ledger_committed),
                            usd(f.settled)));
  if (f.spend != f.ledger_committed)
    v.push_back(fmt::format("reported_spend_is_the_ledgers: reported {}, the ledger committed {}", usd(f.spend), usd(f.ledger_committed)));
  if (f.ledger_reserved != 0) v.push_back(fmt::format("nothing_left_reserved: {} still reserved after the end", usd(f.ledger_reserved)));
  int done = 0;
  for (std::size_t s = 0; s < f.successes_per_subtask.size(); ++s) {
    if (f.successes_per_subtask[s] > 1)
      v.push_back(fmt::format("subtask_completed_at_most_once: subtask {} completed {} times", s, f.successes_per_subtask[s]));
    done += f.successes_per_subtask[s] > 0;
  }
  if (done != f.subtasks_done) v.push_back(fmt::format("done_count: the report says {} subtasks done, the batches {}", f.subtasks_done, done));
  if (f.end_reason.empty()) v.push_back("ended_with_a_reason: the run did not end, or ended without a reason");
  if (f.completed && (f.end_reason != "completed" || f.subtasks_done != f.subtasks_total || f.end_s > f.deadline_s))
    v.push_back(fmt::format("completed_means_completed: completed with reason {}, {}/{} done, end {:.3f} s of a {:.3f} s deadline",
                            f.end_reason, f.subtasks_done, f.subtasks_total, f.end_s, f.deadline_s));
  if (f.end_s > f.deadline_s + f.detection_bound_s)
    v.push_back(fmt::format("ended_by_the_deadline: ended at {:.3f} s, deadline {:.3f} s + detection bound {:.3f} s", f.end_s,
                            f.deadline_s, f.detection_bound_s));
  if (f.threads_after > f.threads_before)
    v.push_back(fmt::format("no_leaked_thread: {} threads before the run, {} after", f.threads_before, f.threads_after));
  if (f.fds_after > f.fds_before)
    v.push_back(fmt::format("no_leaked_file_descriptor: {} open before the run, {} after", f.fds_before, f.fds_after));
  return v;
}

std::vector<std::string> check_tenant_invariants(const TenantFacts& t) {
  std::vector<std::string> v;
  const auto usd = [](Money m) { return fmt::format("${:.12f}", dollars(m)); };
  if (!t.reported) return {"tenant_reported: the tenant ledger did not report its totals"};
  if (t.committed > t.budget - t.reserved)
    v.push_back(fmt::format("tenant_within_budget: the tenant committed {} + reserved {} > its budget {}", usd(t.committed),
                            usd(t.reserved), usd(t.budget)));
  if (t.reserved != 0) v.push_back(fmt::format("tenant_nothing_left_reserved: {} still reserved at the tenant after the end", usd(t.reserved)));
  if (t.committed + t.uncovered != t.workflows_committed || t.uncovered != 0)
    v.push_back(fmt::format("tenant_equals_its_workflows: the tenant committed {} (+ {} uncovered), its workflows' ledgers {}",
                            usd(t.committed), usd(t.uncovered), usd(t.workflows_committed)));
  return v;
}

}  // namespace concord::chaos
