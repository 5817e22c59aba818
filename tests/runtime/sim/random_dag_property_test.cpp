// Property test over random DAGs of 1 to 300 subtasks (chains, wide fans, random
// layered graphs) through every policy and both semantics: no crash, no exception,
// 0 <= spend <= budget, every batch charged >= 0, and the run ends with a stated reason
// (completed iff every subtask is done).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/validate.hpp"
#include "plan/baselines.hpp"
#include "plan/policy_registry.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/rng.hpp"
#include "sim/simulator.hpp"

namespace concord {
namespace {

enum class Shape { chain, fan, random };

/// A random workflow: 2-3 models (the first runs every subtask), mixed samples and
/// parametric profiles, some zero latencies and zero tokens, some token caps.
Workflow random_workflow(Shape shape, int n, Rng& rng) {
  Workflow wf;
  const int nm = 2 + static_cast<int>(rng.below(2));
  for (int m = 0; m < nm; ++m) {
    ModelSpec spec;
    spec.id = "m" + std::to_string(m);
    spec.usd_per_mtok_out = 0.1 + 5.0 * rng.uniform();
    if (rng.bernoulli(0.3)) spec.usd_per_mtok_in = rng.uniform();
    if (rng.bernoulli(0.3)) spec.max_tokens = 50 + static_cast<std::int64_t>(rng.below(400));
    wf.models.push_back(spec);
  }
  for (int i = 0; i < n; ++i) {
    Subtask s;
    s.id = "s" + std::to_string(i);
    s.input_tokens = rng.bernoulli(0.5) ? static_cast<std::int64_t>(rng.below(2000)) : 0;
    if (i > 0) {
      if (shape == Shape::chain) s.deps.push_back("s" + std::to_string(i - 1));
      else if (shape == Shape::fan) s.deps.push_back("s0");
      else
        for (int d = 0; d < 3; ++d) {
          const std::string dep = "s" + std::to_string(rng.below(static_cast<std::uint64_t>(i)));
          if (std::find(s.deps.begin(), s.deps.end(), dep) == s.deps.end() && rng.bernoulli(0.6)) s.deps.push_back(dep);
        }
    }
    for (int m = 0; m < nm; ++m) {
      if (m > 0 && rng.bernoulli(0.3)) continue;
      Profile& p = s.profiles["m" + std::to_string(m)];
      if (rng.bernoulli(0.5)) {
        const int count = 1 + static_cast<int>(rng.below(6));
        for (int j = 0; j < count; ++j)
          p.samples.push_back({rng.bernoulli(0.1) ? 0.0 : 20.0 * rng.uniform(), j == 0 || rng.bernoulli(0.5),
                               static_cast<std::int64_t>(rng.below(600))});
      } else {
        p.parametric = ParametricProfile{0.05 + 0.9 * rng.uniform(), 10.0 * rng.uniform(), 5.0 * rng.uniform(),
                                         static_cast<double>(rng.below(500))};
      }
    }
    wf.subtasks.push_back(std::move(s));
  }
  validate_workflow(wf, "random");
  return wf;
}

std::vector<std::string> policies_for(const FlatWorkflow& flat) {
  // MCPP with a small work budget keeps the test fast at 300 subtasks.
  std::vector<std::string> out{"mcpp:best+work20", "mcpp:faithful+work20", "mcpp:faithful+crn+defer+work20", "greedy",
                               "cheapest", "seq:m0:1", "seq:m0:16"};
  (void)flat;
  return out;
}

void check(const EpisodeResult& r, const EpisodeConfig& ec, int n, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_GE(r.spend, 0);
  EXPECT_LE(r.spend, ec.budget);
  EXPECT_GE(r.subtasks_done, 0);
  EXPECT_LE(r.subtasks_done, n);
  EXPECT_EQ(r.completed, r.reason == EndReason::completed);
  if (r.completed) {
    EXPECT_EQ(r.subtasks_done, n);
  }
  for (const auto& a : r.attempts) EXPECT_GE(a.cost, 0);
  EXPECT_FALSE(to_string(r.reason).empty());
}

TEST(RandomDagProperty, EveryPolicyBothSemanticsEndWithinBudget) {
  Rng rng(20261201);
  int runs = 0;
  for (int n : {1, 2, 5, 17, 64, 65, 130, 300}) {
    for (Shape shape : {Shape::chain, Shape::fan, Shape::random}) {
      const Workflow wf = random_workflow(shape, n, rng);
      const FlatWorkflow flat = FlatWorkflow::compile(wf);
      const Money nominal = nominal_budget(flat);
      for (double scale : {0.3, 1.5}) {
        EpisodeConfig ec;
        ec.budget = static_cast<Money>(static_cast<double>(nominal) * scale);
        ec.deadline_s = nominal_deadline_s(flat) * scale;
        ec.seed = rng.next();
        for (Semantics sem : {Semantics::runtime, Semantics::reference}) {
          ec.semantics = sem;
          ec.atomic_launch = true;
          for (const std::string& policy : policies_for(flat)) {
            auto p = make_policy(policy, flat, ec.seed);
            const EpisodeResult r = Simulator(flat).run(*p, ec);
            check(r, ec, n, policy + " n=" + std::to_string(n) + " " + std::string(to_string(sem)));
            ++runs;
          }
          // The paper's baselines under the reference's per-sample launch.
          if (sem == Semantics::reference) {
            ec.atomic_launch = false;
            for (const BaselineSpec& spec : all_baselines()) {
              BaselinePolicy b(flat, spec, 0, ec.budget, ec.seed);
              const EpisodeResult r = Simulator(flat).run(b, ec);
              check(r, ec, n, spec.name() + " n=" + std::to_string(n));
              ++runs;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(runs, 700);
}

}  // namespace
}  // namespace concord
