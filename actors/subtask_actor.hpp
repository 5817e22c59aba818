#pragma once
// A subtask actor runs one batch: k samples of one model for one subtask (proto::subtask_actor).
// Its logic is sim/batch_run.hpp's state machine; the actor turns its commands into messages.
// It reserves every sample's worst case with the ledger (all k or none), asks the
// selector for workers, dispatches, collects outcomes, cancels the siblings on the
// first success, re-dispatches the samples of a worker that died (under the same
// reservation). As each sample stops it commits that sample's actual cost (the rest
// of its reservation is released at once, as DESIGN.md §3 says and the simulator
// does) and tells the workflow (settled_atom, batch id, released, cost); once every
// sample is settled it reports the batch to its workflow and exits. A sample that
// never ran commits 0. Every request it makes has a finite timeout.
// A real worker's output must pass the subtask's check before it counts as a success: a regex is
// matched on the actor's thread (bounded input), a command runs on a detached helper thread and
// its verdict comes back as a message; until then the sample is still running for BatchRun.
#include <cstdint>
#include <optional>
#include <string>

#include <caf/fwd.hpp>
#include <caf/actor.hpp>

#include "cluster_tunables.hpp"
#include "interfaces.hpp"
#include "model/workflow.hpp"

namespace concord::actors {

class VirtualTime;

struct SubtaskOptions {
  std::int32_t subtask = 0;
  std::string model_id;
  std::int32_t model = 0;
  std::int32_t k = 1;
  std::uint64_t batch_id = 0;        // sample ids (also their ledger reservation ids): exec::sample_id(batch_id, j)
  std::int64_t reservation = 0;      // picodollars for the whole batch: k x the worst case of one sample
  std::int64_t token_cap = 0;
  std::int64_t input_cost = 0;
  std::int64_t price_per_token = 0;
  proto::sample_profile profile;
  // What real workers need (simulated ones ignore it):
  std::string subtask_id;
  std::string prompt;                // rendered: the parents' outputs are in place
  std::optional<OutputCheck> check;  // applies to the output of a real worker's sample
  double time_limit_s = 0;           // real seconds per sample; 0: none
  bool report_samples = false;       // tell the workflow each sample's outcome (observed_atom: its learner wants them)
  std::int32_t attempt = 1;          // this batch's attempt number for its subtask (1-based)
  std::uint64_t seed = 0;            // the episode's: sample j draws from exec::sample_seed(seed, subtask, attempt, j)
  double time_scale = 0;             // passed to workers with every sample
  double cancel_grace_s = kDefaultTunables.cancel_grace_s;  // real seconds to wait for cancelled samples to report
  proto::workflow_actor workflow;
  proto::ledger_actor ledger;
  proto::selector_actor selector;
  VirtualTime* virtual_time = nullptr;  // set: timers on this virtual clock (see virtual_time.hpp)
};

proto::subtask_actor spawn_subtask(caf::actor_system& sys, SubtaskOptions options);

}  // namespace concord::actors
