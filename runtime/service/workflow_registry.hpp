#pragma once
// The workflows a node's gateway hosts: admission (at most max_running at once: beyond, "busy",
// never an unbounded queue), idempotency ((tenant, key) -> the same id, nothing started twice),
// each workflow's event log and watchers, and retention (an ended workflow is kept, with its
// events, for retention_s real seconds, then forgotten with its key). Pure: the caller passes the
// time (real seconds, any origin) and owns the actors and sockets.
#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "service/event_log.hpp"
#include "service/service_messages.hpp"

namespace concord::service {

struct RegistryOptions {
  std::size_t max_running = 1024;   // workflows running at once
  std::size_t events_per_workflow = 4096;
  double retention_s = 600;         // real seconds an ended workflow stays (events, key)
  double busy_retry_s = 1;          // the retry hint of a busy refusal (real seconds)
};

using Peer = std::string;  // a client, as the transport names it (a ZeroMQ routing id)

class WorkflowRegistry {
 public:
  explicit WorkflowRegistry(RegistryOptions options = {});

  /// The workflow a (tenant, key) already names, if any (an empty key names none).
  std::optional<WorkflowId> by_key(const std::string& tenant, const std::string& key) const;

  /// A new running workflow, or a busy refusal when max_running run already.
  struct Admission {
    WorkflowId id = 0;                 // 0: refused
    std::optional<Refused> refused;
  };
  Admission admit(const std::string& tenant, const std::string& key, const std::string& name, Money budget);

  /// A workflow hosted before the node restarted (its ledger journal was replayed: docs/ledger.md):
  /// known again under its old id, already ended with `ended`, which is numbered
  /// kRestoredEndSeq — above any sequence number the previous run can have given (it would need
  /// 2^40 events), so a watcher that saw events 1..n gets Lost{n+1, kRestoredEndSeq-1} then the end,
  /// and a client skipping numbers it has seen never skips it. New ids are numbered above `id`.
  /// REQUIRES: id > 0 and not known.
  void restore_ended(WorkflowId id, const std::string& name, Money budget, Ended ended, double now_s, std::int64_t wall_ns = 0);
  /// New workflows get ids > id (ids of a data directory's journals must never be reused).
  void number_above(WorkflowId id) { next_id_ = std::max(next_id_, id + 1); }
  static constexpr Seq kRestoredEndSeq = Seq{1} << 40;

  /// Appends to a workflow's events (SpendUpdate / SampleSettled / Ended update its status; Ended
  /// also starts its retention clock at now_s; wall_ns stamps the event). Throws std::out_of_range on an unknown id.
  const Event& append(WorkflowId id, double time_s, EventBody body, double now_s, std::int64_t wall_ns = 0);

  bool known(WorkflowId id) const { return hosted_.count(id) != 0; }
  const WorkflowStatus& status_of(WorkflowId id) const { return at(id).status; }
  bool running(WorkflowId id) const;
  EventLog::Replay since(WorkflowId id, Seq from_seq) const;

  /// Watchers: peers that receive a workflow's events as they happen (until its end).
  void watch(WorkflowId id, const Peer& peer);
  const std::set<Peer>& watchers(WorkflowId id) const;

  /// Forgets ended workflows whose retention is over; returns how many.
  std::size_t expire(double now_s);

  std::size_t running_count() const { return running_; }
  /// The id the next admission gives.
  WorkflowId next_id() const { return next_id_; }
  std::size_t hosted_count() const { return hosted_.size(); }
  std::vector<WorkflowStatus> status() const;
  const RegistryOptions& options() const { return options_; }

 private:
  struct Hosted {
    WorkflowStatus status;
    std::string key;  // tenant + '\n' + idempotency key; empty: none
    EventLog log;
    std::set<Peer> watchers;
    double ended_at_s = 0;
  };
  Hosted& at(WorkflowId id);
  const Hosted& at(WorkflowId id) const;

  RegistryOptions options_;
  WorkflowId next_id_ = 1;
  std::size_t running_ = 0;
  std::map<WorkflowId, Hosted> hosted_;
  std::map<std::string, WorkflowId> keys_;
};

}  // namespace concord::service
