// The embedded cluster on a virtual clock is the simulator: for the same seed, the same report,
// sample by sample (runtime semantics). Each sample draws from exec::sample_seed(seed, subtask,
// attempt, j) wherever it runs; the virtual clock delivers every event of an instant before the
// workflow decides, as the simulator's loop does. Any rule that one of them changes (a draw, a
// charge, the in-flight view a policy sees, the order of events at one instant) breaks this.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "embedded_cluster.hpp"
#include "model/workflow_json.hpp"
#include "plan/mcpp_planner.hpp"
#include "plan/simple_policies.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"

namespace concord::actors {
namespace {

std::shared_ptr<const FlatWorkflow> example(const std::string& name) {
  const std::string path = std::string(CONCORD_EXAMPLES_DIR) + "/" + name;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(parse_workflow_json(text.str(), path)));
}

/// A cheap MCPP (few rollouts, two k levels): the same code paths as the default, in test time.
McppConfig small_mcpp() {
  McppConfig c;
  c.k_levels = {1, 4};
  c.rollouts = 6;
  c.max_candidates = 12;
  c.threads = 1;
  return c;
}

void expect_same_attempt(const AttemptTrace& s, const AttemptTrace& c, std::size_t i) {
  SCOPED_TRACE(::testing::Message() << "batch " << i);
  EXPECT_EQ(s.subtask, c.subtask);
  EXPECT_EQ(s.attempt, c.attempt);
  EXPECT_EQ(s.model, c.model);
  EXPECT_EQ(s.k, c.k);
  EXPECT_EQ(s.start_s, c.start_s);  // exact: the same instants
  EXPECT_EQ(s.end_s, c.end_s);
  EXPECT_EQ(s.successes, c.successes);
  EXPECT_EQ(s.failures, c.failures);
  EXPECT_EQ(s.truncated, c.truncated);
  EXPECT_EQ(s.cancelled, c.cancelled);
  EXPECT_EQ(s.cost, c.cost);
  EXPECT_EQ(s.finished, c.finished);
  EXPECT_EQ(s.succeeded, c.succeeded);
}

/// Runs `seeds` seeds of `file` through the simulator and the virtual-time cluster with fresh
/// policies from `make`, budget and deadline cycling through tight and roomy multiples of the
/// nominal ones (so that runs end for every reason), and compares the reports field by field.
/// Returns how many runs ended for each reason.
template <class MakePolicy>
std::map<EndReason, int> expect_cluster_is_simulator(const std::string& file, int seeds, MakePolicy make) {
  const auto wf = example(file);
  const Money nominal_budget_pd = nominal_budget(*wf);
  const double nominal_deadline = nominal_deadline_s(*wf);
  const double budget_factor[] = {0.04, 0.1, 0.25, 1.0};
  const double deadline_factor[] = {3.0, 0.25, 0.5, 0.35, 1.0};
  ClusterOptions co;
  co.virtual_time = true;
  EmbeddedCluster cluster(wf, co);  // one cluster for every run: a run must not depend on the ones before
  Simulator sim(*wf);
  std::map<EndReason, int> reasons;
  for (int i = 0; i < seeds; ++i) {
    EpisodeConfig cfg;
    cfg.semantics = Semantics::runtime;
    cfg.seed = derive_seed(2026, static_cast<std::uint64_t>(i));
    cfg.budget = static_cast<Money>(static_cast<double>(nominal_budget_pd) * budget_factor[i % 4]);
    cfg.deadline_s = nominal_deadline * deadline_factor[i % 5];
    auto sim_policy = make();
    const EpisodeResult s = sim.run(*sim_policy, cfg);
    const ClusterRun c = cluster.run(make(), cfg);
    SCOPED_TRACE(::testing::Message() << file << " seed #" << i << ": simulator " << to_string(s.reason) << ", cluster "
                                      << to_string(c.result.reason) << " " << c.detail);
    ++reasons[s.reason];
    EXPECT_EQ(s.reason, c.result.reason);
    EXPECT_EQ(s.completed, c.result.completed);
    EXPECT_EQ(s.makespan_s, c.result.makespan_s);
    EXPECT_EQ(s.spend, c.result.spend);
    EXPECT_EQ(s.subtasks_done, c.result.subtasks_done);
    EXPECT_EQ(s.decisions, c.result.decisions);
    EXPECT_EQ(s.attempts.size(), c.result.attempts.size());
    for (std::size_t b = 0; b < std::min(s.attempts.size(), c.result.attempts.size()); ++b)
      expect_same_attempt(s.attempts[b], c.result.attempts[b], b);
    EXPECT_EQ(c.ledger, (std::vector<Money>{cfg.budget, c.result.spend, 0}));  // committed = the report, nothing reserved
    if (::testing::Test::HasFailure()) break;  // one seed's story is enough to read
  }
  return reasons;
}

constexpr int kSeeds = 200;

std::string reasons_text(const std::map<EndReason, int>& r) {
  std::string out;
  for (const auto& [reason, n] : r) out += std::string(to_string(reason)) + " " + std::to_string(n) + "  ";
  return out;
}

TEST(ClusterIsSimulator, GreedyOnEveryExample) {
  std::set<EndReason> all;
  for (const char* file : {"proofflow-euler.json", "codeflow-color.json", "research-agent.json"}) {
    const auto reasons = expect_cluster_is_simulator(file, kSeeds, [] { return std::make_shared<GreedyPolicy>(); });
    std::printf("%s, greedy: %s\n", file, reasons_text(reasons).c_str());
    for (const auto& [r, n] : reasons) all.insert(r);
    if (HasFailure()) return;
  }
  // The budgets and deadlines above end runs in every way a run of these examples can end.
  EXPECT_TRUE(all.count(EndReason::completed));
  EXPECT_TRUE(all.count(EndReason::deadline_exhausted));
  EXPECT_TRUE(all.count(EndReason::budget_exhausted));
}

TEST(ClusterIsSimulator, McppOnEveryExample) {
  std::set<EndReason> all;
  for (const char* file : {"proofflow-euler.json", "codeflow-color.json", "research-agent.json"}) {
    const auto wf = example(file);
    const auto reasons = expect_cluster_is_simulator(file, kSeeds, [&] { return std::make_shared<McppPlanner>(*wf, small_mcpp()); });
    std::printf("%s, mcpp: %s\n", file, reasons_text(reasons).c_str());
    for (const auto& [r, n] : reasons) all.insert(r);
    if (HasFailure()) return;
  }
  EXPECT_TRUE(all.count(EndReason::completed));
  EXPECT_TRUE(all.count(EndReason::deadline_exhausted));
  EXPECT_TRUE(all.count(EndReason::budget_exhausted));
}

}  // namespace
}  // namespace concord::actors
