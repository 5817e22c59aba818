#include "run_facts.hpp"

#include <string>

namespace concord::actors {

chaos::RunFacts run_facts(const ClusterRun& r, const EpisodeConfig& cfg, int subtasks) {
  chaos::RunFacts facts;
  facts.budget = cfg.budget;
  facts.spend = r.result.spend;
  if (r.ledger.size() == 3) {
    facts.ledger_committed = r.ledger[1];
    facts.ledger_reserved = r.ledger[2];
  } else {
    facts.ledger_reserved = -1;  // unknown: reported as a violation
  }
  facts.successes_per_subtask.assign(static_cast<std::size_t>(subtasks), 0);
  for (const AttemptTrace& a : r.result.attempts) {
    facts.settled += a.cost;
    if (a.succeeded) ++facts.successes_per_subtask[static_cast<std::size_t>(a.subtask)];
  }
  facts.completed = r.result.completed;
  facts.end_reason = r.ended ? std::string(to_string(r.result.reason)) : "";
  facts.subtasks_done = r.result.subtasks_done;
  facts.subtasks_total = subtasks;
  facts.end_s = r.result.makespan_s;
  facts.deadline_s = cfg.deadline_s;
  return facts;
}

}  // namespace concord::actors
