// Evaluations of the beacon selector (docs/routing.md): RFC 4180 parsing and the
// RouterBench loader, replay invariants, and the worker-pool shock targets on
// fixed seeds (deterministic, not timed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/input_error.hpp"
#include "eval/csv.hpp"
#include "eval/pool_sim.hpp"
#include "eval/recovery.hpp"
#include "eval/replay_eval.hpp"
#include "eval/routerbench.hpp"
#include "test_support.hpp"

namespace {

using namespace concord;
using namespace concord::route;

TEST(RouteCsv, ParsesQuotedMultiLineFieldsDoubledQuotesAndCrlf) {
  const std::string text = "a,b,c\r\n1,\"x, \"\"y\"\"\nz\",\r\n\"\",2,3";
  const auto rows = parse_csv(text, "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (CsvRecord{"a", "b", "c"}));
  EXPECT_EQ(rows[1], (CsvRecord{"1", "x, \"y\"\nz", ""}));
  EXPECT_EQ(rows[2], (CsvRecord{"", "2", "3"}));
}

TEST(RouteCsv, MalformedInputNamesTheRecordAndReason) {
  try {
    parse_csv("a,b\n1,\"open\n2,3\n", "bad.csv");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), "bad.csv");
    EXPECT_EQ(e.issues()[0].field, "record 2 (line 2)");
    EXPECT_EQ(e.issues()[0].reason, "unterminated quoted field");
  }
  EXPECT_THROW(parse_csv("a,b\n1,x\"y\n", "bad.csv"), InputError);
  EXPECT_THROW(parse_csv("a,b\n\"1\"x,2\n", "bad.csv"), InputError);
  EXPECT_THROW(read_csv_file("/nonexistent/file.csv"), InputError);
}

TEST(RouteRouterBench, LoadsBothSplitsWithElevenModelsAndRealCosts) {
  const auto train = load_routerbench(concord::testing::datasets_dir(), "train");
  const auto test = load_routerbench(concord::testing::datasets_dir(), "test");
  EXPECT_EQ(train.models.size(), 11u);
  EXPECT_EQ(train.queries.size(), 1039u + 299u);
  EXPECT_EQ(test.queries.size(), 445u + 128u);
  // The first MBPP train row (see the file): correct for the first 7 models, costs > 0.
  const auto& q = train.queries[1039];
  EXPECT_EQ(q.sample_id, "mbpp.dev.92");
  EXPECT_EQ(q.dataset, "mbpp");
  EXPECT_EQ(q.correct[0], 1.0);
  EXPECT_EQ(q.correct[10], 0.0);
  for (double c : q.cost_usd) EXPECT_GT(c, 0.0);
  EXPECT_GT(train.missing_outcomes, 0u);  // a few empty ARC cells, counted as incorrect
}

TEST(RouteRouterBench, MissingFileIsAnInputErrorNamingIt) {
  EXPECT_THROW(load_routerbench("/nonexistent", "train"), InputError);
}

/// Writes `text` to a file of its own; the message of the InputError reading it raises ("" if none).
std::string load_error(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  try {
    load_routerbench_file(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

constexpr const char* kHeader = ",sample_id,prompt,eval_name,m1,m2,m1|total_cost,m2|total_cost,m1|model_response,m2|model_response\n";

TEST(RouteRouterBench, EverySplitPairInTheFolderIsReadWhateverItsName) {
  const std::string dir = ::testing::TempDir() + "/rb-any";
  std::filesystem::create_directories(dir + "/routerbench");
  for (const char* name : {"gsm8k", "hellaswag"})
    for (const char* split : {"train", "test"})
      std::ofstream(dir + "/routerbench/" + name + "_" + split + ".csv") << kHeader << "0,q,p," << name << ",0.5,1,0.001,0.002,a,b\n";
  const auto train = load_routerbench(dir, "train");
  const auto test = load_routerbench(dir, "test");
  EXPECT_EQ(train.datasets, (std::vector<std::string>{"gsm8k", "hellaswag"}));
  EXPECT_EQ(train.queries.size(), 2u);
  EXPECT_NO_THROW(check_train_test(train, test, dir));
  // A train file without its test file, and models that differ, are refused naming the file.
  std::filesystem::remove(dir + "/routerbench/hellaswag_test.csv");
  try {
    check_train_test(train, load_routerbench(dir, "test"), dir);
    ADD_FAILURE() << "a missing test file was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("hellaswag_test.csv"), std::string::npos) << e.what();
  }
  std::ofstream(dir + "/routerbench/hellaswag_test.csv")
      << ",sample_id,prompt,eval_name,m1,m3,m1|total_cost,m3|total_cost\n0,q,p,h,1,0,0.1,0.1\n";
  EXPECT_THROW(load_routerbench(dir, "test"), InputError);  // its models differ from gsm8k_test's
}

TEST(RouteRouterBench, OnlyTheNamedSplitsAreReadAndAnUnknownNameIsRefusedNamingIt) {
  const std::string dir = ::testing::TempDir() + "/rb-only";
  std::filesystem::create_directories(dir + "/routerbench");
  for (const char* name : {"gsm8k", "hellaswag", "mmlu"})
    for (const char* split : {"train", "test"})
      std::ofstream(dir + "/routerbench/" + name + "_" + split + ".csv") << kHeader << "0,q,p," << name << ",0.5,1,0.001,0.002,a,b\n";
  const auto d = load_routerbench(dir, "train", {"mmlu", "gsm8k"});
  EXPECT_EQ(d.datasets, (std::vector<std::string>{"gsm8k", "mmlu"}));
  EXPECT_EQ(d.queries.size(), 2u);
  try {
    load_routerbench(dir, "train", {"gsm8k", "nosuch"});
    ADD_FAILURE() << "an unknown split was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nosuch_train.csv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("split \"nosuch\""), std::string::npos) << e.what();
  }
}

TEST(RouteRouterBench, GradedScoresInZeroOneAreAccepted) {
  const std::string path = ::testing::TempDir() + "/graded.csv";
  std::ofstream(path) << kHeader << "0,q1,p,gsm8k,0.25,1,0.001,0.002,a,b\n1,q2,p,gsm8k,0.5,0,0.001,0.002,a,b\n";
  const auto d = load_routerbench_file(path);
  ASSERT_EQ(d.queries.size(), 2u);
  EXPECT_EQ(d.queries[0].correct[0], 0.25);
  EXPECT_EQ(d.queries[1].correct[0], 0.5);
  EXPECT_EQ(d.queries[0].dataset, "gsm8k");
}

TEST(RouteRouterBench, EachBadFileIsRefusedNamingFileColumnAndModel) {
  // A model whose cost column is missing is not dropped without a word.
  const std::string no_cost = load_error("no_cost.csv",
      ",sample_id,prompt,eval_name,m1,m2,m1|total_cost,m1|model_response,m2|model_response\n0,q,p,d,1,0,0.1,a,b\n");
  EXPECT_NE(no_cost.find("no_cost.csv"), std::string::npos) << no_cost;
  EXPECT_NE(no_cost.find("model \"m2\" has no column \"m2|total_cost\""), std::string::npos) << no_cost;
  // An empty split.
  const std::string empty = load_error("empty_test.csv", kHeader);
  EXPECT_NE(empty.find("no query"), std::string::npos) << empty;
  // A score outside [0, 1], named by record and model.
  const std::string score = load_error("score.csv", std::string(kHeader) + "0,q,p,d,1.5,0,0.1,0.1,a,b\n");
  EXPECT_NE(score.find("record 2 column \"m1\""), std::string::npos) << score;
  EXPECT_NE(score.find("expected a score in [0, 1], got \"1.5\""), std::string::npos) << score;
}

TEST(RouteReplay, OracleHasZeroRegretAndTheLearnedRouterBeatsRandomDeterministically) {
  const auto train = load_routerbench(concord::testing::datasets_dir(), "train");
  const auto test = load_routerbench(concord::testing::datasets_dir(), "test");
  ReplayConfig cfg;
  cfg.lambdas = {0, 50};
  const auto a = run_replay(train, test, cfg);
  const auto b = run_replay(train, test, cfg);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].policy, b.rows[i].policy);
    EXPECT_EQ(a.rows[i].regret, b.rows[i].regret);  // same seed, same result, bit for bit
  }
  auto find = [&](double lambda, const std::string& split, const std::string& prefix) {
    for (const auto& r : a.rows)
      if (r.lambda == lambda && r.split == split && r.policy.rfind(prefix, 0) == 0) return r;
    ADD_FAILURE() << prefix;
    return ReplayRow{};
  };
  for (double l : cfg.lambdas)
    for (const char* split : {"train (online)", "test (frozen)"}) {
      EXPECT_NEAR(find(l, split, "oracle").regret, 0.0, 1e-9);
      EXPECT_LT(find(l, split, "linucb-disjoint").regret, find(l, split, "random").regret);
      // Best single model in hindsight is at least as good as every single model.
      const double best = find(l, split, "best-single").reward;
      for (const auto& r : a.rows)
        if (r.lambda == l && r.split == split && r.policy.rfind("single: ", 0) == 0) {
          EXPECT_LE(r.reward, best + 1e-9);
        }
    }
}

TEST(RouteReplay, NothingFittedDependsOnTheTestSplit) {
  // The featurizer, the warm starts, their cross-validated hyperparameters and every online
  // learner see the train split only: changing every test prompt and outcome changes no
  // train-phase figure and no validation choice.
  const auto train = load_routerbench(concord::testing::datasets_dir(), "train");
  const auto test = load_routerbench(concord::testing::datasets_dir(), "test");
  RouterBenchData other = test;
  for (auto& q : other.queries) {
    q.prompt = "['" + std::string(q.prompt.rbegin(), q.prompt.rend()) + " only-in-test']";
    for (auto& c : q.correct) c = 1.0 - c;
  }
  ReplayConfig cfg;
  cfg.lambdas = {20};
  EXPECT_EQ(fit_replay_featurizer(train, cfg).fingerprint(), fit_replay_featurizer(train, cfg).fingerprint());
  const auto a = run_replay(train, test, cfg);
  const auto b = run_replay(train, other, cfg);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    if (a.rows[i].split != "train (online)") continue;  // (hindsight policies' names quote the test's best model)
    EXPECT_EQ(a.rows[i].reward, b.rows[i].reward) << a.rows[i].policy;
    EXPECT_EQ(a.rows[i].picks, b.rows[i].picks) << a.rows[i].policy;
  }
  ASSERT_EQ(a.validation.size(), b.validation.size());
  for (std::size_t i = 0; i < a.validation.size(); ++i) {
    EXPECT_EQ(a.validation[i].text_weight, b.validation[i].text_weight);
    EXPECT_EQ(a.validation[i].arm_ridge, b.validation[i].arm_ridge);
    EXPECT_EQ(a.validation[i].validation_reward, b.validation[i].validation_reward);
  }
}

TEST(RouteReplay, AnyNumberOfDatasetsWithGradedScoresGetsThePerDatasetBestModel) {
  // Three splits; m1 is best on "a", m2 on "b" (graded 0.5 vs 0), on "c" both score 1 and m2 is cheaper.
  const std::string dir = ::testing::TempDir() + "/rb-three";
  std::filesystem::create_directories(dir + "/routerbench");
  const std::vector<std::string> vocab = {"ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay"};
  for (const char* name : {"a", "b", "c"})
    for (const char* split : {"train", "test"}) {
      std::ofstream f(dir + "/routerbench/" + name + "_" + split + ".csv");
      f << kHeader;
      const int rows = std::string(split) == "train" ? 20 : 8;
      for (int i = 0; i < rows; ++i) {
        const std::string s1 = name == std::string("a") ? "1" : name == std::string("b") ? "0" : "1";
        const std::string s2 = name == std::string("a") ? "0.25" : name == std::string("b") ? "0.5" : "1";
        f << i << "," << name << i << ",['" << name << " task " << vocab[static_cast<std::size_t>(i) % vocab.size()] << "']," << name
          << "," << s1 << "," << s2 << ",0.001,0.0005,x,y\n";
      }
    }
  const auto train = load_routerbench(dir, "train");
  const auto test = load_routerbench(dir, "test");
  ReplayConfig cfg;
  cfg.lambdas = {0, 50};
  const auto rep = run_replay(train, test, cfg);
  EXPECT_EQ(rep.datasets, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rep.feature_dim, 2 + 3 + cfg.features.projection_dim);
  for (double l : cfg.lambdas) {
    const ReplayRow* concord = nullptr;
    const ReplayRow* per_ds = nullptr;
    for (const auto& r : rep.rows)
      if (r.lambda == l && r.split == "test (frozen)") {
        if (r.policy.rfind("concord", 0) == 0) concord = &r;
        if (r.policy.rfind("per-dataset best", 0) == 0) per_ds = &r;
      }
    ASSERT_TRUE(concord && per_ds);
    EXPECT_GE(concord->reward, per_ds->reward - 1e-12) << "lambda " << l;
    if (l > 0) EXPECT_EQ(concord->picks, (std::vector<std::size_t>{8, 16}));  // a -> m1; b, c -> m2 (cheaper)
  }
}

TEST(RouteReplay, ASplitWithFewerTrainRowsThanFoldsStillRuns) {
  const std::string dir = ::testing::TempDir() + "/rb-tiny";
  std::filesystem::create_directories(dir + "/routerbench");
  for (const char* split : {"train", "test"}) {
    std::ofstream f(dir + "/routerbench/tiny_" + split + ".csv");
    f << kHeader;
    const int rows = std::string(split) == "train" ? 3 : 2;
    for (int i = 0; i < rows; ++i) f << i << ",q" << i << ",['word" << i << "'],tiny,1,0,0.001,0.002,a,b\n";
  }
  ReplayConfig cfg;
  cfg.lambdas = {0};
  EXPECT_NO_THROW(run_replay(load_routerbench(dir, "train"), load_routerbench(dir, "test"), cfg));
  std::ofstream(dir + "/routerbench/tiny_train.csv") << kHeader << "0,q,['w'],tiny,1,0,0.001,0.002,a,b\n";
  EXPECT_NO_THROW(run_replay(load_routerbench(dir, "train"), load_routerbench(dir, "test"), cfg));
}

TEST(RouteRecovery, RuleMeasuresDropAndFiftyConsecutiveTasksAboveNinetyPercent) {
  RecoveryRule rule;  // window 50, drop 0.08, 0.9 x pre-shock, streak 50, baseline 200
  std::vector<double> x(600, 1.0);
  for (std::size_t i = 300; i < 310; ++i) x[i] = 0.0;  // 10 failures right after the shock at 300
  const auto roll = rolling_mean(x, rule.window);
  const Recovery r = measure_recovery(x, roll, 300, rule);
  EXPECT_DOUBLE_EQ(r.pre_shock, 1.0);
  EXPECT_TRUE(r.dropped);
  EXPECT_DOUBLE_EQ(r.min_after, 0.8);
  // r[t] >= 0.9 once at most 5 of the failures are in the window: t >= 354.
  EXPECT_EQ(r.tasks_to_recover, 54);
  std::vector<double> y(600, 1.0);
  y[300] = 0;  // a single failure is no drop
  EXPECT_FALSE(measure_recovery(y, rolling_mean(y, 50), 300, rule).dropped);
}

// --- the worker-pool targets, on a fixed seed ----------------------------------------

PoolConfig pool() {
  PoolConfig pc;  // 36 workers over 6 models, shock at task 600 of 1200
  pc.seed = 1;
  pc.replicates = 50;
  return pc;
}

TEST(RoutePool, ADeadWorkerIsNeverChosenAfterOneBeaconTimeoutAndTheDropIsRecoveredWithin20Tasks) {
  const auto c = run_pool_scenario(pool(), concord_pool_policy(), Shock::worker_dies);
  EXPECT_EQ(c.dead_dispatches_after_timeout, 0);
  EXPECT_LE(c.recovery.tasks_to_recover, 20);
  EXPECT_GE(c.recovery.tasks_to_recover, 0);
  const auto ref = run_pool_scenario(pool(), reference_pool_policy(), Shock::worker_dies);
  EXPECT_GT(ref.dead_dispatches_after_timeout, 0);  // the reference keeps routing to the dead worker
  EXPECT_GT(c.success_after, ref.success_after);
}

TEST(RoutePool, ADegradedWorkerIsAbandonedWithin50Tasks) {
  const auto c = run_pool_scenario(pool(), concord_pool_policy(), Shock::worker_degrades);
  EXPECT_GE(c.recovery.tasks_to_recover, 0);
  EXPECT_LE(c.recovery.tasks_to_recover, 50);
  EXPECT_LE(median_tasks(c.tasks_to_recover), 50);
  EXPECT_GE(median_tasks(c.tasks_to_recover), 0);
}

TEST(RoutePool, ABetterWorkerIsAdoptedWithin100Tasks) {
  const auto c = run_pool_scenario(pool(), concord_pool_policy(), Shock::better_worker_joins);
  const long adopt = median_tasks(c.adoption_tasks);
  EXPECT_GE(adopt, 0);
  EXPECT_LE(adopt, 100);
  EXPECT_GT(c.success_after, c.success_before);
}

TEST(RoutePool, SameSeedSameResult) {
  PoolConfig pc = pool();
  pc.replicates = 3;
  const auto a = run_pool_scenario(pc, concord_pool_policy(), Shock::worker_degrades);
  const auto b = run_pool_scenario(pc, concord_pool_policy(), Shock::worker_degrades);
  EXPECT_EQ(a.mean_rolling.size(), b.mean_rolling.size());
  for (std::size_t i = 0; i < a.mean_rolling.size(); ++i)
    if (a.mean_rolling[i] == a.mean_rolling[i]) {
      EXPECT_EQ(a.mean_rolling[i], b.mean_rolling[i]);
    }
  EXPECT_EQ(a.cost_per_success, b.cost_per_success);
}

}  // namespace
