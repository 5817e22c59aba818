#include "subtask_actor.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include <caf/all.hpp>

#include "chaos/fault_points.hpp"
#include "chaos/safeguards.hpp"
#include "cluster_tunables.hpp"
#include "sim/batch_run.hpp"
#include "sim/execution_rules.hpp"
#include "virtual_time.hpp"
#include "output_check.hpp"

namespace concord::actors {

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(5);

/// A ledger call: the batch's reserve (sample kReserveCall) or the commit of sample j.
constexpr std::int32_t kReserveCall = -1;
struct LedgerCall {
  std::int32_t sample = kReserveCall;
  Money cost = 0;             // a commit's amount
  std::uint32_t attempt = 0;  // the latest attempt sent (from 1)
  bool open = true;           // no answer taken yet
};

// The batch's logic is sim/batch_run.hpp's state machine; this actor only turns its commands into
// messages and the answers into its events.
struct subtask_state {
  SubtaskOptions o;
  std::optional<BatchRun> run;
  std::vector<proto::worker_actor> workers;  // worker id i + 1 (BatchRun's opaque ids) is workers[i]
  std::map<int, SampleOutcome> checking;     // samples whose output a check command is judging
  // Ledger calls, numbered in the order the batch made them (one per reserve or commit command of
  // BatchRun: whether a commit is owed is the state machine's decision, not this transport's).
  // Messages between a batch and its ledger may be lost, duplicated or late (a remote ledger's
  // link; the chaos fault points); every call is idempotent by its ids, so the batch asks again
  // with the same ids when no answer came within ledger_retry_s, at most ledger_attempts times.
  // A call's first answer wins: later ones (a duplicate's, a late request's) find it closed.
  std::vector<LedgerCall> calls;
  static inline const char* name = "concord.subtask";

  std::uint64_t sample_id(int j) const { return exec::sample_id(o.batch_id, static_cast<std::uint64_t>(j)); }
  std::int64_t per_sample() const { return o.k > 0 ? o.reservation / o.k : 0; }
  /// The id of `w` (added on first sight).
  std::uint64_t id_of(const proto::worker_actor& w) {
    for (std::size_t i = 0; i < workers.size(); ++i)
      if (workers[i] == w) return i + 1;
    workers.push_back(w);
    return workers.size();
  }
  const proto::worker_actor& worker(std::uint64_t id) const { return workers[id - 1]; }
};

using subtask_actor = proto::subtask_actor::stateful_base<subtask_state>;

/// What the learner sees of a sample (learn::Observation, by value: end 0 finished, 1 truncated, 2 cancelled).
void observed(subtask_actor* self, const SampleOutcome& o) {
  if (!self->state.o.report_samples) return;  // nobody learns from them: no message per sample
  const std::uint8_t end = o.cancelled ? 2 : o.truncated ? 1 : 0;
  self->send(self->state.o.workflow, proto::observed_atom::value, self->state.o.subtask, self->state.o.model, end, o.success, o.latency_s,
             o.tokens);
}

workers::CheckSpec check_spec(const OutputCheck& c) {
  workers::CheckSpec s;
  s.kind = c.command.empty() ? workers::CheckSpec::Kind::regex : workers::CheckSpec::Kind::command;
  s.text = c.command.empty() ? c.regex : c.command;
  s.time_limit_s = c.time_limit_s;
  return s;
}

void act(subtask_actor* self, BatchRun::Commands& cmds);

/// Runs one event of the state machine and carries out what it commands.
template <class Event>
void on(subtask_actor* self, Event&& event) {
  BatchRun::Commands cmds;
  event(*self->state.run, cmds);
  act(self, cmds);
}

/// The selector's answer as the state machine's picks.
std::vector<WorkerPick> as_picks(subtask_actor* self, const std::vector<caf::actor>& picks, const std::vector<std::uint64_t>& ids) {
  std::vector<WorkerPick> out;
  for (std::size_t i = 0; i < picks.size(); ++i)  // workers travel untyped (they may be remote): typed here, where they are used
    out.push_back({self->state.id_of(caf::actor_cast<proto::worker_actor>(picks[i])), i < ids.size() ? ids[i] : 0});
  return out;
}

proto::sample_request request_for(const subtask_state& st, int j) {
  proto::sample_request r;
  r.sample_id = st.sample_id(j);
  r.seed = exec::sample_seed(st.o.seed, st.o.subtask, st.o.attempt, j);
  r.subtask = st.o.subtask;
  r.model = st.o.model;
  r.token_cap = st.o.token_cap;
  r.input_cost = st.o.input_cost;
  r.price_per_token = st.o.price_per_token;
  r.profile = st.o.profile;
  r.time_scale = st.o.time_scale;
  r.subtask_id = st.o.subtask_id;
  r.model_id = st.o.model_id;
  r.prompt = st.o.prompt;
  r.time_limit_s = st.o.time_limit_s;
  return r;
}

void pick(subtask_actor* self, int sample, std::int32_t count) {
  auto& st = self->state;
  self->request(st.o.selector, kRequestTimeout, proto::pick_atom::value, st.o.model_id, count)
      .then(
          [=](const std::vector<caf::actor>& picks, const std::vector<std::uint64_t>& ids) {
            const auto p = as_picks(self, picks, ids);
            if (sample < 0) on(self, [&](BatchRun& r, auto& c) { r.picked(p, c); });
            else on(self, [&](BatchRun& r, auto& c) { r.repicked(sample, p, c); });
          },
          [=](caf::error& e) {
            if (sample < 0) on(self, [&](BatchRun& r, auto& c) { r.pick_failed("selector unreachable: " + caf::to_string(e), c); });
            else on(self, [&](BatchRun& r, auto& c) { r.repick_failed(sample, c); });
          });
}

/// The ledger's answer to call `n` (the first one only).
void answered(subtask_actor* self, std::int32_t n, proto::ledger_reply& r) {
  LedgerCall& c = self->state.calls[static_cast<std::size_t>(n)];
  if (!c.open) return;  // answered already: a duplicate's or a late request's answer
  if (chaos::buggify(chaos::FaultPoint::ledger_reply_lost)) return;  // fault injection: as if lost on the way
  c.open = false;
  const std::int32_t j = c.sample;
  if (j == kReserveCall) {
    const bool by_source = !r.ok() && static_cast<ledger::DenyReason>(r.deny_reason) == ledger::DenyReason::source_refused;
    on(self, [&](BatchRun& b, auto& out) { b.reserved(r.ok(), "", out, by_source); });
  }
  else on(self, [&](BatchRun& b, auto& out) { b.committed(j, r.status(), out); });
}

/// Call `n` gives up: the reserve is refused, or the commit failed (its money stays reserved:
/// the ledger's restart rule or the tenant's lease settles it, docs/ledger.md).
void give_up(subtask_actor* self, std::int32_t n, const std::string& why) {
  LedgerCall& c = self->state.calls[static_cast<std::size_t>(n)];
  if (!c.open) return;
  c.open = false;
  const std::int32_t j = c.sample;
  if (j == kReserveCall) on(self, [&](BatchRun& b, auto& out) { b.reserved(false, "ledger unreachable: " + why, out); });
  else on(self, [&](BatchRun& b, auto& out) { b.commit_failed(j, why, out); });
}

void next_attempt(subtask_actor* self, std::int32_t n);

/// Sends call `n`'s request once (its answer, or error, comes back to `answered` / the retry rule).
void issue(subtask_actor* self, std::int32_t n, std::uint32_t attempt) {
  auto& st = self->state;
  const LedgerCall& c = st.calls[static_cast<std::size_t>(n)];
  auto on_error = [=](caf::error& e) {
    const LedgerCall& c = self->state.calls[static_cast<std::size_t>(n)];
    if (!c.open || c.attempt != attempt) return;  // answered, or a later attempt is out
    if (attempt < static_cast<std::uint32_t>(kDefaultTunables.ledger_attempts)) next_attempt(self, n);
    else give_up(self, n, caf::to_string(e));
  };
  if (c.sample == kReserveCall) {
    std::vector<std::uint64_t> ids;
    for (int j = 0; j < st.o.k; ++j) ids.push_back(st.sample_id(j));
    // ID-block message types are taken by non-const reference in then(): with `const T&`
    // CAF 0.17.6 answers unexpected_response (seen with ledger_reply).
    self->request(st.o.ledger, kRequestTimeout, proto::reserve_atom::value, std::move(ids), st.per_sample())
        .then([=](proto::ledger_reply& r) { answered(self, n, r); }, on_error);
  } else {
    self->request(st.o.ledger, kRequestTimeout, proto::commit_atom::value, st.sample_id(c.sample), c.cost)
        .then([=](proto::ledger_reply& r) { answered(self, n, r); }, on_error);
  }
}

/// The next attempt of call `n`, through the fault points, with its retry timer.
void next_attempt(subtask_actor* self, std::int32_t n) {
  auto& st = self->state;
  const std::uint32_t attempt = ++st.calls[static_cast<std::size_t>(n)].attempt;
  const double retry_s = kDefaultTunables.ledger_retry_s * st.o.time_scale;  // simulated seconds
  if (chaos::buggify(chaos::FaultPoint::ledger_request_delayed))  // arrives after the retry: out of order
    send_later(self, st.o.virtual_time, 1.5 * retry_s, st.o.time_scale, TimePhase::event, proto::retry_atom::value, n, attempt, true);
  else if (!chaos::buggify(chaos::FaultPoint::ledger_request_lost)) {
    issue(self, n, attempt);
    if (chaos::buggify(chaos::FaultPoint::ledger_request_duplicated)) issue(self, n, attempt);
  }
  if (chaos::safeguard_on(chaos::Safeguard::ledger_retry))
    send_later(self, st.o.virtual_time, retry_s, st.o.time_scale, TimePhase::event, proto::retry_atom::value, n, attempt, false);
}

void start_call(subtask_actor* self, std::int32_t sample, Money cost) {
  auto& st = self->state;
  st.calls.push_back({sample, cost, 0, true});
  next_attempt(self, static_cast<std::int32_t>(st.calls.size() - 1));
}

/// The retry timer of call `n`'s attempt, or (send_now) a delayed request going out at last.
void on_retry(subtask_actor* self, std::int32_t n, std::uint32_t attempt, bool send_now) {
  auto& st = self->state;
  if (n < 0 || static_cast<std::size_t>(n) >= st.calls.size()) return;
  if (send_now) return issue(self, n, attempt);  // late: sent even if answered meanwhile (a duplicate for the ledger)
  const LedgerCall& c = st.calls[static_cast<std::size_t>(n)];
  if (!c.open || c.attempt != attempt) return;  // answered, or a later attempt is out
  if (attempt < static_cast<std::uint32_t>(kDefaultTunables.ledger_attempts)) next_attempt(self, n);
  else give_up(self, n, "no answer after " + std::to_string(attempt) + " attempts");
}

void report(subtask_actor* self) {
  auto& st = self->state;
  self->send(st.o.workflow, proto::batch_report{st.o.batch_id, st.o.subtask, st.run->report()});
  self->quit();
}

void act(subtask_actor* self, BatchRun::Commands& cmds) {
  auto& st = self->state;
  for (const BatchCommand& c : cmds) {
    switch (c.kind) {
      case BatchCommand::Kind::reserve: start_call(self, kReserveCall, 0); break;
      case BatchCommand::Kind::pick: pick(self, c.sample, c.count); break;
      case BatchCommand::Kind::dispatch: {
        const proto::worker_actor& w = st.worker(c.worker);
        self->monitor(w);  // its death re-dispatches the sample
        self->send(w, request_for(st, c.sample));
        break;
      }
      case BatchCommand::Kind::cancel:
        self->send(st.worker(c.worker), proto::cancel_atom::value, st.sample_id(c.sample), c.stop_after_s);
        break;
      case BatchCommand::Kind::arm_expiry:
        send_later(self, st.o.virtual_time, st.o.cancel_grace_s * st.o.time_scale, st.o.time_scale, TimePhase::event,
                   proto::expire_atom::value);
        break;
      case BatchCommand::Kind::commit: start_call(self, c.sample, c.cost); break;
      case BatchCommand::Kind::settled:  // the workflow sees the money at once, as in the simulator
        self->send(st.o.workflow, proto::settled_atom::value, st.o.batch_id, st.per_sample(), c.cost);
        break;
      case BatchCommand::Kind::forget: self->send(st.o.selector, proto::forget_atom::value, c.dispatch_id); break;
      case BatchCommand::Kind::credit:
        self->send(st.o.selector, proto::outcome_atom::value, c.dispatch_id, c.success, c.latency_s);
        break;
      case BatchCommand::Kind::report: report(self); break;
    }
  }
}

proto::subtask_actor::behavior_type subtask(subtask_actor* self, SubtaskOptions o) {
  auto& st = self->state;
  st.o = std::move(o);
  st.run.emplace(st.o.batch_id, st.o.k, st.o.model_id, st.per_sample());
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (std::size_t i = 0; i < st.workers.size(); ++i)
      if (st.workers[i].address() == dm.source) on(self, [&](BatchRun& b, auto& c) { b.worker_down(i + 1, c); });
  });
  on(self, [](BatchRun& b, auto& c) { b.start(c); });  // reserve first: nothing runs unless every sample's worst case is covered
  return {
      [=](proto::sample_result& r) {
        auto& st = self->state;
        if (exec::batch_of(r.sample_id) != st.o.batch_id) return;
        const int j = static_cast<int>(r.sample_id - exec::sample_id(st.o.batch_id, 0));
        if (j < 0 || j >= st.o.k || st.checking.count(j)) return;
        SampleOutcome out;
        out.success = r.success;
        out.truncated = r.truncated;
        out.cancelled = r.cancelled;
        out.latency_s = r.latency_s;
        out.waited_s = r.waited_s;
        out.cost = r.cost;
        out.worker = r.worker;
        out.output = std::move(r.output);
        out.tokens = r.tokens;
        if (out.success && r.has_output && st.o.check) {
          const workers::CheckSpec spec = check_spec(*st.o.check);
          if (spec.kind == workers::CheckSpec::Kind::regex) {
            out.success = workers::run_check(spec, out.output).passed;
          } else {  // a command blocks: it runs on a helper thread; the sample waits for the verdict
            const auto subtask = caf::actor_cast<proto::subtask_actor>(self);
            std::string output = out.output;
            st.checking.emplace(j, std::move(out));
            self->system().spawn<caf::detached>([subtask, spec, output = std::move(output), j]() {
              const auto v = workers::run_check(spec, output);
              caf::anon_send(subtask, proto::verdict_atom::value, static_cast<std::int32_t>(j), v.passed, v.detail);
            });
            return;
          }
        }
        observed(self, out);
        on(self, [&](BatchRun& b, auto& c) { b.result(j, out, c); });
      },
      [=](proto::verdict_atom, std::int32_t j, bool passed, const std::string&) {
        auto& st = self->state;
        auto it = st.checking.find(j);
        if (it == st.checking.end()) return;
        SampleOutcome out = std::move(it->second);
        st.checking.erase(it);
        out.success = out.success && passed;
        observed(self, out);
        on(self, [&](BatchRun& b, auto& c) { b.result(j, out, c); });
      },
      [=](proto::cancel_atom) { on(self, [](BatchRun& b, auto& c) { b.cancel(c); }); },  // from the workflow
      [=](proto::expire_atom) { on(self, [](BatchRun& b, auto& c) { b.expire(c); }); },
      [=](proto::retry_atom, std::int32_t key, std::uint32_t attempt, bool send_now) { on_retry(self, key, attempt, send_now); },
  };
}

}  // namespace

proto::subtask_actor spawn_subtask(caf::actor_system& sys, SubtaskOptions options) { return sys.spawn(subtask, std::move(options)); }

}  // namespace concord::actors
