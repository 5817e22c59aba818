#include "node_manager.hpp"

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include <caf/all.hpp>

#include "messages.hpp"
#include "model_worker.hpp"
#include "real_time.hpp"

namespace concord::actors {

namespace {

struct node_state {
  NodeOptions options;
  std::vector<proto::beacon> workers;          // name, model, handle of each hosted worker
  std::map<std::string, caf::actor> members;   // peers by name
  std::vector<caf::actor> selectors;           // every selector that asked for our workers' beacons
  static inline const char* name = "concord.node";
};

using node_actor = caf::stateful_actor<node_state>;

/// The answer to a tenant lookup, accumulated over the members.
struct TenantLookup {
  std::vector<caf::actor> ledgers;
  std::vector<std::string> hosts;
  std::vector<std::string> configured;
  void add_local(const node_state& st, const std::string& name) {
    if (auto it = st.options.tenants.find(name); it != st.options.tenants.end()) {
      ledgers.push_back(it->second);
      hosts.push_back(st.options.name);
    }
    for (const auto& [n, a] : st.options.tenants) configured.push_back(n);
  }
};

caf::behavior node_manager(node_actor* self, NodeOptions options) {
  auto& st = self->state;
  st.options = std::move(options);
  for (const auto& w : st.options.workers)
    for (int j = 0; j < w.count; ++j) {
      WorkerOptions wo;
      wo.name = st.options.name + "/" + w.model + "#" + std::to_string(j);
      wo.model = w.model;
      wo.time_scale = st.options.time_scale;
      wo.beacon_interval_s = st.options.beacon_interval_s;
      wo.slots = w.slots;
      proto::beacon b;
      b.worker = wo.name;
      b.model = wo.model;
      b.handle = caf::actor_cast<caf::actor>(spawn_simulated_worker(self->system(), wo));  // beacons carry workers untyped
      self->link_to(b.handle);  // a worker's crash takes the node down, as a process would
      if (st.options.selector) self->send(b.handle, proto::subscribe_atom::value, st.options.selector);
      st.workers.push_back(std::move(b));
    }
  if (st.options.selector) st.selectors.push_back(st.options.selector);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& ws = self->state.workers;  // an attached (external) worker gone: no longer offered
    const auto before = ws.size();
    ws.erase(std::remove_if(ws.begin(), ws.end(), [&](const proto::beacon& b) { return b.handle.address() == dm.source; }), ws.end());
    if (ws.size() != before) return;
    for (auto it = self->state.members.begin(); it != self->state.members.end(); ++it)
      if (it->second.address() == dm.source) {
        if (self->state.options.on_member_down) self->state.options.on_member_down(it->first);
        self->state.members.erase(it);
        return;
      }
  });
  return {
      [=](proto::join_request& r) {
        proto::join_reply reply;
        if (r.protocol_version != proto::kProtocolVersion) {
          reply.accepted = false;
          reply.reason = "protocol version " + std::to_string(r.protocol_version) + " refused: node " +
                         self->state.options.name + " speaks version " + std::to_string(proto::kProtocolVersion);
          std::cerr << "concord node " << self->state.options.name << ": refused node " << r.node << ": " << reply.reason
                    << std::endl;
          return reply;
        }
        // Node names are unique: a second node named like this one or like a live member is
        // refused (it would replace that member in every list). The same node again is welcome.
        if (r.manager && r.manager != caf::actor_cast<caf::actor>(self)) {
          const auto known = self->state.members.find(r.node);
          const bool mine = r.node == self->state.options.name;
          if (mine || (known != self->state.members.end() && known->second != r.manager)) {
            reply.accepted = false;
            reply.reason = "node name \"" + r.node + "\" is taken by " +
                           (mine ? std::string("the node it joins through") : "a live member of the cluster") + " (node " +
                           self->state.options.name + "): every node needs a name of its own";
            std::cerr << "concord node " << self->state.options.name << ": refused node " << r.node << ": " << reply.reason
                      << std::endl;
            return reply;
          }
          if (known == self->state.members.end()) self->monitor(r.manager);
          self->state.members[r.node] = r.manager;
          if (self->state.options.selector) self->send(r.manager, proto::subscribe_atom::value, self->state.options.selector);
        }
        reply.accepted = true;
        reply.member_names.push_back(self->state.options.name);
        reply.members.push_back(caf::actor_cast<caf::actor>(self));
        for (const auto& [name, m] : self->state.members) {
          reply.member_names.push_back(name);
          reply.members.push_back(m);
        }
        return reply;
      },
      [=](proto::workers_atom) { return self->state.workers; },
      [=](proto::subscribe_atom, const caf::actor& selector) {
        auto& sels = self->state.selectors;
        if (std::find(sels.begin(), sels.end(), selector) == sels.end()) sels.push_back(selector);
        for (const auto& w : self->state.workers) self->send(w.handle, proto::subscribe_atom::value, selector);
      },
      [=](proto::attach_atom, proto::beacon& b) {  // an external worker's proxy (worker_hub.hpp) joins the node's workers
        self->monitor(b.handle);
        for (const auto& s : self->state.selectors) self->send(b.handle, proto::subscribe_atom::value, s);
        self->state.workers.push_back(std::move(b));
      },
      [=](proto::members_atom) {
        std::vector<std::string> names{self->state.options.name};
        for (const auto& [name, m] : self->state.members) names.push_back(name);
        return names;
      },
      [=](proto::tenant_atom, const std::string& name, bool cluster)
          -> caf::result<std::vector<caf::actor>, std::vector<std::string>, std::vector<std::string>> {
        auto found = std::make_shared<TenantLookup>();
        found->add_local(self->state, name);
        auto rp = self->make_response_promise();
        auto pending = std::make_shared<std::size_t>(cluster ? self->state.members.size() : 0);
        auto deliver = [=]() mutable {
          std::sort(found->configured.begin(), found->configured.end());
          found->configured.erase(std::unique(found->configured.begin(), found->configured.end()), found->configured.end());
          rp.deliver(found->ledgers, found->hosts, found->configured);
        };
        if (*pending == 0) {
          deliver();
          return rp;
        }
        for (const auto& [member, handle] : self->state.members)
          self->request(handle, real_delay(kTenantLookupSeconds), proto::tenant_atom::value, name, false)
              .then(
                  [=](std::vector<caf::actor>& ledgers, std::vector<std::string>& hosts, std::vector<std::string>& configured) mutable {
                    found->ledgers.insert(found->ledgers.end(), ledgers.begin(), ledgers.end());
                    found->hosts.insert(found->hosts.end(), hosts.begin(), hosts.end());
                    found->configured.insert(found->configured.end(), configured.begin(), configured.end());
                    if (--*pending == 0) deliver();
                  },
                  [=](caf::error&) mutable {
                    if (--*pending == 0) deliver();
                  });
        return rp;
      },
      [=](proto::stop_atom) {
        for (const auto& w : self->state.workers) self->send_exit(w.handle, caf::exit_reason::user_shutdown);
        self->quit();
      },
  };
}

}  // namespace

caf::actor spawn_node_manager(caf::actor_system& sys, const NodeOptions& options) { return sys.spawn(node_manager, options); }

}  // namespace concord::actors
