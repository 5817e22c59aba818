#pragma once
// The simulated kind of external worker (`concord worker --simulate FILE`): today's in-process
// simulated worker as a process. It draws each sample from FILE's profile of (job.subtask,
// job.model) with the job's seed — the same draw the in-process worker and the simulator make —
// applies the token cap, sleeps latency / time_scale real seconds (cancel and the time limit cut
// the sleep short) and answers success, latency (real seconds), output tokens. Output text:
// "simulated output of SUBTASK by MODEL". A cancelled sample reports the tokens generated pro rata.
#include <memory>

#include "sample_job.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::workers {

class SimulatedBackend final : public Backend {
 public:
  explicit SimulatedBackend(std::shared_ptr<const FlatWorkflow> workflow);
  SampleOutcome run(const SampleJob& job, const std::atomic<bool>& cancel) override;

 private:
  std::shared_ptr<const FlatWorkflow> workflow_;
};

}  // namespace concord::workers
