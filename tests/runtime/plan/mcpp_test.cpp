// MCPP planner: candidate generation rules, optimal actions on tiny workflows
// where they can be computed exactly, and determinism across thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "model/validate.hpp"
#include "plan/mcpp_candidates.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using mcpp::Choice;
using testing::model;
using testing::subtask;

constexpr double kDollarPerToken = 1e6;

/// n independent subtasks, each runnable by the models in `models_of[i]` (all models when empty).
Workflow independent(int n, int n_models, std::vector<std::vector<std::string>> models_of = {}) {
  Workflow wf;
  for (int m = 0; m < n_models; ++m) wf.models.push_back(model("m" + std::to_string(m), 1.0));
  for (int i = 0; i < n; ++i) {
    Subtask s;
    s.id = "s" + std::to_string(i);
    std::vector<std::string> ms = i < static_cast<int>(models_of.size()) ? models_of[i] : std::vector<std::string>{};
    if (ms.empty())
      for (const auto& m : wf.models) ms.push_back(m.id);
    for (const auto& m : ms) s.profiles[m].samples = {{1.0, true, 10}};
    wf.subtasks.push_back(s);
  }
  validate_workflow(wf, "test");
  return wf;
}

mcpp::CandidateSet candidates(const Workflow& wf, std::vector<int> ready, McppConfig cfg = {}, std::uint64_t seed = 1) {
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  const mcpp::PlanModel pm(flat);
  Rng rng(seed);
  return mcpp::generate_candidates(pm, ready, cfg, rng);
}

TEST(McppCandidates, OneReadySubtaskGivesUniformActionsByKThenModel) {
  const auto c = candidates(independent(1, 3), {0});
  ASSERT_EQ(c.count(), 12u);  // 3 models x 4 k-levels; the full product adds only duplicates
  const std::vector<Choice> expected = {{0, 1}, {1, 1}, {2, 1}, {0, 4}, {1, 4}, {2, 4},
                                        {0, 16}, {1, 16}, {2, 16}, {0, 64}, {1, 64}, {2, 64}};
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(*c.row(i), expected[i]) << i;
}

TEST(McppCandidates, SmallReadySetGetsTheFullProductAfterTheUniformActions) {
  const auto c = candidates(independent(2, 1), {0, 1});
  ASSERT_EQ(c.count(), 16u);  // 4 uniform + 16 product - 4 duplicates
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.row(i)[0].k, c.row(i)[1].k);
    EXPECT_EQ(c.row(i)[0].k, McppConfig{}.k_levels[i]);
  }
  // Then the product, first subtask slowest, duplicates of the uniform ones skipped.
  EXPECT_EQ(c.row(4)[0], (Choice{0, 1}));
  EXPECT_EQ(c.row(4)[1], (Choice{0, 4}));
  EXPECT_EQ(c.row(7)[0], (Choice{0, 4}));
  EXPECT_EQ(c.row(7)[1], (Choice{0, 1}));
  std::set<std::vector<int>> distinct;
  for (std::size_t i = 0; i < c.count(); ++i) distinct.insert({c.row(i)[0].k, c.row(i)[1].k});
  EXPECT_EQ(distinct.size(), 16u);
}

TEST(McppCandidates, ProductAbove64ActionsUsesRandomFreeSubtasks) {
  // 2 ready x 12 levels = 144 > 64: both subtasks are free, no shared level.
  const auto c = candidates(independent(2, 3), {0, 1});
  EXPECT_EQ(c.count(), 144u);
}

TEST(McppCandidates, WideReadySetIsCappedAt2048WithUniformActionsFirst) {
  const auto c = candidates(independent(5, 3), {0, 1, 2, 3, 4});
  ASSERT_EQ(c.count(), 2048u);  // 4 shared levels x 12^3 free choices = 6912, capped
  for (std::size_t i = 0; i < 12; ++i) {
    for (std::size_t j = 1; j < 5; ++j) EXPECT_EQ(c.row(i)[j], c.row(i)[0]) << i;
  }
  // Exactly 3 subtasks vary beyond the uniform block; the other 2 stay at (first model, shared k).
  std::vector<std::set<std::pair<int, int>>> seen(5);
  for (std::size_t i = 12; i < c.count(); ++i)
    for (std::size_t j = 0; j < 5; ++j) seen[j].insert({c.row(i)[j].model, c.row(i)[j].k});
  int free = 0;
  for (const auto& s : seen) free += s.size() > 4 ? 1 : 0;
  EXPECT_EQ(free, 3);
  McppConfig cap;
  cap.max_candidates = 100;
  EXPECT_EQ(candidates(independent(5, 3), {0, 1, 2, 3, 4}, cap).count(), 100u);
}

TEST(McppCandidates, AModelThatCannotRunEveryReadySubtaskHasNoUniformAction) {
  const Workflow wf = independent(2, 2, {{"m0"}, {"m0", "m1"}});
  const auto c = candidates(wf, {0, 1});
  // Uniform: (m0, k) for both, 4 actions; the product has 4 x 8 = 32 <= 64 actions.
  ASSERT_EQ(c.count(), 32u);
  for (std::size_t i = 0; i < c.count(); ++i) EXPECT_EQ(c.row(i)[0].model, 0);
}

// -- decisions --

EpisodeConfig reference(double budget, double deadline) {
  EpisodeConfig c;
  c.semantics = Semantics::reference;
  c.budget = money_from_dollars(budget);
  c.deadline_s = deadline;
  return c;
}

/// The state at the start of an episode (roots ready, nothing spent, time 0), reference
/// semantics. Owns the arrays the SimState views.
struct StartState {
  const FlatWorkflow* flat;
  std::vector<SubtaskStatus> status;
  std::vector<int> ready, attempts;
  explicit StartState(const FlatWorkflow& f)
      : flat(&f), status(f.num_subtasks(), SubtaskStatus::blocked), attempts(f.num_subtasks(), 0) {
    for (int s = 0; s < f.num_subtasks(); ++s)
      if (f.parents(s).empty()) status[s] = SubtaskStatus::ready, ready.push_back(s);
  }
  SimState with(double budget, double deadline) const {
    SimState st;
    st.workflow = flat;
    st.semantics = Semantics::reference;
    st.budget = money_from_dollars(budget);
    st.deadline_s = deadline;
    st.status = status;
    st.attempts = attempts;
    st.dispatchable = ready;
    return st;
  }
};

/// Asks `planner` once, at the start of an episode of `wf`.
std::vector<Assignment> first_decision(const Workflow& wf, McppConfig cfg, double budget, double deadline) {
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  McppPlanner planner(flat, cfg);
  Rng rng(5);
  std::vector<Assignment> out;
  planner.decide(StartState(flat).with(budget, deadline), rng, out);
  return out;
}

TEST(McppPlanner, SavesBudgetOnTheFirstSubtaskWhenTheSecondNeedsIt) {
  // a -> b. a: "cheap" ($10) or "dear" ($40), both always succeed; b: only "dear" ($40).
  // Budget $55: only (cheap, 1) on a leaves enough for b. Q = 1 for it, 0 for all else.
  Workflow wf;
  wf.models = {model("dear", kDollarPerToken), model("cheap", kDollarPerToken)};
  Subtask a = subtask("a", {}, "dear", {{1.0, true, 40}});
  a.profiles["cheap"].samples = {{1.0, true, 10}};
  wf.subtasks = {a, subtask("b", {"a"}, "dear", {{1.0, true, 40}})};
  const auto action = first_decision(wf, {}, 55, 100);
  ASSERT_EQ(action.size(), 1u);
  EXPECT_EQ(action[0].model, 1);
  EXPECT_EQ(action[0].k, 1);
}

TEST(McppPlanner, FindsTheExactOptimumOfAOneShotChoice) {
  // One subtask, one round (latency 1 s, deadline 1.5 s). Budget $45.
  //   A: p = 1/2, $10 per sample: Q(A,1) = 0.5, Q(A,4) = 1 - 0.5^4 = 0.9375, Q(A,16) = 0 (over budget)
  //   B: p = 3/4, $30 per sample: Q(B,1) = 0.75, Q(B,4) = 0
  // Optimum: (A, 4).
  Workflow wf;
  wf.models = {model("B", kDollarPerToken), model("A", kDollarPerToken)};
  Subtask s = subtask("s", {}, "B", {{1.0, true, 30}, {1.0, true, 30}, {1.0, true, 30}, {1.0, false, 30}});
  s.profiles["A"].samples = {{1.0, true, 10}, {1.0, false, 10}};
  wf.subtasks = {s};
  McppConfig cfg;
  cfg.rollouts = 2000;  // enough that the 0.19 gap to the runner-up is many standard errors
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  const auto action = first_decision(wf, cfg, 45, 1.5);
  ASSERT_EQ(action.size(), 1u);
  EXPECT_EQ(action[0].model, 1);
  EXPECT_EQ(action[0].k, 4);
  // And its estimate is within 4 standard errors of 0.9375.
  McppPlanner planner(flat, cfg);
  Rng rng(9);
  std::vector<Assignment> out;
  planner.decide(StartState(flat).with(45, 1.5), rng, out);
  const double se = std::sqrt(0.9375 * 0.0625 / cfg.rollouts);
  EXPECT_NEAR(planner.last_decision().best_q, 0.9375, 4 * se + 1e-9);
  EXPECT_EQ(planner.last_decision().candidates, 8);
  EXPECT_EQ(planner.last_decision().trajectories, 8 * 2 * 4 * cfg.rollouts);
}

TEST(McppPlanner, RetryingIsValuedWhenTheDeadlineAllowsIt) {
  // One subtask, p = 1/2, $10, latency 1 s; budget $20, deadline 2.5 s. (A, 1) then a retry
  // completes with 0.75; (A, 4) costs $40 and is never affordable. MCPP must pick (A, 1).
  Workflow wf;
  wf.models = {model("A", kDollarPerToken)};
  wf.subtasks = {subtask("s", {}, "A", {{1.0, true, 10}, {1.0, false, 10}})};
  McppConfig cfg;
  cfg.rollouts = 2000;
  const auto action = first_decision(wf, cfg, 20, 2.5);
  ASSERT_EQ(action.size(), 1u);
  EXPECT_EQ(action[0].k, 1);
}

Workflow random_dag(std::uint64_t seed) {
  Rng rng(seed);
  Workflow wf;
  for (int m = 0; m < 3; ++m) wf.models.push_back(model("m" + std::to_string(m), 0.5 + m));
  const int n = 4 + static_cast<int>(rng.below(8));
  for (int i = 0; i < n; ++i) {
    Subtask s;
    s.id = "s" + std::to_string(i);
    for (int j = 0; j < i; ++j)
      if (rng.bernoulli(0.3)) s.deps.push_back("s" + std::to_string(j));
    for (const auto& m : wf.models) {
      if (rng.bernoulli(0.25)) {
        s.profiles[m.id].parametric = ParametricProfile{0.3 + 0.6 * rng.uniform(), 1 + 9 * rng.uniform(), 2 * rng.uniform(), 500 + 1000 * rng.uniform()};
      } else {
        for (int k = 0; k < 8; ++k)
          s.profiles[m.id].samples.push_back({0.5 + 10 * rng.uniform(), rng.bernoulli(0.6), 200 + static_cast<std::int64_t>(rng.below(2000))});
      }
    }
    wf.subtasks.push_back(s);
  }
  validate_workflow(wf, "random");
  return wf;
}

TEST(McppPlanner, SameSeedGivesTheSameEpisodeOnOneAndTwoThreads) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const Workflow wf = random_dag(seed);
    const FlatWorkflow flat = FlatWorkflow::compile(wf);
    McppConfig one, two;
    one.threads = 1;
    two.threads = 2;
    one.rollouts = two.rollouts = 16;
    McppPlanner p1(flat, one), p2(flat, two);
    Simulator sim(flat);
    const EpisodeConfig cfg = reference(0.02, 60);
    const auto a = sim.run(p1, cfg);
    const auto b = sim.run(p2, cfg);
    ASSERT_EQ(a.attempts.size(), b.attempts.size()) << seed;
    for (std::size_t i = 0; i < a.attempts.size(); ++i) {
      EXPECT_EQ(a.attempts[i].model, b.attempts[i].model);
      EXPECT_EQ(a.attempts[i].k, b.attempts[i].k);
      EXPECT_EQ(a.attempts[i].start_s, b.attempts[i].start_s);
    }
    EXPECT_EQ(a.completed, b.completed);
    EXPECT_EQ(a.spend, b.spend);
    EXPECT_EQ(p1.decision_seconds().size(), static_cast<std::size_t>(a.decisions));
  }
}

TEST(McppPlanner, ReplansWithInFlightSamplesAndCompletesEasyWorkflows) {
  // Generous budget and deadline: MCPP must complete every episode.
  const Workflow wf = random_dag(11);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  McppConfig cfg;
  cfg.rollouts = 16;
  McppPlanner planner(flat, cfg);
  Simulator sim(flat);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    EpisodeConfig c = reference(1000, 1e5);
    c.seed = seed;
    const auto r = sim.run(planner, c);
    EXPECT_TRUE(r.completed) << seed << " " << to_string(r.reason);
  }
}

}  // namespace
}  // namespace concord

namespace concord {
namespace {

TEST(McppDeferral, AddsOneHeldBackVariantPerUniformActionAndPosition) {
  const Workflow wf = independent(2, 1);
  auto c = candidates(wf, {0, 1});
  const std::size_t before = c.count();  // 16: 4 uniform + the product
  mcpp::add_deferrals(c, 4, 1000);
  ASSERT_EQ(c.count(), before + 4 * 2);
  for (std::size_t i = before; i < c.count(); ++i) {
    const int held = (c.row(i)[0].k == 0) + (c.row(i)[1].k == 0);
    EXPECT_EQ(held, 1) << i;  // exactly one subtask held back, never both
  }
  mcpp::add_deferrals(c, 4, c.count());  // the cap is respected
  EXPECT_EQ(c.count(), before + 8);
}

TEST(McppDeferral, PlannerNeverDefersEverythingAndOmitsHeldBackSubtasks) {
  const Workflow wf = independent(3, 2);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  McppConfig cfg;
  cfg.deferral = true;
  cfg.rollouts = 16;
  McppPlanner planner(flat, cfg);
  Simulator sim(flat);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    EpisodeConfig c;
    c.semantics = Semantics::runtime;
    c.budget = money_from_dollars(1.0);
    c.deadline_s = 100;
    c.seed = seed;
    const auto r = sim.run(planner, c);  // the simulator rejects an empty action with nothing in flight (stalled)
    EXPECT_NE(r.reason, EndReason::stalled);
  }
}

}  // namespace
}  // namespace concord

namespace concord {
namespace {

/// The one-shot choice of FindsTheExactOptimumOfAOneShotChoice: optimum (A, 4), 8 candidates,
/// 2 models x 4 k-levels = 8 continuation policies.
struct OneShot {
  Workflow wf;
  FlatWorkflow flat;
  OneShot() {
    wf.models = {model("B", kDollarPerToken), model("A", kDollarPerToken)};
    Subtask s = subtask("s", {}, "B", {{1.0, true, 30}, {1.0, true, 30}, {1.0, true, 30}, {1.0, false, 30}});
    s.profiles["A"].samples = {{1.0, true, 10}, {1.0, false, 10}};
    wf.subtasks = {s};
    flat = FlatWorkflow::compile(wf);
  }
};

TEST(McppReuse, FirstDecisionEvaluatesEveryContinuationThenOnlyTheBestOnes) {
  const OneShot o;
  const StartState start(o.flat);
  McppConfig cfg;
  cfg.rollouts = 2000;
  cfg.reuse_continuations = 2;
  McppPlanner planner(o.flat, cfg);
  Rng rng(9);
  for (int decision = 0; decision < 3; ++decision) {
    std::vector<Assignment> out;
    planner.decide(start.with(45, 1.5), rng, out);
    const int conts = decision == 0 ? 8 : 2;
    EXPECT_EQ(planner.last_decision().continuations, conts) << decision;
    EXPECT_EQ(planner.last_decision().trajectories, 8LL * conts * cfg.rollouts) << decision;
    // The kept continuations still contain the one that reaches the optimum.
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].model, 1) << decision;
    EXPECT_EQ(out[0].k, 4) << decision;
  }
  planner.reset();  // a new episode evaluates everything again
  std::vector<Assignment> out;
  planner.decide(start.with(45, 1.5), rng, out);
  EXPECT_EQ(planner.last_decision().continuations, 8);
}

TEST(McppReuse, KeepsTheContinuationThatMatters) {
  // Chain s0 -> s1, one model (p = 1/2, $10, 1 s), budget $40, deadline 10.5 s. Only Seq-(A, 1)
  // can finish: it completes when 2 of at most 4 sequential tries succeed, 1 - 5/16 = 0.6875;
  // Seq-(A, k >= 4) cannot afford s1 after s0. Keeping any other continuation would give ~0.
  Workflow wf;
  wf.models = {model("A", kDollarPerToken)};
  wf.subtasks = {subtask("s0", {}, "A", {{1.0, true, 10}, {1.0, false, 10}}),
                 subtask("s1", {"s0"}, "A", {{1.0, true, 10}, {1.0, false, 10}})};
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  const StartState start(flat);
  McppConfig cfg;
  cfg.rollouts = 2000;
  cfg.reuse_continuations = 1;
  McppPlanner planner(flat, cfg);
  Rng rng(4);
  const double se = std::sqrt(0.6875 * 0.3125 / cfg.rollouts);
  for (int decision = 0; decision < 2; ++decision) {
    std::vector<Assignment> out;
    planner.decide(start.with(40, 10.5), rng, out);
    EXPECT_EQ(planner.last_decision().continuations, decision == 0 ? 4 : 1);
    EXPECT_EQ(planner.last_decision().best_continuation_k, 1) << decision;
    EXPECT_NEAR(planner.last_decision().best_q, 0.6875, 4 * se) << decision;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].k, 1) << decision;
  }
}

TEST(McppReuse, RefreshEvaluatesEveryContinuationAgainPeriodically) {
  const OneShot o;
  const StartState start(o.flat);
  McppConfig cfg;
  cfg.rollouts = 8;
  cfg.reuse_continuations = 1;
  cfg.reuse_refresh = 2;
  McppPlanner planner(o.flat, cfg);
  Rng rng(3);
  std::vector<int> seen;
  for (int decision = 0; decision < 5; ++decision) {
    std::vector<Assignment> out;
    planner.decide(start.with(45, 1.5), rng, out);
    seen.push_back(planner.last_decision().continuations);
  }
  EXPECT_EQ(seen, (std::vector<int>{8, 1, 8, 1, 8}));
}

TEST(McppReuse, FirstDecisionIsFaithfulModesDecision) {
  // Re-use changes nothing before it has a previous decision to re-use.
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Workflow wf = random_dag(seed);
    McppConfig faithful, reuse;
    faithful.rollouts = reuse.rollouts = 16;
    reuse.reuse_continuations = 3;
    EXPECT_EQ(first_decision(wf, faithful, 0.02, 60), first_decision(wf, reuse, 0.02, 60)) << seed;
  }
}

TEST(McppReuse, SameSeedGivesTheSameEpisodeOnOneAndTwoThreads) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const FlatWorkflow flat = FlatWorkflow::compile(random_dag(seed));
    McppConfig one, two;
    one.threads = 1;
    two.threads = 2;
    one.rollouts = two.rollouts = 16;
    one.reuse_continuations = two.reuse_continuations = 3;
    one.racing = two.racing = true;
    McppPlanner p1(flat, one), p2(flat, two);
    Simulator sim(flat);
    const auto a = sim.run(p1, reference(0.02, 60));
    const auto b = sim.run(p2, reference(0.02, 60));
    ASSERT_EQ(a.attempts.size(), b.attempts.size()) << seed;
    for (std::size_t i = 0; i < a.attempts.size(); ++i) {
      EXPECT_EQ(a.attempts[i].model, b.attempts[i].model);
      EXPECT_EQ(a.attempts[i].k, b.attempts[i].k);
    }
    EXPECT_EQ(a.spend, b.spend);
  }
}

}  // namespace
}  // namespace concord

namespace concord {
namespace {

TEST(McppPreset, PresetsAndOptionsCompose) {
  const McppConfig faithful = mcpp_preset("faithful");
  EXPECT_EQ(faithful.k_levels, (std::vector<int>{1, 4, 16, 64}));
  EXPECT_EQ(faithful.max_candidates, 2048);
  EXPECT_EQ(faithful.rollouts, 64);
  EXPECT_FALSE(faithful.racing);
  const McppConfig best = mcpp_preset("best");
  EXPECT_TRUE(best.racing);
  EXPECT_EQ(best.max_candidates, 260);
  EXPECT_EQ(best.k_levels.size(), 6u);
  const McppConfig c = mcpp_preset("faithful+cap260+M32+crn+reuse3+refresh4+defer");
  EXPECT_EQ(c.max_candidates, 260);
  EXPECT_EQ(c.rollouts, 32);
  EXPECT_TRUE(c.common_random_numbers);
  EXPECT_EQ(c.reuse_continuations, 3);
  EXPECT_EQ(c.reuse_refresh, 4);
  EXPECT_TRUE(c.deferral);
  EXPECT_FALSE(c.racing);
  // Options alone start from faithful; options after best modify best.
  const McppConfig r = mcpp_preset("racing+k6");
  EXPECT_TRUE(r.racing);
  EXPECT_EQ(r.max_candidates, 2048);
  EXPECT_EQ(mcpp_preset("best+cap2048").max_candidates, 2048);
  EXPECT_TRUE(mcpp_preset("best+cap2048").racing);
  const McppConfig rm = mcpp_preset("faithful+rmax1024");
  EXPECT_TRUE(rm.racing);
  EXPECT_EQ(rm.racing_max, 1024);
}

TEST(McppPreset, ThePlannersNameSpellsItsConfiguration) {
  const FlatWorkflow flat = FlatWorkflow::compile(independent(1, 1));
  EXPECT_EQ(McppPlanner(flat, mcpp_preset("faithful")).name(), "mcpp");
  EXPECT_EQ(McppPlanner(flat, mcpp_preset("best")).name(), "mcpp+racing+k6+cap260");
  EXPECT_EQ(McppPlanner(flat, mcpp_preset("faithful+crn+M16+reuse3+refresh4")).name(), "mcpp+crn+M16+reuse3+refresh4");
}

TEST(McppPreset, BadSpecsAreRejectedNamingThePart) {
  auto message = [](const std::string& spec) {
    try {
      mcpp_preset(spec);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("bogus").find("unknown part \"bogus\""), std::string::npos) << message("bogus");
  EXPECT_NE(message("faithful+cap0").find("\"cap0\" needs an integer capN"), std::string::npos) << message("faithful+cap0");
  EXPECT_NE(message("faithful+capx").find("capN"), std::string::npos);
  EXPECT_NE(message("faithful+M").find("MN"), std::string::npos);
  EXPECT_NE(message("faithful+M12x").find("MN"), std::string::npos);
  EXPECT_NE(message("racing+best").find("must come first"), std::string::npos);
  EXPECT_NE(message("").find("empty part"), std::string::npos);
  EXPECT_NE(message("best+").find("empty part"), std::string::npos);
}

}  // namespace
}  // namespace concord
