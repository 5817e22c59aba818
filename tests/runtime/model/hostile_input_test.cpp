// Reproducers of issue 9 ("broken promises under hostile input"), kept as regression
// tests: each either is refused by validation with a message naming the field, or runs
// to an end with 0 <= spend <= budget and a stated reason, in bounded work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "model/validate.hpp"
#include "model/workflow_json.hpp"
#include "plan/mcpp_planner.hpp"
#include "plan/policy_registry.hpp"
#include "plan/simple_policies.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json one_subtask(const json& model, const json& profile) {
  return json{{"format", "concord.workflow/1"},
              {"models", json::array({model})},
              {"subtasks", json::array({json{{"id", "a"}, {"profiles", {{"m", profile}}}}})}};
}
json priced(double usd = 1.0) { return json{{"id", "m"}, {"usd_per_mtok_out", usd}}; }
json samples(double latency, bool success, std::int64_t tokens) {
  return json{{"samples", json::array({json{{"latency_s", latency}, {"success", success}, {"output_tokens", tokens}}})}};
}

std::string error_of(const json& doc) {
  try {
    parse_workflow_json(doc.dump(), "wf.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

/// A chain t0 <- t1 <- ... <- t(n-1) with one cheap, reliable-enough model.
Workflow chain(int n, double p = 0.6) {
  Workflow wf;
  wf.models.push_back(testing::model("m", 1.0));
  wf.models.push_back(testing::model("n", 3.0));
  for (int i = 0; i < n; ++i) {
    Subtask s;
    s.id = "t" + std::to_string(i);
    if (i > 0) s.deps.push_back("t" + std::to_string(i - 1));
    s.profiles["m"].parametric = ParametricProfile{p, 2.0, 1.0, 100};
    s.profiles["n"].parametric = ParametricProfile{0.9, 4.0, 1.0, 100};
    wf.subtasks.push_back(std::move(s));
  }
  validate_workflow(wf, "chain");
  return wf;
}

/// One runtime episode of `policy` with the workflow's nominal budget and `deadline_s`.
EpisodeResult run_nominal(const FlatWorkflow& flat, Policy& policy, double deadline_s) {
  EpisodeConfig ec;
  ec.budget = nominal_budget(flat);
  ec.deadline_s = deadline_s;
  return Simulator(flat).run(policy, ec);
}

// -- 1. heap overflow above 64 subtasks ------------------------------------------------

TEST(HostileInput, SixtySixSubtasksWhereT65DependsOnT64Plan) {
  // Was: a 64-bit subtask set built for every workflow, written past its end (valgrind:
  // invalid read in McppPlanner::McppPlanner); chains of 127+ aborted in malloc.
  for (int n : {66, 127, 300}) {
    const Workflow wf = chain(n);
    const FlatWorkflow flat = FlatWorkflow::compile(wf);
    McppConfig cfg = mcpp_preset("best");
    cfg.work_budget = 1'000'000;
    McppPlanner planner(flat, cfg);
    const EpisodeResult r = run_nominal(flat, planner, 40);  // a handful of decisions
    EXPECT_GE(r.spend, 0) << n;
    EXPECT_LE(r.spend, nominal_budget(flat)) << n;
    EXPECT_GT(r.decisions, 1) << n;
    EXPECT_GT(r.subtasks_done, 0) << n;
    EXPECT_LT(r.subtasks_done, n) << n;
  }
}

TEST(HostileInput, TheLargestAcceptedWorkflowIsPlannedWithinItsWorkBudget) {
  const Workflow wf = chain(limits::kMaxSubtasks);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  McppConfig cfg = mcpp_preset("faithful");
  cfg.work_budget = 5'000'000;
  McppPlanner planner(flat, cfg);
  const EpisodeResult r = run_nominal(flat, planner, 60);  // a few decisions, then the deadline
  EXPECT_EQ(r.reason, EndReason::deadline_exhausted);
  EXPECT_LE(planner.last_decision().work, cfg.work_budget);
  EXPECT_TRUE(planner.last_decision().truncated);
  EXPECT_GE(planner.last_decision().candidates, 1);
}

// -- 2. overspend by overflow ----------------------------------------------------------

TEST(HostileInput, TokenCountsAndPricesBeyondTheirBoundsAreRefused) {
  json a = one_subtask(json{{"id", "m"}, {"usd_per_mtok_out", 1.0}, {"max_tokens", INT64_MAX}}, samples(1, true, 10));
  EXPECT_THAT(error_of(a), HasSubstr("models[0] \"m\".max_tokens: must be at most 100000000 (got 9223372036854775807)"));
  json b = one_subtask(priced(), samples(1, true, 1'000'000'000'000'000));
  EXPECT_THAT(error_of(b), HasSubstr("samples[0].output_tokens: must be at most 100000000"));
  json c = one_subtask(priced(), samples(1, true, std::int64_t{1} << 62));
  EXPECT_THAT(error_of(c), HasSubstr("samples[0].output_tokens: must be at most"));
  json d = one_subtask(priced(1e6), samples(1, true, 10));
  EXPECT_THAT(error_of(d), HasSubstr("usd_per_mtok_out: must be at most 10000 (got 1e+06)"));
  json e = one_subtask(priced(), samples(1, true, 10));
  e["subtasks"][0]["input_tokens"] = std::int64_t{1} << 40;
  EXPECT_THAT(error_of(e), HasSubstr("subtasks[0] \"a\".input_tokens: must be at most 100000000"));
  // Above INT64_MAX: named, not wrapped to -9223372036854775808.
  std::string text = one_subtask(priced(), samples(1, true, 10)).dump();
  const std::string from = "\"output_tokens\":10";
  text.replace(text.find(from), from.size(), "\"output_tokens\":18446744073709551615");
  try {
    parse_workflow_json(text, "wf.json");
    FAIL() << "accepted";
  } catch (const InputError& err) {
    EXPECT_THAT(std::string(err.what()), HasSubstr("integer too large (got 18446744073709551615"));
  }
}

/// Every accepted extreme runs to an end with 0 <= spend <= budget, on both semantics.
TEST(HostileInput, TheLargestAcceptedCostsNeverOverspend) {
  Workflow wf;
  ModelSpec m = testing::model("m", limits::kMaxUsdPerMtok, limits::kMaxTokens);
  m.usd_per_mtok_in = limits::kMaxUsdPerMtok;
  wf.models.push_back(m);
  for (int i = 0; i < 3; ++i) {
    Subtask s = testing::subtask("s" + std::to_string(i), {}, "m",
                                 {{1.0, false, limits::kMaxTokens}, {2.0, true, limits::kMaxTokens}});
    s.input_tokens = limits::kMaxTokens;
    wf.subtasks.push_back(std::move(s));
  }
  validate_workflow(wf, "extreme");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  EXPECT_EQ(flat.reservation(0, 0), 2 * limits::kMaxTokens * limits::kMaxPicoPerToken);  // 2e18, fits
  EXPECT_EQ(flat.batch_reservation(0, 0, 4096), INT64_MAX);                            // saturates
  for (const std::string policy : {"seq:m:64", "seq:m:1", "greedy", "mcpp:faithful+work1000", "mcpp:best+work1000"}) {
    for (Semantics sem : {Semantics::runtime, Semantics::reference}) {
      for (Money budget : {Money{0}, kMaxBudgetPico / 2, kMaxBudgetPico}) {
        auto p = make_policy(policy, flat, 3);
        EpisodeConfig ec;
        ec.semantics = sem;
        ec.budget = budget;
        ec.deadline_s = 100;
        const EpisodeResult r = Simulator(flat).run(*p, ec);
        EXPECT_GE(r.spend, 0) << policy;
        EXPECT_LE(r.spend, budget) << policy;
        for (const auto& a : r.attempts) EXPECT_GE(a.cost, 0) << policy;
      }
    }
  }
}

TEST(HostileInput, NominalBudgetOfHopelessSubtasksIsClampedNotNegative) {
  // Was: p <= ~1e-8 everywhere gave ceil(ln 0.05 / ln(1 - p)) x cost -> overflow, a negative
  // budget, and an exception in the cluster's ledger.
  Workflow wf = chain(5, 1e-9);
  for (auto& s : wf.subtasks) s.profiles.erase("n");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  EXPECT_EQ(nominal_budget(flat), kMaxBudgetPico);
  EXPECT_EQ(nominal_deadline_s(flat), limits::kMaxSeconds);
}

// -- 3. runs that never end -----------------------------------------------------------

TEST(HostileInput, ASubtaskNoModelCanEverCompleteEndsAtTheAttemptCap) {
  // The probe's file: one profile, one sample of latency 0, failure, 0 tokens (looped
  // forever). Accepted (synthetic workloads can draw all-failed sample sets), it now ends.
  const Workflow wf = parse_workflow_json(one_subtask(priced(), samples(0, false, 0)).dump(), "probe.json");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  EXPECT_EQ(nominal_budget(flat), 0);  // nothing it draws costs anything: a zero budget
  for (Semantics sem : {Semantics::runtime, Semantics::reference}) {
    // (MCPP too, through the CLI: tests/cli/run_control_test.cpp; 1000 decisions are slow for a unit test.)
    for (const std::string policy : {"seq:m:1", "seq:m:8", "greedy"}) {
      auto p = make_policy(policy, flat, 1);
      EpisodeConfig ec;
      ec.semantics = sem;
      ec.budget = money_from_dollars(1);  // the token cap (1 token) is reserved per sample
      ec.deadline_s = nominal_deadline_s(flat);
      const EpisodeResult r = Simulator(flat).run(*p, ec);
      EXPECT_EQ(r.reason, EndReason::attempts_exhausted) << policy;
      EXPECT_EQ(r.spend, 0);
    }
  }
}

TEST(HostileInput, ZeroTimeZeroCostFailuresEndAtTheAttemptCap) {
  // p = 1e-9, 1 ms, no tokens: no budget or deadline ever stops it; the attempt cap does.
  Workflow wf;
  wf.models.push_back(testing::model("m", 1.0));
  Subtask s;
  s.id = "a";
  s.profiles["m"].parametric = ParametricProfile{1e-9, 0.0, 0.0, 0.0};
  wf.subtasks.push_back(s);
  wf.subtasks.push_back(testing::subtask("b", {"a"}, "m", {{0.0, true, 0}}));
  validate_workflow(wf, "zero");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  for (Semantics sem : {Semantics::runtime, Semantics::reference}) {
    for (const std::string policy : {"seq:m:1", "seq:m:4", "greedy"}) {
      auto p = make_policy(policy, flat, 1);
      EpisodeConfig ec;
      ec.semantics = sem;
      ec.budget = money_from_dollars(1);
      ec.deadline_s = limits::kMaxSeconds;
      const EpisodeResult r = Simulator(flat).run(*p, ec);
      EXPECT_EQ(r.reason, EndReason::attempts_exhausted) << policy;
      EXPECT_EQ(static_cast<int>(r.attempts.size()), limits::kMaxAttemptsPerSubtask) << policy;
      EXPECT_LE(r.spend, ec.budget);
    }
  }
}

TEST(HostileInput, ZeroLatencySamplesThatCanSucceedComplete) {
  Workflow wf;
  wf.models.push_back(testing::model("m", 1.0));
  wf.subtasks.push_back(testing::subtask("a", {}, "m", {{0.0, false, 0}, {0.0, false, 0}, {0.0, true, 0}}));
  validate_workflow(wf, "zero");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  auto p = make_policy("seq:m:1", flat, 1);
  EpisodeConfig ec;
  ec.budget = money_from_dollars(1);
  ec.deadline_s = 10;
  const EpisodeResult r = Simulator(flat).run(*p, ec);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.makespan_s, 0.0);
}

TEST(HostileInput, AStopRequestEndsTheRunInterruptedWithEverythingSettled) {
  // a (1 s) and b (5 s) start together; the stop comes during the decision at t = 1 s,
  // while b's two samples run: they are cancelled and charged pro-rata, nothing new starts.
  Workflow wf;
  wf.models.push_back(testing::model("m", 1.0));
  wf.subtasks.push_back(testing::subtask("a", {}, "m", {{1.0, true, 100}}));
  wf.subtasks.push_back(testing::subtask("b", {}, "m", {{5.0, true, 100}}));
  wf.subtasks.push_back(testing::subtask("c", {"a"}, "m", {{1.0, true, 100}}));
  validate_workflow(wf, "stop");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  std::atomic<bool> stop{false};
  struct StopOnSecondDecision final : Policy {
    std::unique_ptr<Policy> inner;
    std::atomic<bool>* stop;
    int calls = 0;
    std::string name() const override { return inner->name(); }
    void decide(const SimState& s, Rng& r, std::vector<Assignment>& out) override {
      inner->decide(s, r, out);
      if (++calls == 2) stop->store(true);
    }
  };
  for (Semantics sem : {Semantics::runtime, Semantics::reference}) {
    stop.store(false);
    StopOnSecondDecision p;
    p.inner = make_policy("seq:m:2", flat, 1);
    p.stop = &stop;
    EpisodeConfig ec;
    ec.semantics = sem;
    ec.budget = money_from_dollars(1);
    ec.deadline_s = 1000;
    ec.stop = &stop;
    const EpisodeResult r = Simulator(flat).run(p, ec);
    EXPECT_EQ(r.reason, EndReason::interrupted);
    EXPECT_EQ(r.makespan_s, 1.0);
    ASSERT_EQ(r.attempts.size(), 2u);  // c was decided but not launched
    EXPECT_EQ(r.attempts[1].cancelled, sem == Semantics::runtime ? 2 : 0);
    Money total = 0;
    for (const auto& a : r.attempts) total += a.cost;
    EXPECT_EQ(total, r.spend);  // nothing left reserved: every sample settled
    if (sem == Semantics::runtime) {
      EXPECT_EQ(r.attempts[1].cost, 2 * 20 * flat.price_per_token(0));  // 1/5 of 100 tokens
    }
    EXPECT_LE(r.spend, ec.budget);
  }
}

// -- 4. unbounded planning time --------------------------------------------------------

TEST(HostileInput, DecisionsAreBoundedByTheWorkBudgetAndDeterministic) {
  const Workflow wf = chain(64);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  for (const std::string preset : {"faithful", "best"}) {
    McppConfig cfg = mcpp_preset(preset);
    cfg.work_budget = 3'000'000;
    std::vector<Assignment> first;
    for (int rep = 0; rep < 2; ++rep) {
      McppPlanner planner(flat, cfg);
      const EpisodeResult r = run_nominal(flat, planner, 5);  // one decision, then the deadline
      ASSERT_GE(r.decisions, 1);
      EXPECT_LE(planner.last_decision().work, cfg.work_budget) << preset;
      EXPECT_TRUE(planner.last_decision().truncated) << preset;
      std::vector<Assignment> got;
      for (const auto& a : r.attempts) got.push_back({a.subtask, a.model, a.k});
      if (rep == 0) first = got;
      else EXPECT_EQ(got, first) << preset << ": same seed, same decisions";
    }
  }
}

TEST(HostileInput, ADecisionCutShortWithNoSuccessfulRolloutReturnsTheGreedyAction) {
  // 64 subtasks in a chain, 5 s to do them: every rollout fails, and the work budget cuts the
  // decision short. Its first candidate would be arbitrary; it returns the greedy action.
  const Workflow wf = chain(64);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  SimState st;
  st.workflow = &flat;
  st.semantics = Semantics::runtime;
  st.budget = nominal_budget(flat);
  st.deadline_s = 5;
  std::vector<SubtaskStatus> status(64, SubtaskStatus::blocked);
  status[0] = SubtaskStatus::ready;
  const std::vector<int> attempts(64, 0), ready{0};
  st.status = status;
  st.attempts = attempts;
  st.dispatchable = ready;
  for (const std::string preset : {"faithful", "best"}) {
    McppConfig cfg = mcpp_preset(preset);
    cfg.work_budget = 3'000'000;
    McppPlanner planner(flat, cfg);
    std::vector<Assignment> got, greedy_action;
    Rng rng(1), rng2(1);
    planner.decide(st, rng, got);
    ASSERT_TRUE(planner.last_decision().truncated) << preset;
    EXPECT_EQ(planner.last_decision().best_q, 0.0) << preset;
    EXPECT_TRUE(planner.last_decision().fallback) << preset;
    GreedyPolicy().decide(st, rng2, greedy_action);
    EXPECT_EQ(got, greedy_action) << preset;
  }
}

TEST(HostileInput, SmallWorkflowsAreNotTouchedByTheDefaultBudget) {
  // The default budget is above every ProofFlow/CodeFlow decision: nothing is cut.
  const Workflow wf = chain(16);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  struct CountCuts final : Policy {  // every decision, not only the last
    McppPlanner planner;
    int decisions = 0, cut = 0;
    CountCuts(const FlatWorkflow& f, const std::string& preset) : planner(f, mcpp_preset(preset)) {}
    std::string name() const override { return planner.name(); }
    void decide(const SimState& s, Rng& r, std::vector<Assignment>& out) override {
      planner.decide(s, r, out);
      ++decisions;
      cut += planner.last_decision().truncated ? 1 : 0;
      cut += planner.last_decision().fallback ? 1 : 0;  // never without a cut
    }
  };
  for (const std::string preset : {"faithful", "best"}) {
    CountCuts policy(flat, preset);
    run_nominal(flat, policy, nominal_deadline_s(flat));
    EXPECT_GT(policy.decisions, 1) << preset;
    EXPECT_EQ(policy.cut, 0) << preset;
  }
}

TEST(HostileInput, AWallCapReturnsTheBestCandidateFoundSoFar) {
  const Workflow wf = chain(300);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  McppConfig cfg = mcpp_preset("faithful+wall1");
  cfg.work_budget = std::int64_t{1} << 40;  // only the wall cap limits it
  McppPlanner planner(flat, cfg);
  const EpisodeResult r = run_nominal(flat, planner, 5);
  EXPECT_GE(r.decisions, 1);
  EXPECT_TRUE(planner.last_decision().truncated);
  EXPECT_THAT(planner.name(), HasSubstr("+wall1"));
}

// -- 5. accepted input, wrong result --------------------------------------------------

TEST(HostileInput, TimesBeyondTheirBoundsAreRefused) {
  json a = one_subtask(priced(), json{{"parametric", {{"p_success", 0.5}, {"latency_mean_s", 1e308}, {"latency_std_s", 1},
                                                       {"output_tokens_mean", 10}}}});
  EXPECT_THAT(error_of(a), HasSubstr("parametric.latency_mean_s: must be at most 1e+07 (got 1e+308)"));
  json b = one_subtask(priced(), samples(1e9, true, 1));
  EXPECT_THAT(error_of(b), HasSubstr("samples[0].latency_s: must be at most 1e+07"));
  json c = one_subtask(priced(), samples(1, true, 1));
  c["deadline_s"] = 1e12;
  EXPECT_THAT(error_of(c), HasSubstr("wf.json: deadline_s: must be at most 1e+07"));
  json d = one_subtask(priced(), samples(1, true, 1));
  d["subtasks"][0]["layer"] = std::int64_t{1} << 40;
  EXPECT_THAT(error_of(d), HasSubstr("layer: out of range"));
}

TEST(HostileInput, APerSampleLaunchThatEndsPastTheDeadlineDoesNotComplete) {
  // Found by fuzz_episode: the baselines' per-sample launch has no launch-time deadline check,
  // and reported `completed` with a makespan past the deadline.
  Workflow wf;
  wf.models.push_back(testing::model("m", 1.0));
  wf.subtasks.push_back(testing::subtask("a", {}, "m", {{10.0, true, 5}}));
  validate_workflow(wf, "late");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  auto p = make_policy("seq:m:1", flat, 1);
  EpisodeConfig ec;
  ec.semantics = Semantics::reference;
  ec.atomic_launch = false;
  ec.budget = money_from_dollars(1);
  ec.deadline_s = 5;
  const EpisodeResult r = Simulator(flat).run(*p, ec);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.reason, EndReason::deadline_exhausted);
  EXPECT_EQ(r.makespan_s, 10.0);
}

TEST(HostileInput, TooManySubtasksAreRefusedByName) {
  Workflow wf = chain(3);
  wf.subtasks.resize(limits::kMaxSubtasks + 1, wf.subtasks[0]);
  for (std::size_t i = 0; i < wf.subtasks.size(); ++i) wf.subtasks[i] = wf.subtasks[0], wf.subtasks[i].id = "x" + std::to_string(i);
  std::string all;
  for (const auto& issue : find_workflow_issues(wf)) all += issue.field + ": " + issue.reason + "\n";
  EXPECT_THAT(all, HasSubstr("subtasks: 10001 subtasks: at most 10000 are accepted"));
}

}  // namespace
}  // namespace concord
