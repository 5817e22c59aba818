#include "model_worker.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "real_time.hpp"

#include "interfaces.hpp"
#include "sample_simulation.hpp"
#include "virtual_time.hpp"

namespace concord::actors {

namespace {

struct InFlight {
  proto::sample_request request;
  SimulatedSample sample;
  caf::strong_actor_ptr reply_to;
  Clock::time_point arrived, started;  // when it arrived; when it took a slot (= arrived without a wait)
  double arrived_s = 0, started_s = 0;   // the same on the virtual clock: simulated seconds
  double time_scale = 1;
  bool waiting = false;  // in the slot queue: not started, no finish scheduled
  bool waited = false;   // it waited for a slot before it started
};

struct worker_state {
  WorkerOptions options;
  std::vector<proto::selector_actor> beacon_targets;  // selectors that subscribed (plus options.beacon_target)
  // Samples in flight by a token of this worker's: sample ids are unique only per requester
  // (several workflows, possibly from several coordinators, share the workers).
  std::unordered_map<std::uint64_t, InFlight> in_flight;
  std::map<std::pair<caf::actor_addr, std::uint64_t>, std::uint64_t> token_of;  // (requester, sample id) -> token
  std::uint64_t next_token = 1;
  // Slots (options.slots > 0): running <= slots; `queue` holds the tokens of waiting samples, in
  // arrival order. Every in_flight entry is running or in the queue, never both. Without slots,
  // running counts every sample and the queue stays empty.
  int running = 0;
  std::deque<std::uint64_t> queue;
  // A sample holds its slot (or its place in the queue) while its requester lives: requesters are
  // monitored, and a requester's death returns what its samples held (docs/negotiation.md).
  std::set<caf::actor_addr> monitored;
  Clock::time_point born;
  double latency_ewma_s = 0, reputation = 1;
  // Slot-seconds integrated up to integrated_at_s (simulated seconds since born, monotonic):
  // demand over in_flight (running + waiting), busy over running. Beacons carry them.
  double demand_slot_s = 0, busy_slot_s = 0, integrated_at_s = 0;
  // Fault injection: what a hang holds back until it ends (run in arrival order), and whether
  // the wake-up is scheduled.
  std::vector<std::function<void()>> deferred;
  bool wake_scheduled = false;
  static inline const char* name = "concord.worker";
};

using worker_actor = proto::worker_actor::stateful_base<worker_state>;

using chaos::WorkerFaultKind;
constexpr std::uint64_t kWakeToken = 0;  // finish_atom with it ends a hang (sample tokens start at 1)

/// Simulated seconds since the worker started.
double now_s(const worker_state& st) {
  return st.options.virtual_time ? st.options.virtual_time->now_s() : st.options.clock->seconds_since(st.born) * st.options.time_scale;
}

/// Adds the slot-seconds since the last call (call before in_flight or running changes).
void integrate(worker_state& st) {
  const VirtualTime* vt = st.options.virtual_time;  // the run restarts its now_s(); its clock does not
  const double now = st.options.clock->seconds_since(st.born) * (vt ? vt->time_scale() : st.options.time_scale);
  const double dt = std::max(0.0, now - st.integrated_at_s);
  st.demand_slot_s += dt * static_cast<double>(st.in_flight.size());
  st.busy_slot_s += dt * static_cast<double>(st.running);
  st.integrated_at_s = std::max(now, st.integrated_at_s);
}

const chaos::WorkerFault* fault(const worker_state& st, WorkerFaultKind kind) {
  return st.options.faults.empty() ? nullptr : chaos::active_fault(st.options.faults, kind, now_s(st));
}

/// During a hang, `work` waits for its end (as a stopped process's messages wait in its socket).
/// Returns true when it was held back.
bool held_by_hang(worker_actor* self, std::function<void()> work) {
  auto& st = self->state;
  const chaos::WorkerFault* h = fault(st, WorkerFaultKind::hang);
  if (!h) return false;
  st.deferred.push_back(std::move(work));
  if (!st.wake_scheduled) {
    st.wake_scheduled = true;
    send_later(self, st.options.virtual_time, h->to_s - now_s(st), st.options.time_scale, TimePhase::event, proto::finish_atom::value,
               kWakeToken);
  }
  return true;
}

void send_beacon(worker_actor* self) {
  auto& st = self->state;
  if (st.beacon_targets.empty()) return;
  proto::beacon b;
  b.worker = st.options.name;
  b.model = st.options.model;
  b.handle = caf::actor_cast<caf::actor>(self);
  b.queue = static_cast<std::int32_t>(st.in_flight.size());  // running + waiting
  b.load = st.options.slots > 0 ? std::min(1.0, static_cast<double>(st.running) / st.options.slots)
                                : std::min(1.0, st.in_flight.size() / 64.0);
  b.free_slots = st.options.slots > 0 ? std::max(0, st.options.slots - st.running) : -1;
  b.queued = static_cast<std::int32_t>(st.queue.size());
  b.latency_ewma_s = st.latency_ewma_s;
  b.reputation = st.reputation;
  b.timestamp_s = st.options.clock->seconds_since(st.born);
  integrate(st);
  b.demand_slot_s = st.demand_slot_s;
  b.busy_slot_s = st.busy_slot_s;
  for (const auto& target : st.beacon_targets) self->send(target, b);
}

void send_result(worker_actor* self, const caf::actor& to, proto::sample_result result, bool cancelled);

/// Simulated seconds `f` has waited for a slot: until its start, or until now while it waits.
/// Exactly 0 for a sample that did not wait (the virtual clock's and the real clock's alike).
double waited_s(const worker_state& st, const InFlight& f) {
  if (!f.waited) return 0;
  if (VirtualTime* vt = st.options.virtual_time) return (f.waiting ? vt->now_s() : f.started_s) - f.arrived_s;
  const Clock::time_point until = f.waiting ? st.options.clock->now() : f.started;
  return std::chrono::duration<double>(until - f.arrived).count() * f.time_scale;
}

/// Starts a sample that has a slot: it runs from now and ends at now + its latency.
void begin(worker_actor* self, std::uint64_t token) {
  auto& st = self->state;
  InFlight& f = st.in_flight.at(token);
  f.waiting = false;
  f.started = st.options.clock->now();
  VirtualTime* vt = st.options.virtual_time;
  if (vt) f.started_s = vt->now_s();
  ++st.running;
  // Ends at start + latency (simulated seconds): on the virtual clock, the very instant the simulator computes.
  send_later(self, vt, f.sample.latency_s, f.time_scale, TimePhase::event, proto::finish_atom::value, token);
}

/// Gives free slots to the queue's head, in order.
void pump(worker_actor* self) {
  auto& st = self->state;
  while (!st.queue.empty() && (st.options.slots <= 0 || st.running < st.options.slots)) {
    const std::uint64_t token = st.queue.front();
    st.queue.pop_front();
    begin(self, token);
  }
}

/// A waiting sample's cancel: out of the queue, answered cancelled, charged nothing. No slot frees.
void drop_waiting(worker_actor* self, std::unordered_map<std::uint64_t, InFlight>::iterator it) {
  auto& st = self->state;
  integrate(st);
  InFlight& f = it->second;
  st.queue.erase(std::remove(st.queue.begin(), st.queue.end(), it->first), st.queue.end());
  proto::sample_result result;
  result.sample_id = f.request.sample_id;
  result.subtask = f.request.subtask;
  result.worker = st.options.name;
  result.cancelled = true;  // latency, tokens and cost 0: it never ran
  result.waited_s = waited_s(st, f);
  st.token_of.erase({caf::actor_cast<caf::actor_addr>(f.reply_to), f.request.sample_id});
  const auto to = caf::actor_cast<caf::actor>(f.reply_to);
  st.in_flight.erase(it);
  if (st.options.beacon_on_change) send_beacon(self);
  if (to) send_result(self, to, std::move(result), true);
}

/// stop_after_s: simulated seconds after the sample's dispatch at which it stops (< 0: now) — its
/// start, for a sample that did not wait. A sample that waited for a slot stops now: on the
/// virtual clock the cancel comes at the batch winner's end, which stop_after_s also says.
void reply(worker_actor* self, std::uint64_t token, bool cancelled, double stop_after_s = -1) {
  auto& st = self->state;
  integrate(st);
  auto it = st.in_flight.find(token);
  if (it == st.in_flight.end()) return;  // already answered (cancel raced the end)
  if (it->second.waiting) {  // only a cancel finds it here: no finish is scheduled for it
    if (cancelled) drop_waiting(self, it);
    return;
  }
  InFlight& f = it->second;
  double elapsed_s = f.sample.latency_s;
  if (cancelled)
    elapsed_s = stop_after_s >= 0 && !f.waited ? stop_after_s
                : st.options.virtual_time     ? st.options.virtual_time->now_s() - f.started_s
                                              : st.options.clock->seconds_since(f.started) * f.time_scale;
  auto result = sample_outcome(f.request, f.sample, elapsed_s, st.options.name);
  result.waited_s = waited_s(st, f);  // its end on the batch's timeline: waited_s + latency_s
  if (!result.cancelled) {
    st.latency_ewma_s = st.latency_ewma_s == 0 ? result.latency_s : 0.8 * st.latency_ewma_s + 0.2 * result.latency_s;
    st.reputation = 0.9 * st.reputation + 0.1 * (result.success ? 1.0 : 0.0);
  }
  st.token_of.erase({caf::actor_cast<caf::actor_addr>(f.reply_to), f.request.sample_id});
  const auto to = caf::actor_cast<caf::actor>(f.reply_to);
  st.in_flight.erase(it);
  --st.running;
  pump(self);  // its slot goes to the queue's head (whatever becomes of the result below)
  if (st.options.beacon_on_change) send_beacon(self);
  if (!to) return;
  send_result(self, to, std::move(result), cancelled);
}

/// Sends a result as the worker's faults allow (lies, drops, duplicates, delays).
void send_result(worker_actor* self, const caf::actor& to, proto::sample_result result, bool cancelled) {
  auto& st = self->state;
  if (!cancelled) {
    if (const auto* lie = fault(st, WorkerFaultKind::lie_tokens)) {  // claims more than it did
      result.tokens = static_cast<std::int64_t>(static_cast<double>(result.tokens) * lie->factor);
      result.cost = static_cast<Money>(std::min(static_cast<double>(result.cost) * lie->factor, 1e15));
    }
  }
  if (fault(st, WorkerFaultKind::drop_result)) return;
  if (fault(st, WorkerFaultKind::duplicate_result)) self->send(caf::actor_cast<proto::subtask_actor>(to), result);
  if (const auto* d = fault(st, WorkerFaultKind::delay_result)) {
    if (VirtualTime* vt = st.options.virtual_time) vt->at(vt->now_s() + d->factor, TimePhase::event, to, caf::make_message(std::move(result)));
    else self->delayed_send(caf::actor_cast<proto::subtask_actor>(to), real_delay(d->factor / st.options.time_scale), std::move(result));
    return;
  }
  self->send(caf::actor_cast<proto::subtask_actor>(to), std::move(result));
}

void schedule_beacon(worker_actor* self) {
  const auto& o = self->state.options;
  send_later(self, o.virtual_time, o.beacon_interval_s * o.time_scale, o.time_scale, TimePhase::event, proto::tick_atom::value);
}

void start_sample(worker_actor* self, proto::sample_request r, const caf::strong_actor_ptr& sender);

/// The requester at `who` died (its subtask actor, with its node or its workflow): the samples it
/// sent are dropped, unanswered — waiting ones leave the queue, running ones give their slot to
/// the queue's head now. Slots are leases that end with their holder.
void requester_down(worker_actor* self, const caf::actor_addr& who) {
  auto& st = self->state;
  st.monitored.erase(who);
  integrate(st);
  bool freed = false;
  for (auto it = st.in_flight.begin(); it != st.in_flight.end();) {
    InFlight& f = it->second;
    if (caf::actor_cast<caf::actor_addr>(f.reply_to) != who) {
      ++it;
      continue;
    }
    if (f.waiting) st.queue.erase(std::remove(st.queue.begin(), st.queue.end(), it->first), st.queue.end());
    else --st.running, freed = true;  // its finish timer will find nothing
    st.token_of.erase({who, f.request.sample_id});
    it = st.in_flight.erase(it);
  }
  if (freed) pump(self);
  if (st.options.beacon_on_change) send_beacon(self);
}

proto::worker_actor::behavior_type worker(worker_actor* self, WorkerOptions options) {
  self->state.options = std::move(options);
  self->state.born = self->state.options.clock->now();
  self->state.latency_ewma_s = std::max(0.0, self->state.options.initial_latency_ewma_s);
  if (self->state.options.beacon_target)
    self->state.beacon_targets.push_back(caf::actor_cast<proto::selector_actor>(self->state.options.beacon_target));
  if (self->state.options.beacon_interval_s > 0) {
    send_beacon(self);
    schedule_beacon(self);
  }
  self->set_down_handler([=](caf::down_msg& dm) { requester_down(self, dm.source); });
  for (const chaos::WorkerFault& f : self->state.options.faults)  // a crash is for good: the worker exits then
    if (f.kind == WorkerFaultKind::crash)
      send_later(self, self->state.options.virtual_time, std::max(0.0, f.from_s - now_s(self->state)), self->state.options.time_scale,
                 TimePhase::event, proto::stop_atom::value);
  return {
      [=](proto::sample_request& r) {
        if (held_by_hang(self, [self, r, sender = self->current_sender()] { start_sample(self, r, sender); })) return;
        start_sample(self, r, self->current_sender());
      },
      [=](proto::finish_atom, std::uint64_t token) {
        auto& st = self->state;
        if (token == kWakeToken) {  // the hang is over: what it held back runs now, in order
          st.wake_scheduled = false;
          auto held = std::move(st.deferred);
          st.deferred.clear();
          for (auto& work : held) work();
          return;
        }
        if (held_by_hang(self, [self, token] { reply(self, token, false); })) return;
        reply(self, token, false);
      },
      [=](proto::cancel_atom, std::uint64_t sample_id, double stop_after_s) {  // from the requester of that sample
        const auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
        auto cancel = [self, sample_id, stop_after_s, sender] {
          auto& st = self->state;
          auto it = st.token_of.find({sender, sample_id});
          if (it != st.token_of.end()) reply(self, it->second, true, stop_after_s);
        };
        if (held_by_hang(self, cancel)) return;
        cancel();
      },
      [=](proto::tick_atom) {
        if (!fault(self->state, WorkerFaultKind::hang)) send_beacon(self);  // a hung worker is silent
        schedule_beacon(self);
      },
      [=](proto::subscribe_atom, const caf::actor& dynamic) {  // a selector (maybe remote) wants our beacons
        const auto selector = caf::actor_cast<proto::selector_actor>(dynamic);
        auto& targets = self->state.beacon_targets;
        if (std::find(targets.begin(), targets.end(), selector) == targets.end()) targets.push_back(selector);
        send_beacon(self);
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

void start_sample(worker_actor* self, proto::sample_request r, const caf::strong_actor_ptr& sender) {
  InFlight f;
  f.sample = simulate_sample(r);
  if (const auto* slow = fault(self->state, WorkerFaultKind::slow)) f.sample.latency_s *= slow->factor;
  f.reply_to = sender;
  auto& st = self->state;
  integrate(st);
  const std::pair key{caf::actor_cast<caf::actor_addr>(f.reply_to), r.sample_id};
  if (st.token_of.count(key)) return;  // a duplicate of a sample already running here
  const std::uint64_t token = st.next_token++;
  st.token_of.emplace(key, token);
  if (key.first && st.monitored.insert(key.first).second) self->monitor(caf::actor_cast<caf::actor>(f.reply_to));
  const double scale = r.time_scale > 0 ? r.time_scale : self->state.options.time_scale;
  f.time_scale = scale;
  f.request = std::move(r);
  f.arrived = st.options.clock->now();
  if (st.options.virtual_time) f.arrived_s = st.options.virtual_time->now_s();
  const bool full = st.options.slots > 0 && st.running >= st.options.slots;
  f.waiting = f.waited = full;
  st.in_flight[token] = std::move(f);
  if (full) st.queue.push_back(token);  // starts when a slot frees, after those before it
  else begin(self, token);
  if (st.options.beacon_on_change) send_beacon(self);
}

}  // namespace

proto::worker_actor spawn_simulated_worker(caf::actor_system& sys, const WorkerOptions& options) { return sys.spawn(worker, options); }

}  // namespace concord::actors
