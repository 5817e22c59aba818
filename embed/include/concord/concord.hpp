#pragma once
// Concord's embedding API: run a workflow from a C++ service, without CAF in sight.
//
//   #include <concord/concord.hpp>
//   concord::Runtime runtime;                                  // an embedded cluster (in-process)
//   concord::Workflow wf = concord::Runtime::parse_workflow(json_text, "request 7");
//   concord::RunReport r = runtime.run(wf, {.budget_usd = 0.5, .deadline_s = 300});
//   if (r.completed) ... r.spend_usd, r.makespan_s, r.subtasks ...
//
// A workflow is plain data (concord/core/model/workflow.hpp: subtasks, dependencies, models
// with prices, per-(subtask, model) profiles), built in code or parsed from the JSON format of
// docs/workflow-format.md. Runtime::run() plans it with MCPP and executes it on the same actors
// a `concord node` cluster runs: on an embedded cluster of simulated workers (virtual time:
// deterministic for a seed, as fast as the machine goes), or on a running cluster: through a
// node's gateway (RuntimeOptions::gateway: the service edge's client path, real time; the node
// hosts the workflow), or as a member of the cluster (RuntimeOptions::join, TLS: this process
// hosts the workflow's actors, the members' workers run its samples). Link Concord::embed
// (find_package(Concord)).
//
// Thread safety: one Runtime may be used from several threads; each run() is independent
// (its own actor system). run() blocks; submit() runs it on a thread of its own.
// Errors: an invalid workflow, budget, deadline or policy throws concord::InputError (a
// std::runtime_error naming the source, field and reason); a cluster that cannot be joined
// throws std::runtime_error, as does a gateway that does not accept a submission (no answer
// within gateway_timeout_s, busy, refused: the node's reason). Nothing else throws once a run
// has started: its outcome is the report (completed, or the reason it did not).
#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/input_error.hpp"
#include "model/workflow.hpp"

namespace concord {

struct RuntimeOptions {
  /// Empty: an embedded cluster. Otherwise HOST:PORT of `concord node` seeds to run on.
  std::vector<std::string> join;
  int nodes = 3;              // embedded cluster: logical nodes
  int workers_per_model = 2;  // embedded cluster: simulated workers per model and node
  /// Joined cluster: simulated seconds per real second for the nodes' workers.
  double time_scale = 20;
  /// With `join`, a TLS cluster: this client's certificate chain, key and the cluster's CA (PEM
  /// files, all three or none; deploy/tls/make-ca.sh makes them).
  std::string tls_cert, tls_key, tls_ca;
  /// Planning policy: "mcpp" (default), "mcpp:faithful", "greedy", "cheapest", "seq:MODEL:K".
  std::string policy = "mcpp";

  /// Non-empty (tcp://HOST:PORT of a `concord node --gateway`): run on a running cluster through
  /// the service edge, the client path of `concord submit --watch` (Cap'n Proto over ZeroMQ,
  /// docs/service.md). The node validates, plans, hosts and runs each workflow on its cluster's
  /// workers and ledger; this process submits it, follows its events (progress, report) and
  /// cancels it. Excludes `join`; `nodes`, `workers_per_model`, `time_scale` and the TLS files
  /// do not apply (the node has its own).
  std::string gateway;
  /// With `gateway`, CURVE (both or neither): the node's public key file (NODE.pub) and this
  /// client's secret key file (CLIENT.key, its CLIENT.pub in the node's --clients folder);
  /// `concord keygen` writes them.
  std::string gateway_server_key, gateway_client_key;
  std::string tenant;  // with `gateway`: the tenant the workflows are submitted for ("" = "default")
  /// With `gateway` (real seconds): how long to wait for the node to accept a submission, and
  /// how long a run may go without any event before run() stops following it (the report then
  /// says `no_answer` and gives the workflow's id on the node, where it may still be running).
  double gateway_timeout_s = 10;
  double gateway_idle_timeout_s = 600;
};

struct RunRequest {
  std::optional<double> budget_usd;  // default: the workflow's budget_usd, else the nominal budget
  std::optional<double> deadline_s;  // default: the workflow's deadline_s, else the nominal deadline
  std::uint64_t seed = 1;
  /// Set it to true (from any thread) to stop the run: in-flight samples are cancelled and
  /// settled, the report says `interrupted`.
  const std::atomic<bool>* cancel = nullptr;
  /// Gateway runs: the node starts one workflow per key; run() again with the same key (e.g.
  /// after a lost connection) follows that workflow instead of starting another. "" = none.
  std::string idempotency_key;
};

/// One subtask's outcome in a report.
struct SubtaskOutcome {
  std::string id;
  std::string model;   // of its last batch
  int k = 0;           // samples in its last batch
  int attempts = 0;    // batches
  double start_s = 0;  // first batch's start
  double end_s = 0;    // last batch's end
  bool done = false;
  double cost_usd = 0;
  /// Its first successful sample's output, from a real worker of a node (gateway runs; simulated
  /// workers have none).
  std::string output;
};

struct RunReport {
  bool completed = false;     // every subtask completed within budget and deadline
  std::string reason;         // "completed", "budget_exhausted", "deadline_exhausted", "interrupted", "no_answer", ...
  std::string detail;         // more words on a failure, or re-dispatches after a worker died
  double spend_usd = 0;
  double budget_usd = 0;
  double makespan_s = 0;      // simulated seconds
  double deadline_s = 0;
  int subtasks_done = 0;
  int subtasks_total = 0;
  int planner_decisions = 0;
  std::vector<SubtaskOutcome> subtasks;  // in the workflow's order (never started: attempts == 0)
  /// Gateway runs: the workflow's id on the node (for `concord watch ID` / `concord cancel ID`).
  std::uint64_t workflow_id = 0;
};

/// A batch that ended: for live progress.
struct ProgressEvent {
  std::string subtask;
  std::string model;
  int k = 0;
  bool succeeded = false;
  double end_s = 0;
  double cost_usd = 0;
  int done = 0;
  int total = 0;
};
using ProgressCallback = std::function<void(const ProgressEvent&)>;

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});

  /// Plans and runs `wf` to its end (or its cancellation). Blocking. `progress` is called on
  /// a Concord thread, once per batch that ends; it must not block for long.
  RunReport run(const Workflow& wf, const RunRequest& request = {}, ProgressCallback progress = {}) const;

  /// run() on a thread of its own.
  std::future<RunReport> submit(Workflow wf, RunRequest request = {}, ProgressCallback progress = {}) const;

  /// A workflow from its JSON text (docs/workflow-format.md); `source` names it in errors.
  static Workflow parse_workflow(std::string_view json, const std::string& source = "workflow");

  const RuntimeOptions& options() const { return options_; }

 private:
  RuntimeOptions options_;
  std::string curve_server_public_, curve_secret_;  // Z85, read from the gateway key files
};

/// The report as `concord run` prints its summary lines (result, spend, makespan, progress).
std::string to_text(const RunReport& report);

/// Concord's version ("0.1.0").
std::string_view version();

}  // namespace concord
