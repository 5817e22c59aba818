#pragma once
// Learned profiles in a running node (`concord node --profiles FILE`): one store and one posterior
// table for every workflow the node hosts, behind a mutex (hosted workflows run on many threads).
// What each hosted run does with it (docs/learning.md, "In the runtime"):
//   start      prepare(): every (model, subtask key) of the workflow gets its posterior (stored,
//              else the prior); the planner plans with the belief workflow (posterior means) and
//              `sets` parameter sets drawn from the posterior, one per rollout;
//   each settled sample   observe(): folded into its posterior at once (the node's next runs see it);
//   first decision        calibrate(): the planner's promise through the calibrator fitted on the
//              promises and outcomes of earlier runs;
//   end        finish(): the posteriors and the (promise, outcome) pair saved in the store.
// Errors of the store are InputError naming the file (the caller reports them; a run never fails
// because its profiles could not be saved).
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "learn/posterior_table.hpp"
#include "learn/profile_store.hpp"
#include "learn/promise_calibrator.hpp"
#include "model/workflow.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::learn {

class LiveProfiles {
 public:
  /// Opens (or creates) the store and loads it. Throws InputError naming `path`.
  explicit LiveProfiles(const std::string& path);

  struct RunPlan {
    std::shared_ptr<const FlatWorkflow> belief;   // what the planner plans with (the real run uses the file's)
    std::vector<ParametricProfile> draws;         // McppPlanner::set_profile_draws's layout
    int sets = 0;
  };
  RunPlan prepare(const Workflow& wf, const FlatWorkflow& flat, std::uint64_t seed, int sets = 64);
  void observe(const Workflow& wf, int subtask, const std::string& model, const Observation& o);
  double calibrate(double raw_promise) const;
  void finish(const std::string& workflow, double raw_promise, double calibrated_promise, bool completed);

  /// Copies, for reports and tests.
  PosteriorTable table() const;
  std::size_t promises() const;

 private:
  mutable std::mutex mx_;
  ProfileStore store_;
  PosteriorTable table_;
  PromiseCalibrator calibrator_;
};

}  // namespace concord::learn
