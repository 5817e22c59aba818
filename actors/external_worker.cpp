#include "external_worker.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "service/external_result.hpp"

namespace concord::actors {

namespace {

// Wire sample ids are unique in the process: several proxies (and workflows) share a connection.
std::atomic<std::uint64_t> next_wire_id{1};

caf::timespan seconds(double s) { return std::chrono::duration_cast<caf::timespan>(std::chrono::duration<double>(s)); }

struct Pending {
  proto::sample_request request;
  caf::strong_actor_ptr reply_to;
  bool sent = false;
};

struct external_state {
  ExternalWorkerOptions o;
  std::vector<proto::selector_actor> beacon_targets;
  std::unordered_map<std::uint64_t, Pending> samples;              // wire id -> sample (waiting or sent)
  std::map<std::pair<caf::actor_addr, std::uint64_t>, std::uint64_t> wire_of;  // (requester, sample id) -> wire id
  std::deque<std::uint64_t> waiting;                                // wire ids not sent yet, in order
  std::uint32_t running = 0;
  std::set<caf::actor_addr> monitored;  // requesters: one that dies gives back what its samples hold
  Clock::time_point born;
  double latency_ewma_s = 0, reputation = 1;
  static inline const char* name = "concord.external_worker";
};

using external_actor = external_worker_actor::stateful_base<external_state>;

void send_beacon(external_actor* self) {
  auto& st = self->state;
  proto::beacon b;
  b.worker = st.o.name;
  b.model = st.o.model;
  b.handle = caf::actor_cast<caf::actor>(self);
  b.queue = static_cast<std::int32_t>(st.samples.size());
  b.load = std::min(1.0, static_cast<double>(st.running) / std::max<std::uint32_t>(1, st.o.capacity));
  b.latency_ewma_s = st.latency_ewma_s;
  b.reputation = st.reputation;
  b.timestamp_s = st.o.clock->seconds_since(st.born);
  // Its capacity is its slots (`concord worker --capacity`): samples beyond it wait here, in order.
  b.free_slots = static_cast<std::int32_t>(st.o.capacity > st.running ? st.o.capacity - st.running : 0);
  b.queued = static_cast<std::int32_t>(st.waiting.size());
  for (const auto& t : st.beacon_targets) self->send(t, b);
}

service::WorkerSampleRequest wire_request(std::uint64_t wire_id, const proto::sample_request& r) {
  service::WorkerSampleRequest w;
  w.sample_id = wire_id;
  w.model = r.model_id;
  w.subtask = r.subtask_id;
  w.seed = r.seed;
  w.messages.push_back({"user", r.prompt});
  w.token_cap = r.token_cap;
  w.time_limit_s = r.time_limit_s;
  w.time_scale = r.time_scale > 0 ? r.time_scale : 1.0;
  return w;
}

void pump(external_actor* self) {
  auto& st = self->state;
  while (st.running < st.o.capacity && !st.waiting.empty()) {
    const std::uint64_t id = st.waiting.front();
    st.waiting.pop_front();
    auto it = st.samples.find(id);
    if (it == st.samples.end()) continue;
    it->second.sent = true;
    ++st.running;
    if (st.o.counters) st.o.counters->samples.fetch_add(1, std::memory_order_relaxed);
    st.o.send(service::NodeMessage{wire_request(id, it->second.request)});
  }
}

/// Answers and forgets the sample.
void answer(external_actor* self, std::uint64_t wire_id, proto::sample_result result) {
  auto& st = self->state;
  auto it = st.samples.find(wire_id);
  if (it == st.samples.end()) return;
  Pending& p = it->second;
  result.sample_id = p.request.sample_id;
  result.subtask = p.request.subtask;
  result.worker = st.o.name;
  if (p.sent) --st.running;
  st.wire_of.erase({caf::actor_cast<caf::actor_addr>(p.reply_to), p.request.sample_id});
  if (p.reply_to) self->send(caf::actor_cast<proto::subtask_actor>(p.reply_to), std::move(result));
  st.samples.erase(it);
  pump(self);
}

/// The requester at `who` died: its waiting samples leave the queue, its sent ones are cancelled at
/// the worker process (whose answer then frees their capacity); nothing is answered to it.
void requester_down(external_actor* self, const caf::actor_addr& who) {
  auto& st = self->state;
  st.monitored.erase(who);
  for (auto it = st.samples.begin(); it != st.samples.end();) {
    Pending& p = it->second;
    if (caf::actor_cast<caf::actor_addr>(p.reply_to) != who) {
      ++it;
      continue;
    }
    st.wire_of.erase({who, p.request.sample_id});
    if (p.sent) {
      st.o.send(service::NodeMessage{service::WorkerCancel{it->first}});
      ++it;
    } else {
      st.waiting.erase(std::remove(st.waiting.begin(), st.waiting.end(), it->first), st.waiting.end());
      it = st.samples.erase(it);
    }
  }
}

external_worker_actor::behavior_type external_worker(external_actor* self, ExternalWorkerOptions o) {
  auto& st = self->state;
  st.o = std::move(o);
  st.born = st.o.clock->now();
  self->set_down_handler([=](caf::down_msg& dm) { requester_down(self, dm.source); });
  if (st.o.beacon_interval_s > 0) self->delayed_send(self, seconds(st.o.beacon_interval_s), proto::tick_atom::value);
  return {
      [=](proto::sample_request& r) {
        auto& st = self->state;
        const std::pair key{caf::actor_cast<caf::actor_addr>(self->current_sender()), r.sample_id};
        if (st.wire_of.count(key)) return;  // a duplicate of a sample already here
        const std::uint64_t id = next_wire_id.fetch_add(1, std::memory_order_relaxed);
        st.wire_of.emplace(key, id);
        if (key.first && st.monitored.insert(key.first).second) self->monitor(caf::actor_cast<caf::actor>(self->current_sender()));
        st.samples.emplace(id, Pending{std::move(r), self->current_sender(), false});
        st.waiting.push_back(id);
        pump(self);
      },
      [=](proto::cancel_atom, std::uint64_t sample_id, double) {  // a real sample stops now, whatever stop_after_s says
        auto& st = self->state;
        auto it = st.wire_of.find({caf::actor_cast<caf::actor_addr>(self->current_sender()), sample_id});
        if (it == st.wire_of.end()) return;
        const std::uint64_t id = it->second;
        auto s = st.samples.find(id);
        if (s == st.samples.end()) return;
        if (!s->second.sent) {  // never left the node: nothing ran, nothing to charge
          proto::sample_result r;
          r.cancelled = true;
          st.waiting.erase(std::remove(st.waiting.begin(), st.waiting.end(), id), st.waiting.end());
          answer(self, id, std::move(r));
          return;
        }
        st.o.send(service::NodeMessage{service::WorkerCancel{id}});
      },
      [=](proto::external_result& e) {
        auto& st = self->state;
        auto it = st.samples.find(e.result.sample_id);
        if (it == st.samples.end() || !it->second.sent) return;  // not ours, late or duplicate
        const proto::sample_request& q = it->second.request;
        const auto s = service::settle_external(e.result, {q.token_cap, q.input_cost, q.price_per_token, q.time_scale > 0 ? q.time_scale : 1.0});
        if (st.o.counters) {
          st.o.counters->results.fetch_add(1, std::memory_order_relaxed);
          if (!s.lies.empty()) st.o.counters->lies.fetch_add(1, std::memory_order_relaxed);
        }
        if (!s.lies.empty() && st.o.log) {
          std::string all;
          for (const auto& l : s.lies) all += (all.empty() ? "" : "; ") + l;
          st.o.log("worker " + st.o.name + " lied about sample " + std::to_string(q.sample_id) + " (subtask " + q.subtask_id + "): " + all +
                   " -- charged as the rules say, never above the reservation");
        }
        proto::sample_result r;
        r.success = s.success;
        r.truncated = s.truncated;
        r.cancelled = s.cancelled;
        r.latency_s = s.latency_s;
        r.tokens = s.tokens;
        r.cost = s.cost;
        r.output = std::move(e.result.output);
        r.has_output = !s.cancelled;
        if (!r.cancelled) {
          st.latency_ewma_s = st.latency_ewma_s == 0 ? r.latency_s : 0.8 * st.latency_ewma_s + 0.2 * r.latency_s;
          st.reputation = 0.9 * st.reputation + 0.1 * (r.success ? 1.0 : 0.0);
        }
        answer(self, e.result.sample_id, std::move(r));
      },
      [=](proto::subscribe_atom, const caf::actor& dynamic) {
        const auto selector = caf::actor_cast<proto::selector_actor>(dynamic);
        auto& targets = self->state.beacon_targets;
        if (std::find(targets.begin(), targets.end(), selector) == targets.end()) targets.push_back(selector);
        send_beacon(self);
      },
      [=](proto::finish_atom, std::uint64_t) {},
      [=](proto::tick_atom) {
        send_beacon(self);
        self->delayed_send(self, seconds(self->state.o.beacon_interval_s), proto::tick_atom::value);
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

}  // namespace

external_worker_actor spawn_external_worker(caf::actor_system& sys, ExternalWorkerOptions options) {
  return sys.spawn(external_worker, std::move(options));
}

}  // namespace concord::actors
