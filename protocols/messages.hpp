#pragma once
// Every message exchanged between Concord actors, local or remote (CAF 0.17).
// Each type has one inspect() and a fixed name in the type-ID block below;
// every node registers the block (register_messages), and a node joining a
// cluster is refused unless its kProtocolVersion matches.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "ledger/tenant_types.hpp"
#include "ledger/types.hpp"
#include "sim/batch_run.hpp"

namespace concord::proto {

/// Bumped whenever a message's fields or meaning change.
// 2: batch_report.no_worker_left/.workers, ledger_reply, ledger_status; 3: (cancel, sample id, stop_after_s) to workers
// 4: sample content (prompt, names, time limit) in requests, output in results and batch reports
// 5: tenant ledgers (tenant_reply, tenant_status; tenant lookups between node managers)
// 6: beacon.free_slots/.queued (worker slots); (wait_atom, model) to selectors; sample_result.waited_s
inline constexpr std::uint32_t kProtocolVersion = 6;

/// What a simulated worker draws from: the (subtask, model) profile, shipped with
/// the request so any worker on any node can simulate any subtask.
struct sample_profile {
  std::vector<double> latency_s;       // empirical samples (drawn jointly, uniformly)
  std::vector<std::uint8_t> success;
  std::vector<std::int64_t> tokens;
  double lognormal_mu = 0, lognormal_sigma = 0, p_success = 0;  // parametric, when the vectors are empty
  std::int64_t parametric_tokens = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sample_profile& x) {
  return f(caf::meta::type_name("sample_profile"), x.latency_s, x.success, x.tokens, x.lognormal_mu, x.lognormal_sigma,
           x.p_success, x.parametric_tokens);
}

/// Run one sample. Money in picodollars, tokens as integers, time in simulated seconds.
struct sample_request {
  std::uint64_t sample_id = 0;  // unique per workflow; also the ledger reservation id
  std::uint64_t seed = 0;       // the worker's draw for this sample (deterministic)
  std::int32_t subtask = 0;
  std::int32_t model = 0;
  std::int64_t token_cap = 0;   // the sample stops at this many output tokens and fails
  std::int64_t input_cost = 0;
  std::int64_t price_per_token = 0;
  double time_scale = 0;        // simulated seconds per real second (0: the worker's own)
  sample_profile profile;
  // What a real worker needs (simulated workers ignore it):
  std::string subtask_id;       // the subtask's id in the workflow file
  std::string model_id;
  std::string prompt;           // rendered (parents' outputs in place); empty: the label, else the id
  double time_limit_s = 0;      // real seconds; 0: none
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sample_request& x) {
  return f(caf::meta::type_name("sample_request"), x.sample_id, x.seed, x.subtask, x.model, x.token_cap, x.input_cost,
           x.price_per_token, x.time_scale, x.profile, x.subtask_id, x.model_id, x.prompt, x.time_limit_s);
}

/// The outcome of a sample: finished, truncated at the cap, or cancelled (charged pro-rata).
struct sample_result {
  std::uint64_t sample_id = 0;
  std::int32_t subtask = 0;
  bool success = false;
  bool truncated = false;
  bool cancelled = false;
  double latency_s = 0;        // simulated seconds it ran
  std::int64_t tokens = 0;     // output tokens charged
  std::int64_t cost = 0;       // picodollars charged
  std::string worker;          // who ran it
  std::string output;          // what a real worker produced (simulated: empty)
  bool has_output = false;     // a real worker answered: the subtask's check applies
  // Protocol 6: simulated seconds the sample waited for a slot at its worker before it started
  // (a sample cancelled while waiting: until the cancel). 0 without slots, and from external
  // workers (a real sample's siblings stop at the cancel anyway). The sample's end on the batch's
  // common timeline (from its dispatch) is waited_s + latency_s.
  double waited_s = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sample_result& x) {
  return f(caf::meta::type_name("sample_result"), x.sample_id, x.subtask, x.success, x.truncated, x.cancelled, x.latency_s,
           x.tokens, x.cost, x.worker, x.output, x.has_output, x.waited_s);
}

/// A worker's advertisement (DESIGN.md §5), sent every beacon interval.
struct beacon {
  std::string worker;
  std::string model;
  caf::actor handle;
  double load = 0;              // in-flight samples / capacity, [0, 1]
  std::int32_t queue = 0;       // samples in flight: running + waiting for a slot
  double latency_ewma_s = 0;    // EWMA of the service time of samples that ran to their end (simulated s)
  double reputation = 1;        // success EWMA, [0, 1]
  bool available = true;
  double timestamp_s = 0;       // sender's clock (seconds since its start)
  // Slots (protocol 6): free_slots < 0 = unlimited (no slots configured; queued is then 0).
  // With slots: slots = queue - queued + free_slots (running + free), free_slots >= 0.
  std::int32_t free_slots = -1;  // slots free now
  std::int32_t queued = 0;       // samples waiting for a slot (FIFO at the worker)
  // Slot-seconds since the worker started (simulated seconds x samples; protocol 6, appended):
  // demand integrates running + waiting samples, busy running ones. A selector's slot price
  // takes a tick's demand as the difference of two beacons' figures.
  double demand_slot_s = 0;
  double busy_slot_s = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, beacon& x) {
  return f(caf::meta::type_name("beacon"), x.worker, x.model, x.handle, x.load, x.queue, x.latency_ewma_s, x.reputation,
           x.available, x.timestamp_s, x.free_slots, x.queued, x.demand_slot_s, x.busy_slot_s);
}

/// Cluster membership: a node announces itself to a seed (and the seed to it).
struct join_request {
  std::uint32_t protocol_version = 0;
  std::string node;
  caf::actor manager;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_request& x) {
  return f(caf::meta::type_name("join_request"), x.protocol_version, x.node, x.manager);
}

/// The answer to a join: accepted with the member list, or refused with the reason.
struct join_reply {
  bool accepted = false;
  std::string reason;
  std::vector<std::string> member_names;
  std::vector<caf::actor> members;  // node managers
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("join_reply"), x.accepted, x.reason, x.member_names, x.members);
}

/// A subtask actor's report of one batch to its workflow.
struct batch_report {
  std::uint64_t batch_id = 0;
  std::int32_t subtask = 0;
  BatchReport body;  // sim/batch_run.hpp: granted, success, counts, cost (picodollars), reason, workers
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_report& x) {
  auto& b = x.body;
  return f(caf::meta::type_name("batch_report"), x.batch_id, x.subtask, b.granted, b.success, b.successes, b.failures,
           b.truncated, b.cancelled, b.redispatched, b.cost, b.no_worker_left, b.reason, b.workers, b.output, b.source_refused);
}

/// The ledger actor's answer to a reserve (one id or a batch), commit or release: the core
/// ledger's result code (ledger/types.hpp), carried as integers on the wire.
struct ledger_reply {
  std::uint8_t code = 0;         // ledger::Code
  std::uint8_t deny_reason = 0;  // ledger::DenyReason (denials only)
  bool repeated = false;         // answered from an earlier identical request: nothing changed
  ledger::Code status() const { return static_cast<ledger::Code>(code); }
  bool ok() const { return status() == ledger::Code::granted || status() == ledger::Code::committed || status() == ledger::Code::released; }
  static ledger_reply of(ledger::Code c, ledger::DenyReason r, bool repeated) {
    return {static_cast<std::uint8_t>(c), static_cast<std::uint8_t>(r), repeated};
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_reply& x) {
  return f(caf::meta::type_name("ledger_reply"), x.code, x.deny_reason, x.repeated);
}

/// The ledger actor's totals (picodollars) and how many reservations are open.
struct ledger_status {
  std::int64_t budget = 0, committed = 0, reserved = 0;
  std::uint64_t open = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_status& x) {
  return f(caf::meta::type_name("ledger_status"), x.budget, x.committed, x.reserved, x.open);
}

/// A tenant ledger actor's answer (ledger/tenant_types.hpp, carried as integers on the wire).
/// `holds`: the key holds money now (a reserve is a yes only then).
struct tenant_reply {
  std::uint8_t code = 0;         // ledger::TenantCode
  std::uint8_t deny_reason = 0;  // ledger::TenantDenyReason (denials only)
  bool repeated = false;
  bool holds = false;
  ledger::TenantCode status() const { return static_cast<ledger::TenantCode>(code); }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tenant_reply& x) {
  return f(caf::meta::type_name("tenant_reply"), x.code, x.deny_reason, x.repeated, x.holds);
}

/// A tenant ledger's totals (picodollars, the current period) and terms.
struct tenant_status {
  std::string name;
  std::int64_t budget = 0, committed = 0, reserved = 0;
  std::int64_t committed_total = 0, uncovered_total = 0;  // over all periods; late spend no budget covered
  std::uint64_t late_commits = 0, expired_holdings = 0, live_leases = 0;
  double period_s = 0, lease_s = 0;  // period_s < 0: one period (infinite)
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tenant_status& x) {
  return f(caf::meta::type_name("tenant_status"), x.name, x.budget, x.committed, x.reserved, x.committed_total, x.uncovered_total,
           x.late_commits, x.expired_holdings, x.live_leases, x.period_s, x.lease_s);
}

// -- atoms (CAF 0.17: at most 10 characters) --
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using pick_atom = caf::atom_constant<caf::atom("pick")>;
using outcome_atom = caf::atom_constant<caf::atom("outcome")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;
using settled_atom = caf::atom_constant<caf::atom("settled")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using workers_atom = caf::atom_constant<caf::atom("workers")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using members_atom = caf::atom_constant<caf::atom("members")>;
using decide_atom = caf::atom_constant<caf::atom("decide")>;
using models_atom = caf::atom_constant<caf::atom("models")>;
using verdict_atom = caf::atom_constant<caf::atom("verdict")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using observed_atom = caf::atom_constant<caf::atom("observed")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using renew_atom = caf::atom_constant<caf::atom("renew")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using tenant_atom = caf::atom_constant<caf::atom("tenant")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using wait_atom = caf::atom_constant<caf::atom("wait")>;
using price_atom = caf::atom_constant<caf::atom("price")>;
using outlook_atom = caf::atom_constant<caf::atom("outlook")>;

}  // namespace concord::proto

CAF_BEGIN_TYPE_ID_BLOCK(concord, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(concord, (concord::proto::sample_profile))
  CAF_ADD_TYPE_ID(concord, (concord::proto::sample_request))
  CAF_ADD_TYPE_ID(concord, (concord::proto::sample_result))
  CAF_ADD_TYPE_ID(concord, (concord::proto::beacon))
  CAF_ADD_TYPE_ID(concord, (concord::proto::join_request))
  CAF_ADD_TYPE_ID(concord, (concord::proto::join_reply))
  CAF_ADD_TYPE_ID(concord, (concord::proto::batch_report))
  CAF_ADD_TYPE_ID(concord, (std::vector<concord::proto::beacon>))
  CAF_ADD_TYPE_ID(concord, (concord::proto::ledger_reply))
  CAF_ADD_TYPE_ID(concord, (concord::proto::ledger_status))
  CAF_ADD_TYPE_ID(concord, (concord::proto::tenant_reply))
  CAF_ADD_TYPE_ID(concord, (concord::proto::tenant_status))
  CAF_ADD_TYPE_ID(concord, (std::vector<std::uint64_t>))  // a tenant reserve's ids (crosses nodes)
CAF_END_TYPE_ID_BLOCK(concord)

namespace caf {
class actor_system_config;
}

namespace concord::proto {
/// Registers every Concord message type (same names on every node).
void register_messages(caf::actor_system_config& cfg);
}  // namespace concord::proto
