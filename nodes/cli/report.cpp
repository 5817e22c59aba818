#include "cli/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace concord::cli {

std::string explain(EndReason reason, Semantics semantics) {
  const bool rt = semantics == Semantics::runtime;
  switch (reason) {
    case EndReason::completed: return "every subtask completed within budget and deadline";
    case EndReason::budget_exhausted:
      return rt ? "the budget left could not cover the worst-case cost of any further batch, with nothing in flight"
                : "the next action would have cost more than the budget left (atomic launch)";
    case EndReason::deadline_exhausted:
      return rt ? "the deadline passed with subtasks unfinished; in-flight samples were cancelled"
                : "the next action's slowest sample would have ended after the deadline (atomic launch)";
    case EndReason::stalled: return "the policy deferred every ready subtask with nothing in flight";
    case EndReason::no_worker_left: return "no worker was left for a model the plan needed";
  }
  return "?";
}

namespace {
std::string percent(double part, double whole) {
  if (!(whole > 0) || !std::isfinite(whole)) return "";
  return fmt::format(" ({:.1f}%)", 100.0 * part / whole);
}
}  // namespace

std::string format_report(const Workflow& wf, const FlatWorkflow& flat, const RunSettings& st, const EpisodeResult& r) {
  std::string out;
  auto line = [&]<class... A>(fmt::format_string<A...> f, A&&... a) {
    out += fmt::format(f, std::forward<A>(a)...);
    out += '\n';
  };
  line("concord run {}", st.file);
  line("  workflow   {}{}  ({} subtasks, {} models)", wf.name.empty() ? "(unnamed)" : wf.name,
       wf.description.empty() ? "" : " — " + wf.description.substr(0, 80), flat.num_subtasks(), flat.num_models());
  if (!wf.profile_source.empty()) line("  profiles   {}", wf.profile_source);
  line("  semantics  {}   policy {}   seed {}", to_string(st.semantics), st.policy, st.seed);
  line("  engine     {}", st.engine);
  line("");
  if (r.completed) line("  result     COMPLETED: {}", explain(r.reason, st.semantics));
  else line("  result     FAILED ({}): {}", to_string(r.reason), explain(r.reason, st.semantics));
  if (!st.detail.empty()) line("  notes      {}", st.detail);
  line("  spend      {} of {} budget{}  [{}]", format_dollars(r.spend), format_dollars(st.budget),
       percent(static_cast<double>(r.spend), static_cast<double>(st.budget)), st.budget_origin);
  line("  makespan   {:.2f} s of {:.2f} s deadline{}  [{}]", r.makespan_s, st.deadline_s, percent(r.makespan_s, st.deadline_s),
       st.deadline_origin);
  line("  progress   {}/{} subtasks done, {} batches, {} planner decisions", r.subtasks_done, flat.num_subtasks(),
       r.attempts.size(), r.decisions);
  line("");

  std::size_t idw = 7, mw = 5;
  for (int s = 0; s < flat.num_subtasks(); ++s) idw = std::max(idw, flat.subtask_id(s).size());
  for (int m = 0; m < flat.num_models(); ++m) mw = std::max(mw, flat.model_id(m).size());
  line("  {:<{}}  {:<{}}  {:>4}  {:>8}  {:>9}  {:>9}  {:<10}  {:>12}", "subtask", idw, "model", mw, "k", "attempts",
       "start_s", "end_s", "outcome", "cost");
  for (int s : flat.topological_order()) {
    const AttemptTrace* last = nullptr;
    const AttemptTrace* first = nullptr;
    Money cost = 0;
    int count = 0;
    for (const auto& a : r.attempts) {
      if (a.subtask != s) continue;
      if (!first) first = &a;
      last = &a;
      cost += a.cost;
      ++count;
    }
    if (!last) {
      line("  {:<{}}  {:<{}}  {:>4}  {:>8}  {:>9}  {:>9}  {:<10}  {:>12}", flat.subtask_id(s), idw, "-", mw, "-", 0, "-", "-",
           "not run", format_dollars(0));
      continue;
    }
    const char* outcome = last->succeeded ? "done" : (last->finished ? "failed" : "cut short");
    line("  {:<{}}  {:<{}}  {:>4}  {:>8}  {:>9.2f}  {:>9.2f}  {:<10}  {:>12}", flat.subtask_id(s), idw,
         flat.model_id(last->model), mw, last->k, count, first->start_s, last->end_s, outcome, format_dollars(cost));
  }
  return out;
}

}  // namespace concord::cli
