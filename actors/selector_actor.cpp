#include "selector_actor.hpp"

#include <chrono>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "interfaces.hpp"
#include "route/router.hpp"
#include "negotiate/ticked_price.hpp"
#include "route/slot_wait.hpp"

namespace concord::actors {

namespace {

struct WorkerEntry {
  std::string model;
  caf::actor handle;
  std::int32_t outstanding = 0;  // dispatches not yet reported or forgotten (see `dispatched`)
  double demand_slot_s = 0;      // its latest beacon's cumulative slot demand
  double demand_at_tick = 0;     // the same when the model's last price tick was taken
};

/// One router per model: beacons -> candidate table (stale/dead excluded) -> top-L
/// screening -> LinUCB (disjoint, with a population prior), trained by outcomes.
struct selector_state {
  SelectorOptions options;
  Clock::time_point born;
  std::map<std::string, WorkerEntry> workers;      // by name: deterministic iteration
  std::map<std::string, route::Router> routers;    // by model
  std::map<std::uint64_t, std::string> dispatched;  // dispatch id -> worker, until reported or forgotten
  std::uint64_t seed = 1;
  std::map<std::string, negotiate::TickedPrice> prices;  // by model (SelectorOptions::slot_prices)
  static inline const char* name = "concord.selector";

  double now_s() const { return options.clock->seconds_since(born); }

  /// Takes `model`'s price ticks that ended before now: each tick's demand is what its workers'
  /// beacons added since the last tick (beacons after a tick's end are not applied yet).
  double advance_price(const std::string& model) {
    auto it = prices.find(model);
    if (it == prices.end()) return 0;
    return it->second.advance(now_s() * options.time_scale, [&](double) {
      negotiate::TickObservation obs;
      for (auto& [name, w] : workers)
        if (w.model == model) obs.consumption += std::max(0.0, w.demand_slot_s - w.demand_at_tick), w.demand_at_tick = w.demand_slot_s;
      return obs;
    });
  }

  /// The beacons of `model`'s live workers (none for a model not heard of; asking adds no model).
  std::vector<route::Beacon> live_beacons(const std::string& model) const {
    std::vector<route::Beacon> live;
    const auto it = routers.find(model);
    if (it == routers.end()) return live;
    const double now = now_s();
    const auto& table = it->second.table();
    for (const auto& e : table.entries())
      if (table.liveness(e, now) == route::Liveness::live) live.push_back(e.beacon);
    return live;
  }

  /// Removes a dispatch from the books; the worker it went to, or nullptr when unknown.
  WorkerEntry* settle(std::uint64_t id) {
    auto it = dispatched.find(id);
    if (it == dispatched.end()) return nullptr;
    auto w = workers.find(it->second);
    dispatched.erase(it);
    if (w == workers.end()) return nullptr;
    --w->second.outstanding;
    return &w->second;
  }

  route::Router& router(const std::string& model) {
    auto it = routers.find(model);
    if (it == routers.end()) {
      route::RouterConfig rc;
      rc.table.beacon_interval_s = options.beacon_interval_s;
      rc.table.stale_after_intervals = options.stale_after_intervals;
      rc.screen.top_l = options.top_l;
      rc.outcome_timeout_s = 3600;  // outcomes come back or the subtask reports the worker dead
      it = routers.emplace(model, route::Router(rc, derive_seed(seed, routers.size()))).first;
    }
    return it->second;
  }
};

proto::selector_actor::behavior_type selector(proto::selector_actor::stateful_pointer<selector_state> self,
                                              SelectorOptions options) {
  self->state.options = options;
  self->state.born = options.clock->now();
  for (const auto& [model, terms] : options.slot_prices) self->state.prices.emplace(model, negotiate::TickedPrice(terms.price, terms.tick_s));
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto& [name, w] : st.workers) {
      if (!w.handle || w.handle.address() != dm.source) continue;
      auto& router = st.router(w.model);
      router.table().mark_dead(name, st.now_s());
      // Its samples are re-dispatched elsewhere; the dead worker is excluded, not trained.
      for (auto it = st.dispatched.begin(); it != st.dispatched.end();)
        if (it->second == name) router.forget(it->first), it = st.dispatched.erase(it);
        else ++it;
      w.outstanding = 0;
    }
  });
  return {
      [=](proto::beacon& b) {
        auto& st = self->state;
        st.advance_price(b.model);  // ticks that ended before this beacon see the figures before it
        auto& w = st.workers[b.worker];
        if (!w.handle) w.demand_at_tick = b.demand_slot_s;  // first heard of: its past is not this tick's demand
        w.demand_slot_s = b.demand_slot_s;
        if (!w.handle || w.handle != b.handle) {
          w.handle = b.handle;
          if (w.handle) self->monitor(w.handle);
        }
        w.model = b.model;
        route::Beacon rb;
        rb.worker_id = b.worker;
        rb.model_id = b.model;
        rb.load = b.load;
        rb.queue_length = b.queue;
        rb.latency_ewma_s = b.latency_ewma_s;
        rb.reputation = b.reputation;
        rb.available = b.available;
        rb.free_slots = b.free_slots;
        rb.queued = b.queued;
        rb.timestamp_s = st.now_s();  // the selector's clock: staleness needs no clock sync
        st.router(b.model).table().upsert(std::move(rb));
      },
      [=](proto::pick_atom, const std::string& model, std::int32_t count) {
        auto& st = self->state;
        auto& router = st.router(model);
        std::vector<caf::actor> picks;
        std::vector<std::uint64_t> ids;
        for (std::int32_t i = 0; i < count; ++i) {
          const auto d = router.route({}, st.now_s());
          if (!d) break;  // no live worker for the model
          auto& w = st.workers[d->worker_id];
          ++w.outstanding;
          st.dispatched.emplace(d->id, d->worker_id);
          picks.push_back(w.handle);
          ids.push_back(d->id);
          // The next pick of this batch sees the load it just added.
          if (const auto* e = router.table().find(d->worker_id)) {
            route::Beacon busier = e->beacon;
            ++busier.queue_length;
            if (busier.free_slots > 0) {  // it takes a slot (load: running / slots)
              const int slots = busier.queue_length - 1 - busier.queued + busier.free_slots;
              --busier.free_slots;
              busier.load = std::min(1.0, busier.load + 1.0 / std::max(1, slots));
            } else if (busier.free_slots == 0) {  // it waits for one
              ++busier.queued;
            } else {
              busier.load = std::min(1.0, busier.load + 1.0 / 64);
            }
            router.table().upsert(std::move(busier));
          }
        }
        return std::make_tuple(std::move(picks), std::move(ids));
      },
      [=](proto::outcome_atom, std::uint64_t id, bool success, double latency_s) {
        auto& st = self->state;
        WorkerEntry* w = st.settle(id);
        if (!w) return;  // unknown, or its worker died meanwhile
        route::Outcome o;
        o.success = success;
        o.latency_s = latency_s;
        st.router(w->model).on_outcome(id, o);
      },
      [=](proto::forget_atom, std::uint64_t id) {
        auto& st = self->state;
        if (WorkerEntry* w = st.settle(id)) st.router(w->model).forget(id);
      },
      [=](proto::workers_atom, const std::string& model) {
        auto& st = self->state;
        std::int32_t n = 0;
        const double now = st.now_s();
        auto& table = st.router(model).table();
        for (const auto& e : table.entries()) n += table.liveness(e, now) == route::Liveness::live ? 1 : 0;
        return n;
      },
      [=](proto::models_atom) {  // (model, live workers) for every model heard of: the gateway's status
        auto& st = self->state;
        std::vector<std::string> models;
        std::vector<std::int32_t> live;
        const double now = st.now_s();
        for (auto& [model, router] : st.routers) {
          std::int32_t n = 0;
          for (const auto& e : router.table().entries()) n += router.table().liveness(e, now) == route::Liveness::live ? 1 : 0;
          models.push_back(model), live.push_back(n);
        }
        return std::make_tuple(std::move(models), std::move(live));
      },
      [=](proto::wait_atom, const std::string& model) {  // how long a sample of the model would wait for a slot now
        return route::expected_wait_s(self->state.live_beacons(model));  // none: +inf
      },
      [=](proto::price_atom, const std::string& model) { return self->state.advance_price(model); },
      [=](proto::outlook_atom, const std::string& model) {  // what a negotiating planner reads of the model
        auto& st = self->state;
        const double price = st.advance_price(model);
        const route::PoolOutlook o = route::pool_outlook(st.live_beacons(model));
        return std::make_tuple(o.queue_ahead, o.wait_per_position_s, price);
      },
      [=](proto::status_atom) {  // (worker, samples dispatched and not yet reported), for tests and tools
        std::vector<std::string> names;
        std::vector<std::int32_t> assigned;
        for (auto& [name, w] : self->state.workers)
          names.push_back(name), assigned.push_back(w.outstanding);
        return std::make_tuple(std::move(names), std::move(assigned));
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

}  // namespace

proto::selector_actor spawn_selector(caf::actor_system& sys, const SelectorOptions& options) { return sys.spawn(selector, options); }

}  // namespace concord::actors
