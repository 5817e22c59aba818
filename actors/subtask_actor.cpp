#include "subtask_actor.hpp"

#include <chrono>
#include <map>
#include <vector>

#include <caf/all.hpp>

#include "virtual_time.hpp"

#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"

namespace concord::actors {

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(5);

struct Pending {
  proto::sample_request request;
  caf::actor worker;
  std::uint64_t dispatch_id = 0;  // the selector's, to credit the outcome to this dispatch
  bool redispatched = false;      // started later than the batch (its worker died)
};

struct subtask_state {
  SubtaskOptions o;
  std::map<std::uint64_t, Pending> pending;  // by sample id
  proto::batch_report report;
  bool succeeded = false, cancelling = false, finalizing = false;
  int awaiting_picks = 0;  // re-dispatches waiting for the selector
  // The reservation or the first pick is still outstanding: a cancel must not end the batch
  // before its answer, or the reservation it brings would never be settled (a ledger leak).
  bool starting = true;
  int settling = 0;        // per-sample ledger commits not yet answered
  static inline const char* name = "concord.subtask";

  std::uint64_t sample_id(std::int32_t j) const { return exec::sample_id(o.batch_id, static_cast<std::uint64_t>(j)); }
  std::int64_t per_sample() const { return o.k > 0 ? o.reservation / o.k : 0; }
};

using subtask_actor = caf::stateful_actor<subtask_state>;

void finalize(subtask_actor* self);

void check_done(subtask_actor* self) {
  const auto& st = self->state;
  if (!st.starting && st.pending.empty() && st.awaiting_picks == 0 && st.settling == 0) finalize(self);
}

/// A sample has stopped (or will never run: cost 0): commits its cost, which releases the
/// rest of its reservation, and tells the workflow how much money that frees.
void settle_sample(subtask_actor* self, std::uint64_t sample_id, std::int64_t cost) {
  ++self->state.settling;
  self->request(self->state.o.ledger, kRequestTimeout, proto::commit_atom::value, sample_id, cost)
      .then(
          // ID-block message types are taken by non-const reference in then(): with `const T&`
          // CAF 0.17.6 answers unexpected_response (seen with ledger_reply).
          [=](proto::ledger_reply& r) {
            auto& st = self->state;
            --st.settling;
            // A sample that never ran commits 0: its id may be unknown to the ledger (the
            // batch was cancelled before its reservation) and that is not an error.
            const bool ok = r.ok() || (cost == 0 && (r.status() == ledger::Code::unknown_id ||
                                                      r.status() == ledger::Code::not_granted));
            if (ok) self->send(st.o.workflow, proto::settled_atom::value, st.o.batch_id, st.per_sample(), cost);
            else
              st.report.reason = "ledger refused the commit of sample " + std::to_string(sample_id) + ": " +
                                 std::string(ledger::to_string(r.status()));
            check_done(self);
          },
          [=](caf::error& e) {
            --self->state.settling;
            self->state.report.reason = "ledger commit failed: " + caf::to_string(e);
            check_done(self);
          });
}

/// Sends one sample to `worker` (monitored, so its death re-dispatches the sample).
void dispatch(subtask_actor* self, proto::sample_request r, const caf::actor& worker, std::uint64_t dispatch_id,
              bool redispatched) {
  self->monitor(worker);
  const auto id = r.sample_id;
  self->send(worker, r);
  self->state.pending[id] = Pending{std::move(r), worker, dispatch_id, redispatched};
}

/// Tells the selector a dispatch ends without an outcome worth learning from.
void forget(subtask_actor* self, std::uint64_t dispatch_id) {
  self->send(self->state.o.selector, proto::forget_atom::value, dispatch_id);
}

/// Cancels every sample still running. stop_after_s >= 0: the batch ended that many simulated
/// seconds after its launch (its first success), and a sample launched with the batch stops
/// then (exec::cancelled_by: one as long as the winner is not cancelled). < 0: they stop now.
void cancel_others(subtask_actor* self, double stop_after_s) {
  for (auto& [id, p] : self->state.pending)
    self->send(p.worker, proto::cancel_atom::value, id, p.redispatched ? -1.0 : stop_after_s);
  // Samples on a worker that never answers (hung, no down_msg yet) must not hold the batch forever.
  const auto& o = self->state.o;
  send_later(self, o.virtual_time, o.cancel_grace_s * o.time_scale, o.time_scale, TimePhase::event, proto::expire_atom::value);
}

void redispatch(subtask_actor* self, std::vector<proto::sample_request> orphans) {
  auto& st = self->state;
  for (auto& r : orphans) {
    ++st.report.redispatched;
    ++st.awaiting_picks;
    self->request(st.o.selector, kRequestTimeout, proto::pick_atom::value, st.o.model_id, std::int32_t{1})
        .then(
            [=](const std::vector<caf::actor>& picks, const std::vector<std::uint64_t>& ids) mutable {
              --self->state.awaiting_picks;
              if (self->state.succeeded || self->state.cancelling || picks.empty()) {
                if (picks.empty()) {
                  self->state.report.no_worker_left = true;
                  self->state.report.reason = "no worker left for model " + self->state.o.model_id;
                }
                for (std::uint64_t id : ids) forget(self, id);
                ++self->state.report.failures;  // the sample could not run again: it failed
                settle_sample(self, r.sample_id, 0);
                return;
              }
              dispatch(self, r, picks.front(), ids.empty() ? 0 : ids.front(), true);
            },
            [=](caf::error&) {
              --self->state.awaiting_picks;
              ++self->state.report.failures;
              settle_sample(self, r.sample_id, 0);
            });
    st.pending.erase(r.sample_id);  // re-added by dispatch once a worker is picked
  }
}

void finalize(subtask_actor* self) {
  auto& st = self->state;
  if (st.finalizing) return;
  st.finalizing = true;
  st.report.success = st.succeeded;
  // Every sample is settled with the ledger (and the workflow told) before the report.
  self->send(st.o.workflow, st.report);
  self->quit();
}

/// None of the batch's samples will run: each commits 0 (its reservation is released).
void settle_all_unrun(subtask_actor* self) {
  self->state.starting = false;
  for (std::int32_t j = 0; j < self->state.o.k; ++j) settle_sample(self, self->state.sample_id(j), 0);
  check_done(self);
}

void start_batch(subtask_actor* self) {
  auto& st = self->state;
  self->request(st.o.selector, kRequestTimeout, proto::pick_atom::value, st.o.model_id, st.o.k)
      .then(
          [=](const std::vector<caf::actor>& picks, const std::vector<std::uint64_t>& ids) {
            auto& st = self->state;
            if (st.cancelling) {  // cancelled while picking: nothing runs, the reservation is released
              for (std::uint64_t id : ids) forget(self, id);
              st.report.cancelled = st.o.k;
              settle_all_unrun(self);
              return;
            }
            if (picks.empty()) {
              st.report.no_worker_left = true;
              st.report.reason = "no worker left for model " + st.o.model_id;
              st.report.failures = st.o.k;
              settle_all_unrun(self);
              return;
            }
            for (std::int32_t j = 0; j < st.o.k; ++j) {
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
              // Fewer picks than k (few live workers): workers take several samples; only a
              // sample with a dispatch of its own trains the selector.
              const auto p = static_cast<std::size_t>(j);
              dispatch(self, std::move(r), picks[p % picks.size()], p < ids.size() ? ids[p] : 0, false);
            }
            st.starting = false;
          },
          [=](caf::error& e) {
            self->state.report.reason = "selector unreachable: " + caf::to_string(e);
            self->state.report.failures = self->state.o.k;
            settle_all_unrun(self);
          });
}

caf::behavior subtask(subtask_actor* self, SubtaskOptions o) {
  self->state.o = std::move(o);
  self->state.report.batch_id = self->state.o.batch_id;
  self->state.report.subtask = self->state.o.subtask;
  self->set_down_handler([=](caf::down_msg& dm) {
    std::vector<proto::sample_request> orphans;
    for (auto& [id, p] : self->state.pending)
      if (p.worker.address() == dm.source) orphans.push_back(p.request), forget(self, p.dispatch_id);
    if (orphans.empty()) return;
    if (self->state.succeeded || self->state.cancelling) {  // nothing to re-run: they just end, unpaid
      for (auto& r : orphans) {
        self->state.pending.erase(r.sample_id), ++self->state.report.cancelled;
        settle_sample(self, r.sample_id, 0);
      }
      check_done(self);
      return;
    }
    redispatch(self, std::move(orphans));
  });
  // Reserve first: nothing is dispatched unless every sample's worst case is covered.
  std::vector<std::uint64_t> ids;
  for (std::int32_t j = 0; j < self->state.o.k; ++j) ids.push_back(self->state.sample_id(j));
  self->request(self->state.o.ledger, kRequestTimeout, proto::reserve_atom::value, std::move(ids),
                self->state.per_sample())
      .then(
          [=](proto::ledger_reply& r) {
            const bool granted = r.ok();
            if (granted && self->state.cancelling) {  // cancelled while reserving: release it all
              self->state.report.cancelled = self->state.o.k;
              settle_all_unrun(self);
              return;
            }
            if (!granted) {
              self->state.report.granted = false;
              self->send(self->state.o.workflow, self->state.report);
              self->quit();
              return;
            }
            start_batch(self);
          },
          [=](caf::error& e) {
            self->state.report.granted = false;
            self->state.report.reason = "ledger unreachable: " + caf::to_string(e);
            self->send(self->state.o.workflow, self->state.report);
            self->quit();
          });
  return {
      [=](proto::sample_result& r) {
        auto& st = self->state;
        auto it = st.pending.find(r.sample_id);
        if (it == st.pending.end()) return;  // duplicate or from a re-dispatched sample's first worker
        const std::uint64_t dispatch_id = it->second.dispatch_id;
        const bool redispatched = it->second.redispatched;
        st.pending.erase(it);
        st.report.cost += r.cost;
        st.report.workers.push_back(r.worker);
        settle_sample(self, r.sample_id, r.cost);
        // A cancelled sample says nothing about its worker: no credit either way.
        if (r.cancelled) forget(self, dispatch_id);
        else self->send(st.o.selector, proto::outcome_atom::value, dispatch_id, r.success, r.latency_s);
        if (r.cancelled) ++st.report.cancelled;
        else if (r.success) ++st.report.successes;
        else ++st.report.failures, st.report.truncated += r.truncated ? 1 : 0;
        if (r.success && !st.succeeded && !st.cancelling) {
          st.succeeded = true;  // first success: the subtask is done; siblings are cancelled, charged pro-rata
          cancel_others(self, redispatched ? -1.0 : r.latency_s);
        }
        check_done(self);
      },
      [=](proto::cancel_atom) {  // from the workflow: deadline, interrupt or another wind-down
        if (self->state.cancelling || self->state.finalizing) return;
        self->state.cancelling = true;
        cancel_others(self, -1.0);
        check_done(self);
      },
      [=](proto::expire_atom) {  // cancelled samples that never answered: count them, unpaid
        auto& st = self->state;
        st.report.cancelled += static_cast<std::int32_t>(st.pending.size());
        for (const auto& [id, p] : st.pending) forget(self, p.dispatch_id), settle_sample(self, id, 0);
        st.pending.clear();
        check_done(self);
      },
  };
}

}  // namespace

caf::actor spawn_subtask(caf::actor_system& sys, SubtaskOptions options) { return sys.spawn(subtask, std::move(options)); }

}  // namespace concord::actors
