#include "selector_actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "messages.hpp"

namespace concord::actors {

namespace {

using clock = std::chrono::steady_clock;

struct WorkerEntry {
  std::string name;
  std::string model;
  caf::actor handle;
  clock::time_point last_beacon;
  double reputation = 1;
  int assigned = 0;  // samples this selector sent and has not heard back about
  bool dead = false;
};

struct selector_state {
  SelectorOptions options;
  std::map<std::string, WorkerEntry> workers;  // by name: deterministic iteration
  static inline const char* name = "concord.selector";

  bool alive(const WorkerEntry& w, clock::time_point now) const {
    const double silent = std::chrono::duration<double>(now - w.last_beacon).count();
    return !w.dead && silent <= options.beacon_interval_s * options.stale_after_intervals;
  }
};

using selector_actor = caf::stateful_actor<selector_state>;

caf::behavior selector(selector_actor* self, SelectorOptions options) {
  self->state.options = options;
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto& [name, w] : self->state.workers)
      if (w.handle && w.handle.address() == dm.source) w.dead = true;
  });
  return {
      [=](proto::beacon& b) {
        auto& w = self->state.workers[b.worker];
        if (!w.handle || w.handle != b.handle) {
          w.handle = b.handle;
          w.dead = false;
          if (w.handle) self->monitor(w.handle);
        }
        w.name = b.worker;
        w.model = b.model;
        w.last_beacon = clock::now();
        w.reputation = b.reputation;
      },
      [=](proto::pick_atom, const std::string& model, std::int32_t count) {
        // Least assigned first, then the better reputation, then the name: spreads a
        // batch over workers and never picks a dead or silent one.
        std::vector<WorkerEntry*> live;
        const auto now = clock::now();
        for (auto& [name, w] : self->state.workers)
          if (w.model == model && self->state.alive(w, now)) live.push_back(&w);
        std::vector<caf::actor> picks;
        for (std::int32_t i = 0; i < count && !live.empty(); ++i) {
          auto best = std::min_element(live.begin(), live.end(), [](const WorkerEntry* a, const WorkerEntry* b) {
            if (a->assigned != b->assigned) return a->assigned < b->assigned;
            return a->reputation > b->reputation;
          });
          ++(*best)->assigned;
          picks.push_back((*best)->handle);
        }
        return picks;
      },
      [=](proto::outcome_atom, const std::string& worker, bool, double) {
        auto it = self->state.workers.find(worker);
        if (it != self->state.workers.end() && it->second.assigned > 0) --it->second.assigned;
      },
      [=](proto::workers_atom, const std::string& model) {
        std::int32_t n = 0;
        const auto now = clock::now();
        for (auto& [name, w] : self->state.workers) n += (w.model == model && self->state.alive(w, now)) ? 1 : 0;
        return n;
      },
      [=](proto::status_atom) {  // (worker, samples assigned and not yet reported), for tests and tools
        std::vector<std::string> names;
        std::vector<std::int32_t> assigned;
        for (auto& [name, w] : self->state.workers) names.push_back(name), assigned.push_back(w.assigned);
        return caf::make_message(std::move(names), std::move(assigned));
      },
      [=](proto::stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_selector(caf::actor_system& sys, const SelectorOptions& options) { return sys.spawn(selector, options); }

}  // namespace concord::actors
