#include "service/workflow_registry.hpp"

#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>

namespace concord::service {

namespace {
std::string key_of(const std::string& tenant, const std::string& key) {
  return key.empty() ? std::string() : tenant + '\n' + key;
}
}  // namespace

std::string_view to_string(RefusalCode c) {
  switch (c) {
    case RefusalCode::bad_message: return "bad message";
    case RefusalCode::bad_version: return "bad version";
    case RefusalCode::invalid_workflow: return "invalid workflow";
    case RefusalCode::busy: return "busy";
    case RefusalCode::unknown_workflow: return "unknown workflow";
    case RefusalCode::internal: return "internal";
  }
  return "?";
}

WorkflowRegistry::WorkflowRegistry(RegistryOptions options) : options_(options) {}

std::optional<WorkflowId> WorkflowRegistry::by_key(const std::string& tenant, const std::string& key) const {
  if (key.empty()) return std::nullopt;
  const auto it = keys_.find(key_of(tenant, key));
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

WorkflowRegistry::Admission WorkflowRegistry::admit(const std::string& tenant, const std::string& key, const std::string& name,
                                                    Money budget) {
  Admission a;
  if (running_ >= options_.max_running) {
    a.refused = Refused{RefusalCode::busy,
                        fmt::format("the node runs its maximum of {} workflows; retry later", options_.max_running),
                        options_.busy_retry_s, 0};
    return a;
  }
  a.id = next_id_++;
  Hosted h{WorkflowStatus{}, key_of(tenant, key), EventLog(a.id, options_.events_per_workflow), {}, 0};
  h.status.workflow = a.id;
  h.status.tenant = tenant;
  h.status.name = name;
  h.status.budget = budget;
  if (!h.key.empty()) keys_[h.key] = a.id;
  hosted_.emplace(a.id, std::move(h));
  ++running_;
  return a;
}

void WorkflowRegistry::restore_ended(WorkflowId id, const std::string& name, Money budget, Ended ended, double now_s,
                                     std::int64_t wall_ns) {
  if (id == 0 || hosted_.count(id)) throw std::invalid_argument(fmt::format("restore_ended: workflow {} is 0 or known", id));
  Hosted h{WorkflowStatus{}, "", EventLog(id, options_.events_per_workflow, kRestoredEndSeq), {}, 0};
  h.status.workflow = id;
  h.status.name = name;
  h.status.budget = budget;
  hosted_.emplace(id, std::move(h));
  ++running_;  // append() of the end counts it down
  number_above(id);
  const double time_s = ended.makespan_s;
  append(id, time_s, std::move(ended), now_s, wall_ns);
}

WorkflowRegistry::Hosted& WorkflowRegistry::at(WorkflowId id) {
  const auto it = hosted_.find(id);
  if (it == hosted_.end()) throw std::out_of_range(fmt::format("no workflow {}", id));
  return it->second;
}
const WorkflowRegistry::Hosted& WorkflowRegistry::at(WorkflowId id) const { return const_cast<WorkflowRegistry*>(this)->at(id); }

const Event& WorkflowRegistry::append(WorkflowId id, double time_s, EventBody body, double now_s, std::int64_t wall_ns) {
  Hosted& h = at(id);
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, SpendUpdate>) {
          h.status.spend = b.committed;
          h.status.reserved = b.reserved;
        } else if constexpr (std::is_same_v<B, Ended>) {
          h.status.spend = b.spend;
          h.status.reserved = 0;
        }
      },
      body);
  const Event& e = h.log.append(time_s, std::move(body), wall_ns);
  h.status.last_seq = e.seq;
  if (e.is_end()) {
    h.status.state = WorkflowState::ended;
    h.ended_at_s = now_s;
    --running_;
  }
  return e;
}

bool WorkflowRegistry::running(WorkflowId id) const {
  const auto it = hosted_.find(id);
  return it != hosted_.end() && it->second.status.state == WorkflowState::running;
}

EventLog::Replay WorkflowRegistry::since(WorkflowId id, Seq from_seq) const { return at(id).log.since(from_seq); }

void WorkflowRegistry::watch(WorkflowId id, const Peer& peer) { at(id).watchers.insert(peer); }

const std::set<Peer>& WorkflowRegistry::watchers(WorkflowId id) const { return at(id).watchers; }

std::size_t WorkflowRegistry::expire(double now_s) {
  std::size_t n = 0;
  for (auto it = hosted_.begin(); it != hosted_.end();) {
    const Hosted& h = it->second;
    if (h.status.state == WorkflowState::ended && now_s - h.ended_at_s >= options_.retention_s) {
      if (!h.key.empty()) keys_.erase(h.key);
      it = hosted_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::vector<WorkflowStatus> WorkflowRegistry::status() const {
  std::vector<WorkflowStatus> out;
  out.reserve(hosted_.size());
  for (const auto& [id, h] : hosted_) out.push_back(h.status);
  return out;
}

}  // namespace concord::service
