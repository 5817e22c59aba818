#include "worker_hub.hpp"

#include <map>
#include <cctype>

#include <caf/all.hpp>

#include "messages.hpp"

namespace concord::actors {

namespace {

struct Attached {
  std::string name;
  std::vector<external_worker_actor> proxies;
  Clock::time_point last_heard;
};

struct hub_state {
  WorkerHubOptions o;
  std::map<std::string, Attached> by_peer;  // routing id -> its worker
  static inline const char* name = "concord.worker_hub";
};

using hub_actor = caf::stateful_actor<hub_state>;

caf::timespan seconds(double s) { return std::chrono::duration_cast<caf::timespan>(std::chrono::duration<double>(s)); }

void log(hub_actor* self, const std::string& line) {
  if (self->state.o.log) self->state.o.log(line);
}

/// Kills a worker's proxies: subtasks monitoring them see them down and re-dispatch.
void drop(hub_actor* self, std::map<std::string, Attached>::iterator it, const std::string& why) {
  log(self, "external worker " + it->second.name + " " + why);
  for (auto& p : it->second.proxies) self->send_exit(p, caf::exit_reason::user_shutdown);
  self->state.by_peer.erase(it);
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

void on_register(hub_actor* self, const std::string& peer, const service::WorkerRegister& r) {
  auto& st = self->state;
  auto refuse = [&](const std::string& why) {
    log(self, "refused external worker \"" + r.name + "\": " + why);
    st.o.send(peer, service::NodeMessage{service::WorkerRegisterRefused{why}});
  };
  if (!valid_name(r.name)) return refuse("name: \"" + r.name + "\" is not 1..64 of [A-Za-z0-9._-]");
  if (r.models.empty()) return refuse("models: empty: a worker serves at least one model");
  if (r.capacity < 1 || r.capacity > 1024) return refuse("capacity: " + std::to_string(r.capacity) + " is not in 1..1024");
  for (const auto& m : r.models)
    if (m.model.empty() || m.model.size() > 256) return refuse("models: a model id must have 1..256 characters");
  if (auto it = st.by_peer.find(peer); it != st.by_peer.end()) drop(self, it, "registered again");
  for (auto it = st.by_peer.begin(); it != st.by_peer.end(); ++it)
    if (it->second.name == r.name) {
      drop(self, it, "replaced by a new registration under its name");
      break;
    }
  Attached a;
  a.name = r.name;
  a.last_heard = st.o.clock->now();
  for (const auto& m : r.models) {
    ExternalWorkerOptions eo;
    eo.name = st.o.node_name + "/" + r.name + (r.models.size() > 1 ? ":" + m.model : std::string());
    eo.model = m.model;
    eo.capacity = r.capacity;
    eo.beacon_interval_s = st.o.beacon_interval_s;
    eo.clock = st.o.clock;
    eo.send = [send = st.o.send, peer](const service::NodeMessage& msg) { send(peer, msg); };
    eo.log = st.o.log;
    eo.counters = st.o.counters;
    auto proxy = spawn_external_worker(self->system(), std::move(eo));
    proto::beacon b;
    b.worker = st.o.node_name + "/" + r.name + (r.models.size() > 1 ? ":" + m.model : std::string());
    b.model = m.model;
    b.handle = caf::actor_cast<caf::actor>(proxy);
    if (st.o.node_manager) self->send(st.o.node_manager, proto::attach_atom::value, b);
    a.proxies.push_back(std::move(proxy));
  }
  std::string models;
  for (const auto& m : r.models) models += (models.empty() ? "" : ", ") + m.model;
  log(self, "external worker " + r.name + " registered (" + (r.kind.empty() ? "?" : r.kind) + "; " + models + "; capacity " +
                std::to_string(r.capacity) + ")");
  st.by_peer[peer] = std::move(a);
  st.o.send(peer, service::NodeMessage{service::WorkerRegistered{st.o.node_name, st.o.heartbeat_interval_s, st.o.heartbeat_timeout_s}});
}

caf::behavior worker_hub(hub_actor* self, WorkerHubOptions o) {
  self->state.o = std::move(o);
  self->delayed_send(self, seconds(self->state.o.heartbeat_interval_s), proto::tick_atom::value);
  return {
      [=](proto::external_message& m) {
        auto& st = self->state;
        if (const auto* r = std::get_if<service::WorkerRegister>(&m.message)) return on_register(self, m.peer, *r);
        auto it = st.by_peer.find(m.peer);
        if (it == st.by_peer.end()) {
          st.o.send(m.peer, service::NodeMessage{service::WorkerUnknown{}});
          return;
        }
        it->second.last_heard = st.o.clock->now();
        if (auto* res = std::get_if<service::WorkerSampleResult>(&m.message))
          for (const auto& p : it->second.proxies) self->send(p, proto::external_result{*res});
      },
      [=](proto::tick_atom) {
        auto& st = self->state;
        const auto now = st.o.clock->now();
        for (auto it = st.by_peer.begin(); it != st.by_peer.end();) {
          auto next = std::next(it);
          const double silent = std::chrono::duration<double>(now - it->second.last_heard).count();
          if (silent > st.o.heartbeat_timeout_s)
            drop(self, it, "is dead: silent for " + std::to_string(silent) + " s (timeout " + std::to_string(st.o.heartbeat_timeout_s) + " s)");
          it = next;
        }
        self->delayed_send(self, seconds(st.o.heartbeat_interval_s), proto::tick_atom::value);
      },
      [=](proto::stop_atom) {
        auto& st = self->state;
        while (!st.by_peer.empty()) drop(self, st.by_peer.begin(), "detached: the node stops");
        self->quit();
      },
  };
}

}  // namespace

caf::actor spawn_worker_hub(caf::actor_system& sys, WorkerHubOptions options) { return sys.spawn(worker_hub, std::move(options)); }

}  // namespace concord::actors
