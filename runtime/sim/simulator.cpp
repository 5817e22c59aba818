#include "sim/simulator.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "model/limits.hpp"

namespace concord {

std::string_view to_string(EndReason r) {
  switch (r) {
    case EndReason::completed: return "completed";
    case EndReason::budget_exhausted: return "budget_exhausted";
    case EndReason::deadline_exhausted: return "deadline_exhausted";
    case EndReason::stalled: return "stalled";
    case EndReason::no_worker_left: return "no_worker_left";
    case EndReason::attempts_exhausted: return "attempts_exhausted";
    case EndReason::interrupted: return "interrupted";
    case EndReason::coordinator_restarted: return "coordinator_restarted";
  }
  return "?";
}

std::string_view to_string(Semantics s) { return s == Semantics::reference ? "reference" : "runtime"; }

Simulator::Simulator(const FlatWorkflow& wf) : wf_(wf), progress_(wf) {}

EpisodeResult Simulator::run(Policy& policy, const EpisodeConfig& config) {
  EpisodeResult out;
  run(policy, config, out);
  return out;
}

void Simulator::reset(const EpisodeConfig& config, EpisodeResult& out) {
  cfg_ = config;
  policy_rng_.reseed(derive_seed(config.seed, 1));  // stream 0 roots the samples' (exec::sample_seed)
  now_ = 0;
  spent_ = reserved_ = 0;
  ended_ = false;
  seq_ = 0;
  const int n = wf_.num_subtasks();
  progress_.reset();
  seed_roots_.resize(static_cast<std::size_t>(n));
  for (int s = 0; s < n; ++s) seed_roots_[static_cast<std::size_t>(s)] = exec::subtask_seed_root(config.seed, s);
  samples_.clear();
  batches_.clear();
  heap_.clear();
  seen_.assign(n, 0);
  out = EpisodeResult{};
}

void Simulator::push_event(double t, int kind, std::uint32_t index) {
  heap_.push_back({t, kind, seq_++, index});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

Simulator::Event Simulator::pop_event() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
  Event e = heap_.back();
  heap_.pop_back();
  return e;
}

void Simulator::finish(EpisodeResult& out, EndReason reason, double at_s) {
  ended_ = true;
  out.reason = reason;
  out.completed = reason == EndReason::completed;
  out.makespan_s = at_s;
  out.spend = spent_;
  out.subtasks_done = progress_.done();
}

void Simulator::run(Policy& policy, const EpisodeConfig& config, EpisodeResult& out) {
  reset(config, out);
  policy.reset();
  const bool runtime = cfg_.semantics == Semantics::runtime;
  if (!decide_and_launch(policy, out)) return;
  while (!ended_) {
    if (heap_.empty()) {  // unreachable for a DAG with a correct policy; never loop
      finish(out, EndReason::stalled, now_);
      return;
    }
    if (cfg_.stop && cfg_.stop->load(std::memory_order_relaxed)) {
      interrupt(out);
      return;
    }
    const double t = heap_.front().time_s;
    if (runtime && t > cfg_.deadline_s) {
      cancel_in_flight(out, cfg_.deadline_s);
      finish(out, EndReason::deadline_exhausted, cfg_.deadline_s);
      return;
    }
    now_ = t;
    bool replan = false, gave_up = false;
    while (!heap_.empty() && heap_.front().time_s == t) {
      const Event e = pop_event();
      if (e.kind == 0) {  // runtime: a sample stops; commit its cost, release its reservation
        const SampleRun& s = samples_[e.index];
        spent_ += s.cost;
        reserved_ -= batches_[s.batch].reservation;
        continue;
      }
      Batch& b = batches_[e.index];
      b.open = false;
      AttemptTrace& tr = out.attempts[b.trace];
      tr.finished = true;
      tr.end_s = t;
      tr.succeeded = b.success;
      replan = true;
      if (!progress_.end_batch(b.subtask, b.success)) gave_up = true;
    }
    if (gave_up) {  // a subtask failed its last allowed batch: the run cannot complete
      if (runtime) cancel_in_flight(out, now_);
      else close_in_flight(out, now_);
      finish(out, EndReason::attempts_exhausted, now_);
      return;
    }
    if (progress_.complete()) {
      assert(reserved_ == 0);
      // Only the baselines' per-sample launch (no launch-time deadline check) can end past it.
      finish(out, !exec::ends_by(now_, cfg_.deadline_s) ? EndReason::deadline_exhausted : EndReason::completed, now_);
      return;
    }
    if (replan && !decide_and_launch(policy, out)) return;
  }
}

void Simulator::validate_action(const std::vector<Assignment>& action) const {
  for (const auto& a : action) {
    if (a.subtask < 0 || a.subtask >= wf_.num_subtasks() || progress_.status(a.subtask) != SubtaskStatus::ready)
      throw std::logic_error(fmt::format("policy action: subtask {} is not dispatchable", a.subtask));
    if (a.model < 0 || a.model >= wf_.num_models() || !wf_.can_run(a.subtask, a.model))
      throw std::logic_error(fmt::format("policy action: model {} cannot run subtask \"{}\"", a.model, wf_.subtask_id(a.subtask)));
    if (a.k < 1 || a.k > kMaxSamplesPerAssignment)
      throw std::logic_error(fmt::format("policy action: k = {} for subtask \"{}\" (must be 1..{})", a.k,
                                         wf_.subtask_id(a.subtask), kMaxSamplesPerAssignment));
  }
}

bool Simulator::decide_and_launch(Policy& policy, EpisodeResult& out) {
  progress_.dispatchable(dispatchable_);
  if (dispatchable_.empty()) return true;

  // What the policy is shown of the samples still running: under reference semantics their
  // true end (the MCPP reference's planner sees it); under runtime semantics what a runtime
  // knows, the expected end (sim/workflow_progress.hpp), as the workflow actor shows it.
  const bool runtime = cfg_.semantics == Semantics::runtime;
  in_flight_view_.clear();
  partial_success_.assign(static_cast<std::size_t>(progress_.size()), 0);
  for (const Batch& b : batches_) {
    if (!b.open) continue;
    for (std::uint32_t i = b.first; i < b.first + b.count; ++i) {
      const SampleRun& s = samples_[i];
      if (s.end_s <= now_) {  // finished: its outcome is known
        if (s.success) partial_success_[s.subtask] = 1;
        continue;
      }
      const double finish = runtime ? expected_finish_s(wf_, s.subtask, s.model, s.start_s, now_) : s.end_s;
      in_flight_view_.push_back({s.subtask, s.model, s.start_s, finish});
    }
  }
  SimState st;
  st.workflow = &wf_;
  st.semantics = cfg_.semantics;
  st.now_s = now_;
  st.deadline_s = cfg_.deadline_s;
  st.budget = cfg_.budget;
  st.spent = spent_;
  st.reserved = reserved_;
  st.status = progress_.status();
  st.attempts = progress_.attempts();
  st.dispatchable = dispatchable_;
  st.in_flight = in_flight_view_;
  st.partial_success = partial_success_;
  st.stop = cfg_.stop;
  action_.clear();
  policy.decide(st, policy_rng_, action_);
  ++out.decisions;
  if (cfg_.stop && cfg_.stop->load(std::memory_order_relaxed)) {  // interrupted while deciding: launch nothing
    interrupt(out);
    return false;
  }
  validate_action(action_);
  for (const auto& a : action_) {
    if (seen_[a.subtask]) throw std::logic_error(fmt::format("policy action: subtask \"{}\" assigned twice", wf_.subtask_id(a.subtask)));
    seen_[a.subtask] = 1;
  }
  for (const auto& a : action_) seen_[a.subtask] = 0;
  return cfg_.semantics == Semantics::reference ? launch_reference(out) : launch_runtime(out);
}


// Inlined into the launch loops: it runs once per sample, the simulator's innermost work.
inline __attribute__((always_inline)) Draw Simulator::draw_sample(const Assignment& a, int attempt, int j) const {
  LazyRng rng(exec::sample_seed_in(seed_roots_[static_cast<std::size_t>(a.subtask)], attempt, j));
  return wf_.draw(a.subtask, a.model, rng);
}

std::uint32_t Simulator::open_batch(EpisodeResult& out, const Assignment& a, Money reservation_per_sample) {
  const int s = a.subtask;
  AttemptTrace tr;
  tr.subtask = s;
  tr.attempt = progress_.launch(s);
  tr.model = a.model;
  tr.k = a.k;
  tr.start_s = now_;
  out.attempts.push_back(tr);
  Batch b;
  b.subtask = s;
  b.trace = out.attempts.size() - 1;
  b.first = static_cast<std::uint32_t>(samples_.size());
  b.count = 0;
  b.end_s = now_;
  b.success = false;
  b.reservation = reservation_per_sample;
  b.open = true;
  batches_.push_back(b);
  return static_cast<std::uint32_t>(batches_.size() - 1);
}

bool Simulator::launch_reference(EpisodeResult& out) {
  // Atomic launch: draw every sample of the action, then check budget and deadline.
  if (!cfg_.atomic_launch) return launch_per_sample(out);  // baselines may leave a subtask idle
  if (action_.size() != dispatchable_.size())
    throw std::logic_error(fmt::format("policy action: reference semantics need an assignment for each of the {} "
                                       "dispatchable subtasks, got {}", dispatchable_.size(), action_.size()));
  draws_.clear();
  Money total = 0;  // saturating: an action whose cost overflows exceeds every budget
  double slowest = 0;
  for (const auto& a : action_) {
    const int attempt = next_attempt(a.subtask);
    for (int j = 0; j < a.k; ++j) {
      const Draw d = draw_sample(a, attempt, j);
      total = saturating_add(total, wf_.sample_cost(a.subtask, a.model, d.output_tokens));
      slowest = std::max(slowest, d.latency_s);
      draws_.push_back(d);
    }
  }
  // The reference checks time first, with its tolerance; money is exact here.
  if (!exec::ends_by(slowest, cfg_.deadline_s - now_)) {
    finish(out, EndReason::deadline_exhausted, now_);
    return false;
  }
  if (total > cfg_.budget - spent_) {
    finish(out, EndReason::budget_exhausted, now_);
    return false;
  }
  std::size_t next = 0;
  for (const auto& a : action_) {
    const std::uint32_t bi = open_batch(out, a, 0);
    Batch& b = batches_[bi];
    AttemptTrace& tr = out.attempts[b.trace];
    for (int j = 0; j < a.k; ++j) {
      const Draw& d = draws_[next++];
      const Money cost = wf_.sample_cost(a.subtask, a.model, d.output_tokens);
      samples_.push_back({now_ + d.latency_s, cost, d.success, false, false, a.subtask, a.model, bi, now_,
                          d.latency_s, d.output_tokens});
      b.end_s = std::max(b.end_s, now_ + d.latency_s);  // the batch ends with its slowest sample
      b.success = b.success || d.success;
      tr.cost += cost;
      (d.success ? tr.successes : tr.failures) += 1;
    }
    b.count = static_cast<std::uint32_t>(a.k);
    spent_ += tr.cost;  // charged at launch
    push_event(b.end_s, 1, bi);
  }
  return true;
}

bool Simulator::launch_per_sample(EpisodeResult& out) {
  // The reference's event-driven launch for its baselines: larger batches first
  // (ties: larger subtask index first), one sample at a time, each charged at launch;
  // a sample the budget left cannot pay is dropped with the rest of its subtask's batch.
  std::stable_sort(action_.begin(), action_.end(), [](const Assignment& a, const Assignment& b) {
    return a.k != b.k ? a.k > b.k : a.subtask > b.subtask;
  });
  bool denied = false;
  for (const auto& a : action_) {
    std::uint32_t bi = UINT32_MAX;
    const int attempt = next_attempt(a.subtask);
    for (int j = 0; j < a.k; ++j) {
      const Draw d = draw_sample(a, attempt, j);
      const Money cost = wf_.sample_cost(a.subtask, a.model, d.output_tokens);
      if (cost > cfg_.budget - spent_) {
        denied = true;
        break;
      }
      if (bi == UINT32_MAX) bi = open_batch(out, a, 0);
      Batch& b = batches_[bi];
      AttemptTrace& tr = out.attempts[b.trace];
      samples_.push_back({now_ + d.latency_s, cost, d.success, false, false, a.subtask, a.model, bi, now_,
                          d.latency_s, d.output_tokens});
      ++b.count;
      b.end_s = std::max(b.end_s, now_ + d.latency_s);
      b.success = b.success || d.success;
      tr.cost += cost;
      (d.success ? tr.successes : tr.failures) += 1;
      spent_ += cost;
    }
    if (bi != UINT32_MAX) {
      out.attempts[batches_[bi].trace].k = static_cast<int>(batches_[bi].count);
      push_event(batches_[bi].end_s, 1, bi);
    }
  }
  if (heap_.empty()) {
    finish(out, denied ? EndReason::budget_exhausted : EndReason::stalled, now_);
    return false;
  }
  return true;
}

Money Simulator::charge_until(const SampleRun& s, double t) const {
  const exec::Effective e{s.latency_s, s.tokens, s.success, s.truncated};
  return wf_.sample_cost(s.subtask, s.model, exec::tokens_after(e, t - s.start_s));
}

bool Simulator::launch_runtime(EpisodeResult& out) {
  bool denied = false;
  for (const auto& a : action_) {
    const std::int64_t cap = wf_.token_cap(a.model);
    const Money per_sample = wf_.reservation(a.subtask, a.model);
    const Money need = wf_.batch_reservation(a.subtask, a.model, a.k);  // saturating
    if (need > cfg_.budget - spent_ - reserved_) {  // the ledger denies: the subtask stays ready
      denied = true;
      continue;
    }
    reserved_ += need;
    draws_.clear();
    const int attempt = next_attempt(a.subtask);
    for (int j = 0; j < a.k; ++j) draws_.push_back(draw_sample(a, attempt, j));
    const std::uint32_t bi = open_batch(out, a, per_sample);
    // Effective samples (token cap), then the batch's settlement: the first success cancels
    // the siblings still running, charged pro-rata (sim/execution_rules.hpp). Times relative
    // to the launch, as a worker measures them.
    exec::SettlementBuilder settle;
    for (const Draw& d : draws_) {
      const exec::Effective e = exec::apply_token_cap(d, cap);
      settle.add(e);
      SampleRun r{};
      r.subtask = a.subtask;
      r.model = a.model;
      r.batch = bi;
      r.start_s = now_;
      r.latency_s = e.latency_s;
      r.tokens = e.tokens;
      r.success = e.success;
      r.truncated = e.truncated;
      samples_.push_back(r);
    }
    const exec::Settlement settled = settle.result();
    Batch& b = batches_[bi];
    AttemptTrace& tr = out.attempts[b.trace];
    b.count = static_cast<std::uint32_t>(a.k);
    b.success = settled.success;
    for (std::uint32_t i = b.first; i < b.first + b.count; ++i) {
      SampleRun& r = samples_[i];
      const exec::Effective e{r.latency_s, r.tokens, r.success, r.truncated};
      r.cost = wf_.sample_cost(a.subtask, a.model, exec::charged_tokens(e, settled));
      if (exec::cancelled_by(e, settled)) {
        r.end_s = now_ + settled.end_s;
        r.success = false;
        r.truncated = false;
        r.cancelled = true;
        ++tr.cancelled;
      } else {
        r.end_s = now_ + r.latency_s;
        (r.success ? tr.successes : tr.failures) += 1;
        tr.truncated += r.truncated ? 1 : 0;
      }
      b.end_s = std::max(b.end_s, r.end_s);
      tr.cost += r.cost;
      push_event(r.end_s, 0, i);
    }
    push_event(b.end_s, 1, bi);
  }
  if (heap_.empty()) {
    finish(out, denied ? EndReason::budget_exhausted : EndReason::stalled, now_);
    return false;
  }
  return true;
}

void Simulator::interrupt(EpisodeResult& out) {
  if (cfg_.semantics == Semantics::runtime) cancel_in_flight(out, now_);
  else close_in_flight(out, now_);
  finish(out, EndReason::interrupted, now_);
}

void Simulator::close_in_flight(EpisodeResult& out, double at_s) {
  // Reference semantics charged every sample at launch: the open batches only end here.
  for (Batch& b : batches_) {
    if (!b.open) continue;
    b.open = false;
    out.attempts[b.trace].end_s = at_s;
  }
}

void Simulator::cancel_in_flight(EpisodeResult& out, double at_s) {
  for (Batch& b : batches_) {
    if (!b.open) continue;
    AttemptTrace& tr = out.attempts[b.trace];
    for (std::uint32_t i = b.first; i < b.first + b.count; ++i) {
      SampleRun& r = samples_[i];
      if (r.end_s <= at_s) continue;  // already committed by its event
      const Money charged = charge_until(r, at_s);
      tr.cost += charged - r.cost;
      if (r.cancelled) {
        --tr.cancelled;
      } else {
        (r.success ? tr.successes : tr.failures) -= 1;
        tr.truncated -= r.truncated ? 1 : 0;
      }
      ++tr.cancelled;
      r.cost = charged;
      r.end_s = at_s;
      r.cancelled = true;
      spent_ += charged;
      reserved_ -= b.reservation;
    }
    b.open = false;
    tr.end_s = at_s;
  }
  assert(reserved_ == 0);
}

}  // namespace concord
