// MCPP planning with a posterior (McppPlanner::set_profile_draws) and the calibrated promise
// (McppConfig::promise_rollouts): a point-mass posterior on the true profiles plans exactly as
// the true profiles do; draws are deterministic on any thread count; the promise changes no decision.
#include <gtest/gtest.h>

#include <vector>

#include "plan/mcpp_config.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"
#include "workloads/proofflow.hpp"

namespace concord {
namespace {

/// ProofFlow DAG `index` with parametric (template) profiles only.
Workflow parametric_proofflow(std::size_t index) {
  WorkloadOptions o;
  o.datasets_dir = testing::datasets_dir();
  o.samples_per_profile = 0;
  return build_proofflow(o).workflows.at(index);
}

/// The same DAG and models with wrong profiles, and the true token caps made explicit.
Workflow wrong_beliefs(const Workflow& truth, const FlatWorkflow& flat) {
  Workflow b = truth;
  for (std::size_t m = 0; m < b.models.size(); ++m) b.models[m].max_tokens = flat.token_cap(static_cast<int>(m));
  for (auto& st : b.subtasks)
    for (auto& [id, prof] : st.profiles) prof.parametric = ParametricProfile{0.5, 10.0, 5.0, 100.0};
  return b;
}

/// One set: every pair's true summary.
std::vector<ParametricProfile> point_mass(const Workflow& truth, const FlatWorkflow& flat) {
  std::vector<ParametricProfile> d(static_cast<std::size_t>(flat.num_subtasks() * flat.num_models()));
  for (int s = 0; s < flat.num_subtasks(); ++s)
    for (const auto& [id, prof] : truth.subtasks[static_cast<std::size_t>(s)].profiles)
      d[static_cast<std::size_t>(s * flat.num_models() + flat.model_index(id))] = *prof.parametric;
  return d;
}

void expect_same_episode(const EpisodeResult& a, const EpisodeResult& b) {
  EXPECT_EQ(a.completed, b.completed);
  EXPECT_EQ(a.spend, b.spend);
  EXPECT_EQ(a.makespan_s, b.makespan_s);
  ASSERT_EQ(a.attempts.size(), b.attempts.size());
  for (std::size_t i = 0; i < a.attempts.size(); ++i) {
    EXPECT_EQ(a.attempts[i].subtask, b.attempts[i].subtask) << i;
    EXPECT_EQ(a.attempts[i].model, b.attempts[i].model) << i;
    EXPECT_EQ(a.attempts[i].k, b.attempts[i].k) << i;
    EXPECT_EQ(a.attempts[i].start_s, b.attempts[i].start_s) << i;
  }
}

EpisodeConfig episode(const FlatWorkflow& flat, Semantics sem, std::uint64_t seed) {
  EpisodeConfig ec;
  ec.semantics = sem;
  ec.budget = nominal_budget(flat) / 5;
  ec.deadline_s = nominal_deadline_s(flat) * 0.55;
  ec.seed = seed;
  return ec;
}

TEST(McppPosterior, PointMassPosteriorOnTheTruthPlansExactlyAsTheTrueProfiles) {
  const Workflow truth = parametric_proofflow(4);
  const FlatWorkflow flat = FlatWorkflow::compile(truth);
  const FlatWorkflow belief = FlatWorkflow::compile(wrong_beliefs(truth, flat));
  for (Semantics sem : {Semantics::runtime, Semantics::reference}) {
    McppConfig cfg = mcpp_preset("best");
    cfg.threads = 1;
    int differs = 0;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      McppPlanner on_truth(flat, cfg), on_posterior(belief, cfg), on_wrong(belief, cfg);
      on_posterior.set_profile_draws(point_mass(truth, flat), 1);
      Simulator sim(flat);
      const EpisodeResult a = sim.run(on_truth, episode(flat, sem, seed));
      const double qa = on_truth.last_decision().best_q;
      const EpisodeResult b = sim.run(on_posterior, episode(flat, sem, seed));
      expect_same_episode(a, b);
      EXPECT_EQ(qa, on_posterior.last_decision().best_q);
      // The test has teeth: without the posterior, the wrong beliefs plan differently.
      const EpisodeResult c = sim.run(on_wrong, episode(flat, sem, seed));
      differs += (c.attempts.size() != a.attempts.size() || on_wrong.last_decision().best_q != qa) ? 1 : 0;
    }
    EXPECT_GT(differs, 0);
  }
}

TEST(McppPosterior, ClearingTheDrawsRestoresThePlanner) {
  const Workflow truth = parametric_proofflow(4);
  const FlatWorkflow flat = FlatWorkflow::compile(truth);
  McppConfig cfg = mcpp_preset("best");
  McppPlanner plain(flat, cfg), cleared(flat, cfg);
  std::vector<ParametricProfile> wrong(static_cast<std::size_t>(flat.num_subtasks() * flat.num_models()),
                                       ParametricProfile{0.9, 1.0, 0.5, 10.0});
  cleared.set_profile_draws(wrong, 1);
  cleared.clear_profile_draws();
  Simulator sim(flat);
  const EpisodeResult a = sim.run(plain, episode(flat, Semantics::runtime, 5));
  const EpisodeResult b = sim.run(cleared, episode(flat, Semantics::runtime, 5));
  expect_same_episode(a, b);
}

TEST(McppPosterior, ManySetsAreDeterministicOnOneAndTwoThreads) {
  const Workflow truth = parametric_proofflow(2);
  const FlatWorkflow flat = FlatWorkflow::compile(truth);
  const FlatWorkflow belief = FlatWorkflow::compile(wrong_beliefs(truth, flat));
  // 16 sets: the truth with p scaled per set (a spread posterior).
  std::vector<ParametricProfile> sets;
  for (int i = 0; i < 16; ++i)
    for (ParametricProfile p : point_mass(truth, flat)) {
      p.p_success *= 0.6 + 0.05 * i;
      sets.push_back(p);
    }
  EpisodeResult r[2];
  double promise[2];
  for (int t = 0; t < 2; ++t) {
    McppConfig cfg = mcpp_preset("best");
    cfg.threads = t + 1;
    cfg.promise_rollouts = 300;
    McppPlanner p(belief, cfg);
    p.set_profile_draws(sets, 16);
    Simulator sim(flat);
    r[t] = sim.run(p, episode(flat, Semantics::runtime, 11));
    promise[t] = p.last_decision().promise;
  }
  expect_same_episode(r[0], r[1]);
  EXPECT_EQ(promise[0], promise[1]);
}

TEST(McppPromise, FreshRolloutsChangeNoDecisionAndEstimateTheChosenAction) {
  const Workflow truth = parametric_proofflow(4);
  const FlatWorkflow flat = FlatWorkflow::compile(truth);
  McppConfig plain_cfg = mcpp_preset("best"), promise_cfg = plain_cfg;
  promise_cfg.promise_rollouts = 2000;
  McppPlanner plain(flat, plain_cfg), promising(flat, promise_cfg);
  Simulator sim(flat);
  const EpisodeResult a = sim.run(plain, episode(flat, Semantics::runtime, 3));
  const EpisodeResult b = sim.run(promising, episode(flat, Semantics::runtime, 3));
  expect_same_episode(a, b);
  const McppDecisionStats& d = promising.last_decision();
  EXPECT_EQ(d.promise_trials, 2000);
  EXPECT_GE(d.promise, 0.0);
  EXPECT_LE(d.promise, 1.0);
  EXPECT_EQ(plain.last_decision().promise, plain.last_decision().best_q);  // off: the argmax's own Q
}

TEST(McppPromise, FreshEstimateAgreesWithTheArgmaxWithinItsWinnersCurse) {
  // At the first decision, the promise (2000 fresh rollouts) and best_q (the best of many noisy
  // estimates) estimate the same action's completion; best_q can only be biased upwards, so the
  // promise is at most best_q plus the fresh estimate's 99.9 % half-width.
  const Workflow truth = parametric_proofflow(4);
  const FlatWorkflow flat = FlatWorkflow::compile(truth);
  McppConfig cfg = mcpp_preset("best");
  cfg.promise_rollouts = 2000;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    McppPlanner p(flat, cfg);
    struct First final : Policy {
      McppPlanner& p;
      double q = -1, promise = -1;
      explicit First(McppPlanner& x) : p(x) {}
      std::string name() const override { return "first"; }
      void decide(const SimState& s, Rng& r, std::vector<Assignment>& out) override {
        p.decide(s, r, out);
        if (q < 0) q = p.last_decision().best_q, promise = p.last_decision().promise;
      }
    } first(p);
    Simulator sim(flat);
    sim.run(first, episode(flat, Semantics::runtime, seed));
    EXPECT_LE(first.promise, first.q + 3.29 * std::sqrt(0.25 / 2000)) << seed;
  }
}

}  // namespace
}  // namespace concord
