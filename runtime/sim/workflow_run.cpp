#include "sim/workflow_run.hpp"

#include <algorithm>

#include "sim/execution_rules.hpp"

namespace concord {

using Kind = WorkflowCommand::Kind;

WorkflowRun::WorkflowRun(const FlatWorkflow& wf, Money budget, double deadline_s, bool defer_decisions)
    : wf_(wf), budget_(budget), deadline_s_(deadline_s), defer_(defer_decisions), progress_(wf) {}

void WorkflowRun::start(double now_s, Commands& out) {
  if (started_ || finished_) return;
  started_ = true;
  if (stop_before_start_) return wind_down(EndReason::interrupted, now_s, out);  // nothing ran
  plan(now_s, out);
}

void WorkflowRun::stop(double now_s, Commands& out) {
  if (!started_) {  // a stop may overtake the start
    stop_before_start_ = true;
    return;
  }
  wind_down(EndReason::interrupted, now_s, out);
}

void WorkflowRun::finish(EndReason reason, double now_s, Commands& out) {
  if (finished_) return;
  finished_ = true;
  EpisodeResult& r = result_;
  r.reason = reason;
  r.completed = reason == EndReason::completed;
  r.spend = spent_;
  r.subtasks_done = progress_.done();
  r.makespan_s = reason == EndReason::deadline_exhausted ? std::max(deadline_s_, 0.0) : now_s;
  if (r.completed) {
    double last = 0;
    for (const auto& a : r.attempts) last = std::max(last, a.end_s);
    r.makespan_s = last;
    if (!exec::ends_by(r.makespan_s, deadline_s_)) r.completed = false, r.reason = EndReason::deadline_exhausted;
  }
  WorkflowCommand c{Kind::finish};
  c.reason = r.reason;
  out.push_back(c);
}

void WorkflowRun::settle(double now_s, Commands& out) {
  if (finished_) return;
  if (progress_.complete()) return finish(EndReason::completed, now_s, out);
  if (winding_) {
    if (running_.empty()) finish(wind_reason_, now_s, out);  // never waits for a planner still thinking
    return;
  }
  if (!running_.empty() || planning_) return;
  // Nothing runs and the last plan placed nothing that could run: no progress is possible.
  if (no_worker_left_) return finish(EndReason::no_worker_left, now_s, out);
  if (retry_s_ > 0 && (source_denied_since_plan_ || empty_plan_)) {  // money or prices may change: ask again later
    if (!retry_pending_ && now_s + retry_s_ < deadline_s_) {
      retry_pending_ = true;
      WorkflowCommand c{Kind::retry_later};
      c.delay_s = retry_s_;
      out.push_back(c);
    }
    return;  // a retry is out, or the deadline ends the run
  }
  finish(denied_since_plan_ ? EndReason::budget_exhausted : EndReason::stalled, now_s, out);
}

void WorkflowRun::wind_down(EndReason reason, double now_s, Commands& out) {
  if (finished_) return;
  if (!winding_) {
    winding_ = true;
    wind_reason_ = reason;
    for (const auto& [s, run] : running_) {
      WorkflowCommand c{Kind::cancel};
      c.subtask = s;
      out.push_back(c);
    }
  }
  settle(now_s, out);
}

void WorkflowRun::react(Commands& out) {
  if (!defer_ || decide_pending_) return;
  decide_pending_ = true;
  out.push_back({Kind::decide_later});
}

void WorkflowRun::decide(double now_s, Commands& out) {
  decide_pending_ = false;
  if (finished_) return;
  if (progress_.complete()) return finish(EndReason::completed, now_s, out);
  if (end_wanted_) return wind_down(*end_wanted_, now_s, out);
  if (winding_) return settle(now_s, out);
  if (replan_wanted_) {
    replan_wanted_ = false;
    plan(now_s, out);
  }
  settle(now_s, out);
}

void WorkflowRun::retry(double now_s, Commands& out) {
  retry_pending_ = false;
  if (finished_ || winding_ || planning_ || !running_.empty()) return settle(now_s, out);
  plan(now_s, out);
}

void WorkflowRun::plan(double now_s, Commands& out) {
  if (finished_ || winding_) return;
  if (planning_) {
    replan_ = true;
    return;
  }
  std::vector<int> ready;
  progress_.dispatchable(ready);
  if (ready.empty()) return settle(now_s, out);
  planning_ = true;
  out.push_back({Kind::plan});
}

void WorkflowRun::plan_view(double now_s, PlanView& v) const {
  v.now_s = now_s;
  v.deadline_s = deadline_s_;
  v.budget = budget_;
  v.spent = spent_;
  v.reserved = reserved_;
  v.status.assign(progress_.status().begin(), progress_.status().end());
  v.attempts.assign(progress_.attempts().begin(), progress_.attempts().end());
  progress_.dispatchable(v.dispatchable);
  // The samples still running as the simulator shows them under runtime semantics: in launch
  // order, each expected at its start + its model's mean latency (no runtime knows more).
  std::vector<const Running*> order;
  for (const auto& [s, run] : running_) order.push_back(&run);
  std::sort(order.begin(), order.end(), [](const Running* a, const Running* b) { return a->batch_id < b->batch_id; });
  v.in_flight.clear();
  for (const Running* run : order) {
    const AttemptTrace& tr = result_.attempts[run->trace];
    const double end = expected_finish_s(wf_, tr.subtask, tr.model, tr.start_s, now_s);
    for (int j = run->settled; j < tr.k; ++j) v.in_flight.push_back({tr.subtask, tr.model, tr.start_s, end});
  }
}

void WorkflowRun::planned(std::span<const Assignment> action, double planner_seconds, double now_s, Commands& out) {
  planning_ = false;
  decision_seconds_.push_back(planner_seconds);
  ++result_.decisions;
  if (finished_ || winding_) return settle(now_s, out);
  denied_since_plan_ = false;
  source_denied_since_plan_ = false;
  empty_plan_ = true;
  for (const Assignment& a : action) {  // what cannot run now is skipped (a policy bug must not crash the run)
    if (a.subtask < 0 || a.subtask >= wf_.num_subtasks() || progress_.status(a.subtask) != SubtaskStatus::ready) continue;
    if (a.model < 0 || a.model >= wf_.num_models() || !wf_.can_run(a.subtask, a.model) || a.k < 1) continue;
    WorkflowCommand c{Kind::launch};
    c.assignment = a;
    c.batch_id = next_batch_++;
    c.reservation = wf_.batch_reservation(a.subtask, a.model, a.k);  // saturating: an unrepresentable batch is denied
    c.attempt = progress_.launch(a.subtask);
    AttemptTrace tr;
    tr.subtask = a.subtask;
    tr.attempt = c.attempt;
    tr.model = a.model;
    tr.k = a.k;
    tr.start_s = now_s;
    result_.attempts.push_back(tr);
    reserved_ += c.reservation;
    running_[a.subtask] = Running{result_.attempts.size() - 1, c.batch_id, c.reservation, 0, 0};
    out.push_back(c);
    empty_plan_ = false;
  }
  if (replan_) {
    replan_ = false;
    plan(now_s, out);
  }
  settle(now_s, out);
}

void WorkflowRun::plan_failed(const std::string& why, double now_s, Commands& out) {
  planning_ = false;
  failure_detail_ = "planner failed: " + why;
  wind_down(EndReason::stalled, now_s, out);  // cancels and settles what runs before finishing
}

void WorkflowRun::sample_settled(std::uint64_t batch_id, Money released, Money cost) {
  // One sample of a running batch stopped: its cost is committed and the rest of its
  // reservation released (the next plan sees the money, as in the simulator).
  for (auto& [s, run] : running_) {
    if (run.batch_id != batch_id) continue;
    const Money r = std::min<Money>(released, run.reservation_left);
    run.reservation_left -= r;
    run.cost_settled += cost;
    ++run.settled;
    reserved_ -= r;
    spent_ += cost;
    return;
  }
}

void WorkflowRun::batch_over(int subtask, const BatchReport& r, double now_s, Commands& out) {
  auto it = running_.find(subtask);
  if (it == running_.end()) return;
  const Running run = it->second;
  running_.erase(it);
  // Settled samples were accounted as they stopped; the report settles the rest.
  reserved_ -= run.reservation_left;
  spent_ += r.cost - run.cost_settled;
  redispatched_ += r.redispatched;
  AttemptTrace& tr = result_.attempts[run.trace];
  tr.end_s = now_s;
  tr.cost = r.cost;
  tr.successes = r.successes;
  tr.failures = r.failures;
  tr.truncated = r.truncated;
  tr.cancelled = r.cancelled;
  // Ran to its end: not cut short (a success's cancelled siblings do not count).
  tr.finished = r.granted && (r.success || r.cancelled == 0);
  tr.succeeded = r.success;
  if (!r.reason.empty()) failure_detail_ = r.reason;
  for (const auto& w : r.workers) ++samples_per_worker_[w];
  WorkflowCommand traced{Kind::batch_over};
  traced.trace = run.trace;
  traced.subtask = subtask;
  if (r.no_worker_left) {  // the plan cannot be carried out any more
    no_worker_left_ = true;
    progress_.abandon(subtask);
    if (r.granted) out.push_back(traced);
    if (!end_wanted_) end_wanted_ = EndReason::no_worker_left;  // wind down; wait for the others' reports
    if (!defer_) return decide(now_s, out);
    return react(out);
  }
  if (!r.granted) {  // the ledger said no: the subtask waits for money to be released
    result_.attempts.erase(result_.attempts.begin() + static_cast<std::ptrdiff_t>(run.trace));
    for (auto& [s, other] : running_)
      if (other.trace > run.trace) --other.trace;
    progress_.refuse(subtask);
    denied_since_plan_ = true;
    if (r.source_refused) source_denied_since_plan_ = true;
    // A denied batch is re-planned only when something else ends (money is released then).
    if (!defer_) return decide(now_s, out);
    return react(out);
  }
  if (!progress_.end_batch(subtask, r.success) && !end_wanted_ && !winding_) {
    // A subtask that keeps failing (e.g. at zero cost in zero time) must not keep the run alive.
    failure_detail_ = "subtask " + wf_.subtask_id(subtask) + " failed " +
                      std::to_string(progress_.attempts()[static_cast<std::size_t>(subtask)]) + " batches";
    end_wanted_ = EndReason::attempts_exhausted;
  }
  out.push_back(traced);
  replan_wanted_ = true;
  if (!defer_) return decide(now_s, out);
  react(out);
}

void WorkflowRun::deadline(double now_s, Commands& out) {
  if (finished_ || winding_ || progress_.complete()) return;
  wind_down(EndReason::deadline_exhausted, now_s, out);
}

}  // namespace concord
