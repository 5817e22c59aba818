// Nominal budget and deadline: the MCPP reference's definitions.
#include <gtest/gtest.h>

#include <cmath>

#include "model/validate.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "test_support.hpp"
#include "workloads/proofflow.hpp"

namespace concord {
namespace {

TEST(Nominal, UsesTheReferenceModelsTemplateLikeTheReference) {
  // a -> b; the first model's template: p = 0.5, 10 s, 1000 tokens at $1/1M; samples are ignored.
  Workflow wf;
  wf.models = {testing::model("m", 1.0), testing::model("other", 9.0)};
  Subtask a = testing::subtask("a", {}, "m", {{99.0, false, 99999}});
  a.profiles["m"].parametric = ParametricProfile{0.5, 10.0, 1.0, 1000.0};
  Subtask b = testing::subtask("b", {"a"}, "other", {{4.0, true, 100}});  // no template: the samples (p = 1)
  wf.subtasks = {a, b};
  validate_workflow(wf, "test");
  const FlatWorkflow f = FlatWorkflow::compile(wf);
  // a: ceil(ln 0.05 / ln 0.5) = 5 samples x $0.001; b: p = 1 - 1e-9 -> 1 sample x 100 x $9/1M.
  EXPECT_EQ(nominal_budget(f), 5 * money_from_dollars(0.001) + money_from_dollars(0.0009));
  EXPECT_NEAR(nominal_deadline_s(f), 10.0 / 0.5 + 4.0 / (1 - 1e-9), 1e-9);
}

TEST(Nominal, MatchesTheReferenceImplementationOnProofFlowGraphs) {
  // Computed by the MCPP reference's estimate_nominal_budget("output_money_cost_mean") and
  // estimate_nominal_deadline on these graphs exported as a DAG pool (seed 1, 32 samples).
  WorkloadOptions o;
  o.datasets_dir = testing::datasets_dir();
  const Workload w = build_proofflow(o);
  const double budget[] = {0.21314471359999998, 0.5470021283999998, 0.29427456240000005, 0.16845606960000004};
  const double deadline[] = {91.74633300973454, 238.13421244300116, 164.31193715860599, 79.31191785824842};
  for (int i = 0; i < 4; ++i) {
    const FlatWorkflow f = FlatWorkflow::compile(w.workflows[static_cast<std::size_t>(i)]);
    EXPECT_NEAR(dollars(nominal_budget(f)), budget[i], 1e-9) << i;
    EXPECT_NEAR(nominal_deadline_s(f), deadline[i], 1e-6) << i;
  }
}

}  // namespace
}  // namespace concord
