#include "cli/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cli/printable.hpp"
#include "model/limits.hpp"

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
    case EndReason::attempts_exhausted:
      return fmt::format("a subtask failed {} batches; the run gave up on it (in-flight samples were cancelled)",
                         limits::kMaxAttemptsPerSubtask);
    case EndReason::interrupted:
      return "interrupted by a signal; in-flight samples were cancelled and settled with the ledger";
    case EndReason::coordinator_restarted:
      return "the node hosting the run restarted; its journaled ledger was replayed and every reservation in flight "
             "charged at its full reserved amount";
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
  // Everything that comes from the file or the command line is printed escaped (cli/printable.hpp).
  line("concord run {}", printable(st.file));
  line("  workflow   {}{}  ({} subtasks, {} models)", wf.name.empty() ? "(unnamed)" : printable(wf.name),
       wf.description.empty() ? "" : " — " + printable(wf.description.substr(0, 80)), flat.num_subtasks(), flat.num_models());
  if (!wf.profile_source.empty()) line("  profiles   {}", printable(wf.profile_source));
  line("  semantics  {}   policy {}   seed {}", to_string(st.semantics), printable(st.policy), st.seed);
  line("  engine     {}", printable(st.engine));
  line("");
  if (r.completed) line("  result     COMPLETED: {}", explain(r.reason, st.semantics));
  else line("  result     FAILED ({}): {}", to_string(r.reason), explain(r.reason, st.semantics));
  if (!st.detail.empty()) line("  notes      {}", printable(st.detail));
  line("  spend      {} of {} budget{}  [{}]", format_dollars(r.spend), format_dollars(st.budget),
       percent(static_cast<double>(r.spend), static_cast<double>(st.budget)), st.budget_origin);
  line("  makespan   {:.2f} s of {:.2f} s deadline{}  [{}]", r.makespan_s, st.deadline_s, percent(r.makespan_s, st.deadline_s),
       st.deadline_origin);
  line("  progress   {}/{} subtasks done, {} batches, {} planner decisions", r.subtasks_done, flat.num_subtasks(),
       r.attempts.size(), r.decisions);
  if (st.promise >= 0) line("  promise    {:.2f}: predicted P(complete within budget and deadline) at the first decision", st.promise);
  line("");

  std::size_t idw = 7, mw = 5;
  std::vector<std::string> sid, mid;
  for (int s = 0; s < flat.num_subtasks(); ++s) sid.push_back(printable(flat.subtask_id(s))), idw = std::max(idw, sid.back().size());
  for (int m = 0; m < flat.num_models(); ++m) mid.push_back(printable(flat.model_id(m))), mw = std::max(mw, mid.back().size());
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
      line("  {:<{}}  {:<{}}  {:>4}  {:>8}  {:>9}  {:>9}  {:<10}  {:>12}", sid[s], idw, "-", mw, "-", 0, "-", "-",
           "not run", format_dollars(0));
      continue;
    }
    const char* outcome = last->succeeded ? "done" : (last->finished ? "failed" : "cut short");
    line("  {:<{}}  {:<{}}  {:>4}  {:>8}  {:>9.2f}  {:>9.2f}  {:<10}  {:>12}", sid[s], idw,
         mid[last->model], mw, last->k, count, first->start_s, last->end_s, outcome, format_dollars(cost));
  }
  // Real workers' outputs: each subtask's first line (the whole text: events, --output DIR).
  bool any = false;
  for (const auto& o : st.outputs) any = any || !o.empty();
  if (any) {
    line("");
    line("  {:<{}}  output", "subtask", idw);
    for (int s : flat.topological_order()) {
      const auto i = static_cast<std::size_t>(s);
      if (i >= st.outputs.size() || st.outputs[i].empty()) continue;
      const std::string& o = st.outputs[i];
      std::string first = o.substr(0, std::min(o.find('\n'), std::size_t{72}));
      const bool more = first.size() < o.size() && !(first.size() + 1 == o.size() && o.back() == '\n');
      line("  {:<{}}  {}{}  ({} bytes)", sid[s], idw, printable(first), more ? " ..." : "", o.size());
    }
  }
  return out;
}

}  // namespace concord::cli
