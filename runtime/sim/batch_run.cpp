#include "sim/batch_run.hpp"

#include <cassert>

#include "chaos/safeguards.hpp"
#include "sim/execution_rules.hpp"

namespace concord {

using Kind = BatchCommand::Kind;

BatchRun::BatchRun(std::uint64_t batch_id, int k, std::string model_id, Money per_sample_reservation)
    : batch_id_(batch_id),
      k_(k),
      per_sample_reservation_(per_sample_reservation),
      model_id_(std::move(model_id)),
      samples_(static_cast<std::size_t>(k > 0 ? k : 0)) {}

void BatchRun::start(Commands& out) { out.push_back({Kind::reserve}); }

void BatchRun::reserved(bool granted, std::string why, Commands& out, bool by_source) {
  if (reported_ || !starting_) return;
  if (!granted) {  // nothing was reserved, so nothing is settled: the report is all there is
    report_.granted = false;
    report_.source_refused = by_source;
    report_.reason = std::move(why);
    reported_ = true;
    out.push_back({Kind::report});
    return;
  }
  if (cancelling_) {  // cancelled while reserving: nothing runs, the reservation is released
    report_.cancelled = k_;
    return settle_unrun(out);
  }
  BatchCommand c{Kind::pick};
  c.count = k_;
  out.push_back(c);
}

void BatchRun::picked(std::span<const WorkerPick> picks, Commands& out) {
  if (reported_ || !starting_) return;
  if (cancelling_) {  // cancelled while picking
    for (const WorkerPick& p : picks) out.push_back({Kind::forget, -1, 0, 0, p.dispatch_id});
    report_.cancelled = k_;
    return settle_unrun(out);
  }
  if (picks.empty()) {
    report_.no_worker_left = true;
    report_.reason = "no worker left for model " + model_id_;
    report_.failures = k_;
    return settle_unrun(out);
  }
  // Fewer picks than k (few live workers): workers take several samples; only a sample with a
  // dispatch of its own trains the selector.
  const std::size_t n = picks.size();
  for (int j = 0; j < k_; ++j) {
    const auto i = static_cast<std::size_t>(j);
    dispatch(j, {picks[i % n].worker, i < n ? picks[i].dispatch_id : 0}, false, out);
  }
  starting_ = false;
}

void BatchRun::pick_failed(std::string why, Commands& out) {
  if (reported_ || !starting_) return;
  report_.reason = std::move(why);
  report_.failures = k_;
  settle_unrun(out);
}

void BatchRun::dispatch(int j, const WorkerPick& p, bool redispatched, Commands& out) {
  Sample& s = samples_[static_cast<std::size_t>(j)];
  s.state = SampleState::running;
  s.worker = p.worker;
  s.dispatch_id = p.dispatch_id;
  s.redispatched = redispatched;
  BatchCommand c{Kind::dispatch, j};
  c.worker = p.worker;
  c.dispatch_id = p.dispatch_id;
  out.push_back(c);
}

void BatchRun::settle(int j, Money cost, Commands& out) {
  Sample& s = samples_[static_cast<std::size_t>(j)];
  // Each sample settles once (the settle_once safeguard off: the mutation check, docs/chaos.md).
  assert(!chaos::safeguard_on(chaos::Safeguard::settle_once) || (s.state != SampleState::settling && s.state != SampleState::settled));
  s.state = SampleState::settling;
  s.cost = cost;
  BatchCommand c{Kind::commit, j};
  c.cost = cost;
  out.push_back(c);
}

void BatchRun::settle_unrun(Commands& out) {
  starting_ = false;
  for (int j = 0; j < k_; ++j) settle(j, 0, out);
  check_done(out);
}

void BatchRun::result(int j, const SampleOutcome& o, Commands& out) {
  if (j < 0 || j >= k_) return;
  Sample& s = samples_[static_cast<std::size_t>(j)];
  // A duplicate, or from a re-dispatched sample's first worker (settle_once off, the mutation
  // check: a duplicate of a settling or settled sample is settled again).
  const bool again = !chaos::safeguard_on(chaos::Safeguard::settle_once) &&
                     (s.state == SampleState::settling || s.state == SampleState::settled);
  if (s.state != SampleState::running && !again) return;
  Money cost = o.cost < 0 ? 0 : o.cost;
  if (cost > per_sample_reservation_ && chaos::safeguard_on(chaos::Safeguard::overclaim_clamp)) {  // more than its worst case: a lie, or a broken worker
    if (report_.reason.empty())
      report_.reason = "worker " + o.worker + " claimed " + std::to_string(cost) + " pUSD for sample " +
                       std::to_string(exec::sample_id(batch_id_, static_cast<std::uint64_t>(j))) + ", above its reservation of " +
                       std::to_string(per_sample_reservation_) + ": charged the reservation";
    cost = per_sample_reservation_;
  }
  report_.workers.push_back(o.worker);
  settle(j, cost, out);
  // A cancelled sample says nothing about its worker: no credit either way.
  if (o.cancelled) {
    out.push_back({Kind::forget, j, 0, 0, s.dispatch_id});
  } else {
    BatchCommand c{Kind::credit, j, 0, 0, s.dispatch_id};
    c.success = o.success;
    c.latency_s = o.latency_s;
    out.push_back(c);
  }
  if (o.cancelled) ++report_.cancelled;
  else if (o.success) ++report_.successes;
  else ++report_.failures, report_.truncated += o.truncated ? 1 : 0;
  if (o.success && !succeeded_ && !cancelling_) {
    // First success: the subtask is done. The siblings launched with it stop at its end on the
    // batch's common timeline (from the dispatch): its wait for a slot plus its latency (a sibling
    // as long as it finishes: exec::cancelled_by), charged pro-rata. Without slots waited_s is 0
    // and the stop is its latency, exactly (0.0 + x == x).
    succeeded_ = true;
    report_.output = o.output;
    cancel_running(s.redispatched ? -1.0 : o.waited_s + o.latency_s, out);
  }
  check_done(out);
}

void BatchRun::cancel_running(double stop_after_s, Commands& out) {
  for (int j = 0; j < k_; ++j) {
    const Sample& s = samples_[static_cast<std::size_t>(j)];
    if (s.state != SampleState::running) continue;
    BatchCommand c{Kind::cancel, j, 0, s.worker, s.dispatch_id};
    c.stop_after_s = s.redispatched ? -1.0 : stop_after_s;  // a stop time measured from another start means nothing to it
    out.push_back(c);
  }
  // Samples on a worker that never answers (hung, not yet known dead) must not hold the batch forever.
  out.push_back({Kind::arm_expiry});
}

void BatchRun::committed(int j, ledger::Code code, Commands& out) {
  if (j < 0 || j >= k_) return;
  Sample& s = samples_[static_cast<std::size_t>(j)];
  if (s.state != SampleState::settling && chaos::safeguard_on(chaos::Safeguard::settle_once)) return;
  // A sample that never ran commits 0: its id may be unknown to the ledger (the batch was
  // cancelled before its reservation) and that is not an error.
  const bool ok = code == ledger::Code::granted || code == ledger::Code::committed || code == ledger::Code::released ||
                  (s.cost == 0 && (code == ledger::Code::unknown_id || code == ledger::Code::not_granted));
  s.state = SampleState::settled;
  if (ok) {
    report_.cost += s.cost;
    BatchCommand c{Kind::settled, j};
    c.cost = s.cost;
    out.push_back(c);
  } else {
    report_.reason = "ledger refused the commit of sample " +
                     std::to_string(exec::sample_id(batch_id_, static_cast<std::uint64_t>(j))) + ": " +
                     std::string(ledger::to_string(code));
  }
  check_done(out);
}

void BatchRun::commit_failed(int j, std::string error, Commands& out) {
  if (j < 0 || j >= k_) return;
  Sample& s = samples_[static_cast<std::size_t>(j)];
  if (s.state != SampleState::settling) return;
  s.state = SampleState::settled;
  report_.reason = "ledger commit failed: " + error;
  check_done(out);
}

void BatchRun::cancel(Commands& out) {
  if (cancelling_ || reported_) return;
  cancelling_ = true;
  cancel_running(-1.0, out);
  check_done(out);
}

void BatchRun::expire(Commands& out) {
  for (int j = 0; j < k_; ++j) {
    Sample& s = samples_[static_cast<std::size_t>(j)];
    if (s.state != SampleState::running) continue;  // cancelled but never answered: counted, unpaid
    ++report_.cancelled;
    out.push_back({Kind::forget, j, 0, 0, s.dispatch_id});
    settle(j, 0, out);
  }
  check_done(out);
}

void BatchRun::worker_down(std::uint64_t worker, Commands& out) {
  std::vector<int> orphans;
  for (int j = 0; j < k_; ++j) {
    const Sample& s = samples_[static_cast<std::size_t>(j)];
    if (s.state == SampleState::running && s.worker == worker) {
      orphans.push_back(j);
      out.push_back({Kind::forget, j, 0, 0, s.dispatch_id});
    }
  }
  if (orphans.empty()) return;
  if (!chaos::safeguard_on(chaos::Safeguard::redispatch)) {  // the mutation check only: the samples are lost
    for (int j : orphans) samples_[static_cast<std::size_t>(j)].state = SampleState::settled;  // never committed
    return check_done(out);
  }
  if (succeeded_ || cancelling_) {  // nothing to run again: they just end, unpaid
    for (int j : orphans) ++report_.cancelled, settle(j, 0, out);
    return check_done(out);
  }
  for (int j : orphans) {  // again elsewhere, under the same reservation
    ++report_.redispatched;
    samples_[static_cast<std::size_t>(j)].state = SampleState::repicking;
    BatchCommand c{Kind::pick, j};
    c.count = 1;
    out.push_back(c);
  }
}

void BatchRun::repicked(int j, std::span<const WorkerPick> picks, Commands& out) {
  if (j < 0 || j >= k_ || samples_[static_cast<std::size_t>(j)].state != SampleState::repicking) return;
  if (succeeded_ || cancelling_ || picks.empty()) {
    if (picks.empty()) {
      report_.no_worker_left = true;
      report_.reason = "no worker left for model " + model_id_;
    }
    for (const WorkerPick& p : picks) out.push_back({Kind::forget, j, 0, 0, p.dispatch_id});
    ++report_.failures;  // the sample could not run again: it failed
    settle(j, 0, out);
    return check_done(out);
  }
  dispatch(j, picks.front(), true, out);
}

void BatchRun::repick_failed(int j, Commands& out) {
  if (j < 0 || j >= k_ || samples_[static_cast<std::size_t>(j)].state != SampleState::repicking) return;
  ++report_.failures;
  settle(j, 0, out);
  check_done(out);
}

void BatchRun::check_done(Commands& out) {
  if (reported_ || starting_) return;
  for (const Sample& s : samples_)
    if (s.state != SampleState::settled) return;
  reported_ = true;
  report_.success = succeeded_;
  out.push_back({Kind::report});
}

}  // namespace concord
