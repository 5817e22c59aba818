// The bench grid (bench/grid.hpp, bench/report.hpp) on tiny workflows: how cells
// are judged, aggregated (Wilson bounds, best baseline), and written (CSV).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "eval/grid.hpp"
#include "eval/report.hpp"
#include "model/validate.hpp"
#include "sim/nominal.hpp"
#include "test_support.hpp"

namespace concord::bench {
namespace {

using ::testing::HasSubstr;
using concord::testing::model;
using concord::testing::subtask;

// One subtask that always succeeds in exactly 5 s with 100 tokens at 1 $/1M tokens (1e8 pico).
BenchWorkflow certain() {
  Workflow wf;
  wf.name = "certain";
  wf.models = {model("m", 1.0)};
  wf.subtasks = {subtask("a", {}, "m", {{5.0, true, 100}})};
  validate_workflow(wf, "test");
  return make_bench_workflow(wf.name, FlatWorkflow::compile(wf));
}

// a -> b, both coin flips with two latencies: outcomes vary by seed.
BenchWorkflow coin() {
  Workflow wf;
  wf.name = "coin";
  wf.models = {model("m", 1.0), model("n", 3.0)};
  std::vector<Sample> s{{1.0, true, 100}, {3.0, false, 100}, {2.0, true, 50}, {4.0, false, 150}};
  wf.subtasks = {subtask("a", {}, "m", s), subtask("b", {"a"}, "m", s)};
  for (auto& st : wf.subtasks) st.profiles["n"].samples = s;
  validate_workflow(wf, "test");
  return make_bench_workflow(wf.name, FlatWorkflow::compile(wf));
}

BenchConfig baselines_only(std::vector<BaselineSpec> specs, Axis budgets, Axis deadlines, int trials) {
  BenchConfig c;
  c.run_mcpp = false;
  c.baselines = std::move(specs);
  c.budgets = std::move(budgets);
  c.deadlines = std::move(deadlines);
  c.trials = trials;
  return c;
}

TEST(BenchGrid, TimingStatsUseNearestRank) {
  std::vector<double> v;
  for (int i = 20; i >= 1; --i) v.push_back(i);
  const TimingStats t = timing_stats(v);
  EXPECT_EQ(t.count, 20);
  EXPECT_DOUBLE_EQ(t.mean_s, 10.5);
  EXPECT_DOUBLE_EQ(t.p50_s, 10);  // ceil(0.5 * 20) = 10th smallest
  EXPECT_DOUBLE_EQ(t.p95_s, 19);  // ceil(0.95 * 20) = 19th
  EXPECT_DOUBLE_EQ(t.max_s, 20);
  std::vector<double> none;
  EXPECT_EQ(timing_stats(none).count, 0);
}

TEST(BenchGrid, BestBaselineIsTheHighestRateWithTiesToTheFirst) {
  Cell c;
  // 2 specs x 2 models, baseline-major.
  for (int s : {3, 7, 7, 5}) c.baselines.push_back({BaselineSpec{}, "m", wilson_interval(s, 10)});
  pick_best(c, 2, 2);
  EXPECT_EQ(c.best_baseline, 1);  // 7 at index 1 beats the tie at index 2
  EXPECT_EQ(c.best_model_of, (std::vector<int>{1, 2}));
  c.has_mcpp = true;
  c.mcpp = wilson_interval(9, 10);
  EXPECT_NEAR(c.gain(), 0.2, 1e-12);
}

TEST(BenchGrid, AxesResolveAgainstTheNominalValues) {
  const BenchWorkflow w = coin();
  EXPECT_EQ(w.nominal_budget, nominal_budget(w.flat));
  const Axis ratio{true, {0.5, 2.0}};
  EXPECT_EQ(budget_for(ratio, 1, w), 2 * w.nominal_budget);
  EXPECT_DOUBLE_EQ(deadline_for(ratio, 0, w), 0.5 * w.nominal_deadline_s);
  const Axis abs{false, {0.25, 30.0}};
  EXPECT_EQ(budget_for(abs, 0, w), money_from_dollars(0.25));
  EXPECT_DOUBLE_EQ(deadline_for(abs, 1, w), 30.0);
}

TEST(BenchGrid, BaselinesRunWithoutDeadlineAndAreJudgedByMakespan) {
  // Makespan is exactly 5 s: success at D = 6, failure at D = 4, whatever the trial.
  const auto r = run_bench({certain()}, baselines_only({{BaselineKind::sequential, 1}, {BaselineKind::uniform}},
                                                      Axis{false, {1.0}}, Axis{false, {4.0, 6.0}}, 7));
  ASSERT_EQ(r.cells.size(), 2u);
  EXPECT_EQ(r.models, (std::vector<std::string>{"m"}));
  EXPECT_EQ(r.trials_per_cell, 7);
  for (const auto& b : r.cell(0, 0).baselines) EXPECT_EQ(b.p.successes, 0);
  for (const auto& b : r.cell(0, 1).baselines) EXPECT_EQ(b.p.successes, 7);
  EXPECT_EQ(r.cell(0, 1).best_baseline, 0);  // tie: the first
  const Proportion w = wilson_interval(7, 7);
  EXPECT_DOUBLE_EQ(r.cell(0, 1).baselines[0].p.lower, w.lower);
  EXPECT_DOUBLE_EQ(r.cell(0, 1).baselines[0].p.upper, w.upper);
}

TEST(BenchGrid, ResultsDoNotDependOnTheThreadCount) {
  BenchConfig c = baselines_only(all_baselines(), Axis{true, {0.3, 1.0}}, Axis{true, {0.5, 1.5}}, 40);
  c.threads = 1;
  const auto one = run_bench({coin(), coin()}, c);
  c.threads = 2;
  const auto two = run_bench({coin(), coin()}, c);
  ASSERT_EQ(one.cells.size(), two.cells.size());
  bool varied = false;
  for (std::size_t i = 0; i < one.cells.size(); ++i)
    for (std::size_t k = 0; k < one.cells[i].baselines.size(); ++k) {
      EXPECT_EQ(one.cells[i].baselines[k].p.successes, two.cells[i].baselines[k].p.successes);
      const int s = one.cells[i].baselines[k].p.successes;
      varied = varied || (s > 0 && s < one.trials_per_cell);
    }
  EXPECT_TRUE(varied) << "the workflow should give outcomes that vary by seed";
  EXPECT_EQ(format_csv(one, "coin"), format_csv(two, "coin"));
}

TEST(BenchGrid, McppRunsWithTheDeadlineAndReportsDecisionTimes) {
  BenchConfig c = baselines_only({{BaselineKind::sequential, 1}}, Axis{false, {1.0}}, Axis{false, {4.0, 6.0}}, 3);
  c.run_mcpp = true;
  c.mcpp.rollouts = 8;
  const auto r = run_bench({certain()}, c);
  EXPECT_TRUE(r.cell(0, 0).has_mcpp);
  EXPECT_EQ(r.cell(0, 0).mcpp.successes, 0);  // 5 s never fits in 4 s
  EXPECT_EQ(r.cell(0, 1).mcpp.successes, 3);
  EXPECT_GT(r.mcpp_decisions.count, 0);
  EXPECT_GE(r.mcpp_decisions.p95_s, r.mcpp_decisions.p50_s);
  EXPECT_DOUBLE_EQ(r.cell(0, 1).gain(), 0.0);
}

TEST(BenchGrid, PerWorkflowMcppResultsAddUpToTheCells) {
  BenchConfig c = baselines_only({}, Axis{false, {1.0}}, Axis{false, {4.0, 6.0}}, 3);
  c.run_mcpp = true;
  c.mcpp.rollouts = 8;
  const auto r = run_bench({certain(), coin()}, c);
  for (const Cell& cell : r.cells) {
    ASSERT_EQ(cell.mcpp_by_workflow.size(), 2u);
    EXPECT_EQ(cell.mcpp_by_workflow[0] + cell.mcpp_by_workflow[1], cell.mcpp.successes);
  }
  EXPECT_EQ(r.cell(0, 0).mcpp_by_workflow[0], 0);  // certain(): 5 s never fits in 4 s
  EXPECT_EQ(r.cell(0, 1).mcpp_by_workflow[0], 3);
  const std::string csv = format_workflow_csv(r, "w");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 2);  // header + cells x workflows
  EXPECT_THAT(csv, HasSubstr(fmt::format("w,0,{},0,1,1,usd,6,s,mcpp,3,3", r.workflows[0])));
  EXPECT_EQ(format_workflow_csv(run_bench({coin()}, baselines_only({{BaselineKind::sequential, 1}}, Axis{false, {1.0}},
                                                                   Axis{false, {4.0}}, 2)),
                                "w"),
            "workload,workflow_index,workflow,budget_index,deadline_index,budget,budget_unit,deadline,deadline_unit,"
            "method,trials,successes\n");  // no MCPP: the header only
}

TEST(BenchGrid, CsvHasOneRowPerCellAndMethodWithWilsonBounds) {
  BenchConfig c = baselines_only({{BaselineKind::sequential, 2}, {BaselineKind::random}}, Axis{true, {0.5, 1.0}},
                                 Axis{true, {1.0}}, 25);
  const auto r = run_bench({coin()}, c);
  const std::string csv = format_csv(r, "coin");
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::string header;
  for (std::size_t i = 0; i < csv_columns().size(); ++i) header += (i ? "," : "") + csv_columns()[i];
  EXPECT_EQ(line, header);
  EXPECT_THAT(header, HasSubstr("wilson_lo,wilson_hi"));
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), static_cast<long>(csv_columns().size() - 1)) << line;
  }
  // 2 cells x (2 baselines x 2 models).
  EXPECT_EQ(rows, 2 * 2 * 2);
  const auto& b = r.cell(1, 0).baselines[0];
  const Proportion w = wilson_interval(b.p.successes, 25);
  EXPECT_THAT(csv, HasSubstr(fmt::format("coin,1,0,1,x_nominal,1,x_nominal,sequential_2,m,25,{},{:.6f},{:.6f},{:.6f}",
                                         b.p.successes, w.rate(), w.lower, w.upper)));
}

TEST(BenchGrid, TableShowsEveryCell) {
  BenchConfig c = baselines_only({{BaselineKind::uniform}}, Axis{true, {0.5, 1.0}}, Axis{false, {3.0, 9.0}}, 5);
  c.run_mcpp = true;
  c.mcpp.rollouts = 4;
  const auto r = run_bench({coin()}, c);
  const std::string t = format_table(r);
  EXPECT_THAT(t, HasSubstr("MCPP"));
  EXPECT_THAT(t, HasSubstr("best baseline"));
  EXPECT_THAT(t, HasSubstr("uniform@"));
  EXPECT_THAT(t, HasSubstr("gain"));
  EXPECT_THAT(t, HasSubstr("0.5x"));
  EXPECT_THAT(t, HasSubstr("9s"));
}

}  // namespace
}  // namespace concord::bench
