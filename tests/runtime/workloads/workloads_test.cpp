// Workload builders: ProofFlow / CodeFlow DAGs from the shared datasets with
// synthetic profiles (MCPP rollout statistics x model tiers).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/input_error.hpp"
#include "model/validate.hpp"
#include "test_support.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/datasets.hpp"
#include "workloads/model_tiers.hpp"
#include "workloads/proofflow.hpp"
#include "workloads/rollout_stats.hpp"

namespace concord {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

WorkloadOptions options(std::uint64_t seed = 1, int samples = 32) {
  WorkloadOptions o;
  o.datasets_dir = testing::datasets_dir();
  o.seed = seed;
  o.samples_per_profile = samples;
  return o;
}

std::string rollout_csv() { return testing::datasets_dir() + "/mcpp/example_rollout_stats.csv"; }

/// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  explicit TempDir(const std::string& tag)
      : path_(fs::temp_directory_path() / ("concord-workloads-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& rel, const std::string& text) const {
    const fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

/// The message of the InputError thrown by f, or "" (with a test failure) when none is.
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

// Shared across tests: building is cheap but not free.
const Workload& proofflow_seed1() {
  static const Workload w = build_proofflow(options());
  return w;
}

// ---------------------------------------------------------------- rollout stats

TEST(RolloutStats, ReadsAllFiveThousandRowsOfTheMcppFile) {
  const auto rows = read_rollout_stats(rollout_csv());
  ASSERT_EQ(rows.size(), 5000u);
  // First data line: 0.535,4.51,1.83,1251.8
  EXPECT_EQ(rows[0], (RolloutStat{0.535, 4.51, 1.83, 1251.8}));
  for (const auto& r : rows) {
    EXPECT_GE(r.success_prob, 0.0);
    EXPECT_LE(r.success_prob, 1.0);
    EXPECT_GE(r.lat_mean, 0.0);
    EXPECT_GE(r.lat_std, 0.0);
    EXPECT_GE(r.tokens_mean, 0.0);
  }
}

TEST(RolloutStats, LocatesColumnsByHeaderNameAndIgnoresExtraColumns) {
  TempDir dir("reorder");
  const auto path = dir.write("s.csv", "cost_mean, note ,lat_std,success_prob,lat_mean\r\n100,x,2,0.5,4\r\n\r\n");
  const auto rows = read_rollout_stats(path);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (RolloutStat{0.5, 4, 2, 100}));
}

TEST(RolloutStats, BadNumberNamesFileLineAndColumn) {
  TempDir dir("badnum");
  const auto path = dir.write("s.csv", "success_prob,lat_mean,lat_std,cost_mean\n0.5,4,2,100\n0.5,4.x,2,100\n");
  const auto msg = input_error_of([&] { read_rollout_stats(path); });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("line 3, column lat_mean"));
  EXPECT_THAT(msg, HasSubstr("expected a number, got \"4.x\""));
}

TEST(RolloutStats, MissingColumnNamesTheColumn) {
  TempDir dir("missing");
  const auto path = dir.write("s.csv", "success_prob,lat_mean,cost_mean\n0.5,4,100\n");
  const auto msg = input_error_of([&] { read_rollout_stats(path); });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("line 1, column lat_std"));
  EXPECT_THAT(msg, HasSubstr("missing column"));
}

TEST(RolloutStats, ProbabilityAboveOneIsRejected) {
  TempDir dir("p");
  const auto path = dir.write("s.csv", "success_prob,lat_mean,lat_std,cost_mean\n0.5,4,2,100\n\n1.25,4,2,100\n");
  const auto msg = input_error_of([&] { read_rollout_stats(path); });
  EXPECT_THAT(msg, HasSubstr("line 4, column success_prob"));
  EXPECT_THAT(msg, HasSubstr("[0, 1]"));
}

TEST(RolloutStats, NegativeShortRowAndMissingFileAreRejected) {
  TempDir dir("neg");
  const auto neg = dir.write("neg.csv", "success_prob,lat_mean,lat_std,cost_mean\n0.5,4,-2,100\n");
  EXPECT_THAT(input_error_of([&] { read_rollout_stats(neg); }), HasSubstr("line 2, column lat_std: must not be negative"));
  const auto shortrow = dir.write("short.csv", "success_prob,lat_mean,lat_std,cost_mean\n0.5,4,2\n");
  EXPECT_THAT(input_error_of([&] { read_rollout_stats(shortrow); }), HasSubstr("line 2: expected 4 fields"));
  const auto header_only = dir.write("empty.csv", "success_prob,lat_mean,lat_std,cost_mean\n");
  EXPECT_THAT(input_error_of([&] { read_rollout_stats(header_only); }), HasSubstr("no data rows"));
  EXPECT_THAT(input_error_of([&] { read_rollout_stats(dir.str() + "/nope.csv"); }), HasSubstr("cannot open file"));
}

// ---------------------------------------------------------------- model tiers

TEST(ModelTier, ApplyTierTransformsHandValues) {
  const RolloutStat base{0.5, 10.0, 2.0, 1000.0};
  const ModelTier tier{"m", 1.0, 2.0, 1.5, 0.5};
  const auto p = apply_tier(base, tier);
  EXPECT_DOUBLE_EQ(p.p_success, 0.75);  // 1 - 0.5^2
  EXPECT_DOUBLE_EQ(p.latency_mean_s, 15.0);
  EXPECT_DOUBLE_EQ(p.latency_std_s, 3.0);
  EXPECT_DOUBLE_EQ(p.output_tokens_mean, 500.0);

  const auto weak = apply_tier({0.36, 4.0, 1.0, 100.0}, {"w", 1.0, 0.5, 1.0, 1.0});
  EXPECT_DOUBLE_EQ(weak.p_success, 0.2);  // 1 - 0.64^0.5
  const auto same = apply_tier({0.3, 4.0, 1.0, 100.0}, {"x", 1.0, 1.0, 1.0, 1.0});
  EXPECT_DOUBLE_EQ(same.p_success, 0.3);
  EXPECT_DOUBLE_EQ(apply_tier({1.0, 1, 0, 1}, tier).p_success, 1.0);
  EXPECT_DOUBLE_EQ(apply_tier({0.0, 1, 0, 1}, tier).p_success, 0.0);
}

TEST(ModelTier, TierListsCarryThePaperPricesInOrder) {
  const auto pf = proofflow_tiers();
  ASSERT_EQ(pf.size(), 3u);
  EXPECT_EQ(pf[0], (ModelTier{"goedel32b", 2.8, 1.6, 1.6, 1.3}));
  EXPECT_EQ(pf[1], (ModelTier{"goedel8b", 0.7, 1.0, 1.0, 1.0}));
  EXPECT_EQ(pf[2], (ModelTier{"kimina7b", 0.5, 0.8, 0.85, 0.9}));
  const auto cf = codeflow_tiers();
  ASSERT_EQ(cf.size(), 4u);
  EXPECT_EQ(cf[0], (ModelTier{"30B_think", 2.4, 1.8, 2.2, 2.5}));
  EXPECT_EQ(cf[1], (ModelTier{"30B_ins", 0.8, 1.3, 1.0, 1.0}));
  EXPECT_EQ(cf[2], (ModelTier{"4B_think", 1.26, 1.0, 1.6, 2.0}));
  EXPECT_EQ(cf[3], (ModelTier{"4B_ins", 0.42, 0.7, 0.6, 0.8}));
}

/// Mean and (population) standard deviation of xs.
std::pair<double, double> mean_std(const std::vector<double>& xs) {
  double sum = 0, sq = 0;
  for (double x : xs) sum += x;
  const double mean = sum / static_cast<double>(xs.size());
  for (double x : xs) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / static_cast<double>(xs.size()))};
}

/// The q-quantile of xs (nearest rank). REQUIRES: xs not empty.
double quantile(std::vector<double> xs, double q) {
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1))];
}

TEST(ModelTier, LatencyFloorIsTheTimeToFirstTokenAtMostHalfTheMean) {
  EXPECT_DOUBLE_EQ(latency_floor_s({0.5, 10.0, 2.0, 500.0}), kTimeToFirstToken_s);
  EXPECT_DOUBLE_EQ(latency_floor_s({0.5, 0.4, 0.1, 100.0}), kTimeToFirstToken_s);
  EXPECT_DOUBLE_EQ(latency_floor_s({0.5, 0.3, 0.1, 100.0}), 0.15);
  EXPECT_DOUBLE_EQ(latency_floor_s({0.5, 0.0, 0.0, 100.0}), 1e-3);  // never below the simulator's 1 ms
  EXPECT_GT(kTimeToFirstToken_s, 0.05);  // a time to first token, not a rounding guard
  EXPECT_LT(kTimeToFirstToken_s, 0.33);  // below every tier mean of the shipped statistics
}

TEST(ModelTier, DrawSamplesKeepsTheTierMeanStdSuccessAndTokens) {
  const ParametricProfile p{0.7, 10.0, 2.0, 500.0};
  Rng rng(42);
  const auto s = draw_samples(p, 20000, rng);
  ASSERT_EQ(s.size(), 20000u);
  double succ = 0, tok = 0;
  std::vector<double> lat;
  for (const auto& x : s) {
    succ += x.success;
    lat.push_back(x.latency_s);
    tok += static_cast<double>(x.output_tokens);
  }
  const auto [mean, sd] = mean_std(lat);
  EXPECT_NEAR(succ / 20000, 0.7, 0.015);
  EXPECT_NEAR(mean, 10.0, 0.06);  // standard error 0.014
  EXPECT_NEAR(sd, 2.0, 0.08);
  EXPECT_NEAR(tok / 20000, 500.0, 3.0);
  EXPECT_TRUE(draw_samples(p, 0, rng).empty());
}

TEST(ModelTier, LatencyAboveTheFloorIsLognormal) {
  // cv 0.65 (the issue's case): a normal would put its median at the mean and ~7 % of the
  // samples at 1 ms; the lognormal's median is below the mean and its log is normal.
  const ParametricProfile p{0.5, 2.0, 1.3, 800.0};
  const double floor = latency_floor_s(p), gen_mean = p.latency_mean_s - floor;
  const double sigma2 = std::log1p((1.3 / gen_mean) * (1.3 / gen_mean));
  const double mu = std::log(gen_mean) - sigma2 / 2, sigma = std::sqrt(sigma2);
  Rng rng(3);
  std::vector<double> lat, log_gen;
  for (const auto& x : draw_samples(p, 40000, rng)) {
    lat.push_back(x.latency_s);
    log_gen.push_back(std::log(std::max(x.latency_s - floor, 1e-300)));
  }
  const auto [mean, sd] = mean_std(lat);
  EXPECT_NEAR(mean, 2.0, 0.03);
  EXPECT_NEAR(sd, 1.3, 0.06);
  const auto [log_mean, log_sd] = mean_std(log_gen);
  EXPECT_NEAR(log_mean, mu, 0.01);  // standard error sigma / 200 = 0.004
  EXPECT_NEAR(log_sd, sigma, 0.01);
  for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) {
    const double z = q == 0.05 ? -1.6449 : q == 0.25 ? -0.6745 : q == 0.5 ? 0.0 : q == 0.75 ? 0.6745 : 1.6449;
    EXPECT_NEAR(quantile(lat, q), floor + std::exp(mu + sigma * z), 0.03 * (floor + std::exp(mu + sigma * z))) << "q " << q;
  }
}

TEST(ModelTier, NoSampleIsBelowTheFloorNorInstantFreeAndSuccessful) {
  // The issue's profile (cv 0.65), and every row of the shipped statistics through every tier.
  Rng rng(11);
  for (const auto& x : draw_samples({0.9, 2.0, 1.3, 800.0}, 20000, rng)) {
    EXPECT_GE(x.latency_s, kTimeToFirstToken_s);
    EXPECT_GT(x.output_tokens, 1);
  }
  const auto stats = read_rollout_stats(rollout_csv());
  std::size_t n = 0;
  for (const auto& tiers : {proofflow_tiers(), codeflow_tiers()}) {
    for (const auto& tier : tiers) {
      for (const auto& row : stats) {
        const auto p = apply_tier(row, tier);
        const double floor = latency_floor_s(p);
        ASSERT_GE(floor, 0.15) << "mean " << p.latency_mean_s;  // the shortest tier mean is 0.33 s
        for (const auto& x : draw_samples(p, 4, rng)) {
          ++n;
          ASSERT_GE(x.latency_s, floor) << "mean " << p.latency_mean_s << " std " << p.latency_std_s;
          ASSERT_GT(x.output_tokens, 1) << "latency " << x.latency_s << " mean tokens " << p.output_tokens_mean;
        }
      }
    }
  }
  EXPECT_EQ(n, stats.size() * 7 * 4);
  // The built workload too (what the examples are written from).
  for (const auto& wf : proofflow_seed1().workflows)
    for (const auto& st : wf.subtasks)
      for (const auto& [model, prof] : st.profiles)
        for (const auto& x : prof.samples) {
          ASSERT_GE(x.latency_s, latency_floor_s(*prof.parametric)) << wf.name << " " << st.id << " " << model;
          ASSERT_GT(x.output_tokens, 1) << wf.name << " " << st.id << " " << model;
        }
}

TEST(ModelTier, TokensAreGeneratedAtTheTierRateAfterTheFirstToken) {
  const ParametricProfile p{0.6, 3.0, 1.5, 900.0};
  const double floor = latency_floor_s(p), rate = p.output_tokens_mean / (p.latency_mean_s - floor);
  Rng rng(5);
  auto s = draw_samples(p, 5000, rng);
  for (const auto& x : s)  // proportional to the generation time, up to rounding
    EXPECT_NEAR(static_cast<double>(x.output_tokens), rate * (x.latency_s - floor), 0.5 + 1e-9);
  // Hence monotone: sorted by latency, tokens never decrease (Spearman's rho = 1).
  std::sort(s.begin(), s.end(), [](const Sample& a, const Sample& b) { return a.latency_s < b.latency_s; });
  for (std::size_t i = 1; i < s.size(); ++i) EXPECT_LE(s[i - 1].output_tokens, s[i].output_tokens);
  EXPECT_GT(s.back().output_tokens, 3 * s.front().output_tokens);
  // Degenerate profiles still give at least one token and the floor.
  Rng r2(1);
  for (const auto& x : draw_samples({1.0, 0.0, 0.0, 0.0}, 3, r2)) {
    EXPECT_EQ(x.output_tokens, 1);
    EXPECT_DOUBLE_EQ(x.latency_s, 1e-3);
  }
}

TEST(ModelTier, DrawSequenceIsBernoulliThenOneNormal) {
  // The synthetic generator's draw sequence: bernoulli, then one normal for latency and tokens.
  const ParametricProfile p{0.7, 10.0, 2.0, 500.0};
  const double gen_mean = 10.0 - kTimeToFirstToken_s;
  const double sigma2 = std::log1p((2.0 / gen_mean) * (2.0 / gen_mean));
  Rng a(7), b(7);
  const auto one = draw_samples(p, 3, a);
  for (const auto& x : one) {
    EXPECT_EQ(x.success, b.bernoulli(p.p_success));
    const double g = std::exp(std::log(gen_mean) - sigma2 / 2 + std::sqrt(sigma2) * b.normal());
    EXPECT_DOUBLE_EQ(x.latency_s, kTimeToFirstToken_s + g);
    EXPECT_EQ(x.output_tokens, std::max<std::int64_t>(1, std::llround(500.0 * g / gen_mean)));
  }
  EXPECT_EQ(a.next(), b.next());
}

// ---------------------------------------------------------------- ProofFlow

TEST(ProofFlow, Gives176WorkflowsAndSkipsTheEightCyclicGraphs) {
  const auto& w = proofflow_seed1();
  EXPECT_EQ(w.workflows.size(), 176u);
  ASSERT_EQ(w.skipped.size(), 8u);
  for (const auto& s : w.skipped) {
    EXPECT_EQ(s.name, "proofflow-" + std::to_string(s.index));
    EXPECT_TRUE(s.reason.find("self-dependency") != std::string::npos || s.reason.find("cycle") != std::string::npos)
        << s.name << ": " << s.reason;
    for (const auto& wf : w.workflows) EXPECT_NE(wf.name, s.name);
  }
  EXPECT_EQ(w.workflows.size() + w.skipped.size(), 184u);
}

TEST(ProofFlow, EveryReturnedWorkflowPassesValidation) {
  const auto& w = proofflow_seed1();
  std::size_t subtasks = 0;
  for (const auto& wf : w.workflows) {
    EXPECT_NO_THROW(validate_workflow(wf, wf.name));
    EXPECT_EQ(wf.dag_kind, "proofflow");
    ASSERT_EQ(wf.models.size(), 3u);
    EXPECT_EQ(wf.models[0].id, "goedel32b");
    EXPECT_EQ(wf.models[0].usd_per_mtok_out, 2.8);
    EXPECT_EQ(wf.models[2].id, "kimina7b");
    for (const auto& st : wf.subtasks) {
      ASSERT_EQ(st.profiles.size(), 3u);
      for (const auto& [model, prof] : st.profiles) {
        EXPECT_EQ(prof.samples.size(), 32u);
        EXPECT_TRUE(prof.parametric.has_value());
      }
      EXPECT_LE(st.label.size(), 4u * 120);  // <= 120 code points
      EXPECT_EQ(st.label.find('\n'), std::string::npos);
    }
    subtasks += wf.subtasks.size();
  }
  EXPECT_GT(subtasks, 1000u);
}

TEST(ProofFlow, MapsGraphFieldsToTheWorkflow) {
  const auto& w = proofflow_seed1();
  const Workflow& wf = w.workflows.front();
  EXPECT_EQ(wf.name, "proofflow-0");
  EXPECT_EQ(wf.description, "naturalproofs_stein.json #5: \\ithm{Euler's}");
  ASSERT_FALSE(wf.subtasks.empty());
  EXPECT_EQ(wf.subtasks[0].id, "tc_1");
  EXPECT_EQ(wf.subtasks[0].label, "If $\\gcd(x,n)=1$");
  EXPECT_TRUE(wf.subtasks[0].deps.empty());
  for (const auto& x : w.workflows) EXPECT_LE(x.description.size(), 4u * 200);
}

TEST(ProofFlow, TiersAreOrderedOverTheWholeWorkload) {
  const auto& w = proofflow_seed1();
  std::map<std::string, double> succ, lat, cost, n;
  for (const auto& wf : w.workflows)
    for (const auto& st : wf.subtasks)
      for (const auto& m : wf.models)
        for (const auto& s : st.profiles.at(m.id).samples) {
          succ[m.id] += s.success;
          lat[m.id] += s.latency_s;
          cost[m.id] += static_cast<double>(s.output_tokens) * *m.usd_per_mtok_out / 1e6;
          n[m.id] += 1;
        }
  for (auto* acc : {&succ, &lat, &cost})
    for (auto& [id, v] : *acc) v /= n[id];
  EXPECT_GT(succ["goedel32b"], succ["goedel8b"]);
  EXPECT_GT(succ["goedel8b"], succ["kimina7b"]);
  EXPECT_GT(lat["goedel32b"], lat["goedel8b"]);
  EXPECT_GT(lat["goedel8b"], lat["kimina7b"]);
  EXPECT_GT(cost["goedel32b"], cost["goedel8b"]);
  EXPECT_GT(cost["goedel8b"], cost["kimina7b"]);
}

TEST(ProofFlow, WrongFieldTypeNamesFileAndFieldPath) {
  TempDir dir("pfbad");
  std::ifstream csv(rollout_csv(), std::ios::binary);
  dir.write("mcpp/example_rollout_stats.csv", std::string(std::istreambuf_iterator<char>(csv), {}));
  const auto path = dir.write("proofflow/benchmark_0409.json", R"([
    {"origin": "o", "id": 1, "nl_theorem": "t", "proof_graph": [{"id": "a", "natural_language": "x", "statement": "s", "dependencies": []}]},
    {"origin": "o", "id": 2, "nl_theorem": "t", "proof_graph": [{"id": "a", "natural_language": "x", "statement": "s", "dependencies": []},
                                                                {"id": "b", "natural_language": "y", "statement": "s", "dependencies": "a"}]}
  ])");
  WorkloadOptions o = options();
  o.datasets_dir = dir.str();
  const auto msg = input_error_of([&] { build_proofflow(o); });
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("[1].proof_graph[1].dependencies: expected an array, got string"));

  dir.write("proofflow/benchmark_0409.json", "[{\"origin\": \"o\",}]");
  EXPECT_THAT(input_error_of([&] { build_proofflow(o); }), HasSubstr("invalid JSON"));
  fs::remove(path);
  EXPECT_THAT(input_error_of([&] { build_proofflow(o); }), HasSubstr("cannot open file"));
}

// ---------------------------------------------------------------- CodeFlow

TEST(CodeFlow, Gives129ValidWorkflowsWithCallEdges) {
  const auto w = build_codeflow(options());
  EXPECT_EQ(w.workflows.size(), 129u);
  EXPECT_TRUE(w.skipped.empty());
  std::size_t subtasks = 0, edges = 0;
  for (const auto& wf : w.workflows) {
    EXPECT_NO_THROW(validate_workflow(wf, wf.name));
    EXPECT_EQ(wf.dag_kind, "codeflow");
    ASSERT_EQ(wf.models.size(), 4u);
    EXPECT_EQ(wf.models[0].id, "30B_think");
    EXPECT_EQ(wf.models[3].id, "4B_ins");
    EXPECT_EQ(wf.profile_source, w.profile_source);
    subtasks += wf.subtasks.size();
    for (const auto& st : wf.subtasks) edges += st.deps.size();
  }
  EXPECT_EQ(subtasks, 259u);
  EXPECT_GT(edges, 0u);
  EXPECT_EQ(w.workflows[0].name, "codeflow-0");
  EXPECT_EQ(w.workflows[0].description, "Basic__faker__luhn_checksum");
}

// ---------------------------------------------------------------- both

TEST(Workloads, SameSeedGivesIdenticalWorkflows) {
  const auto a = build_proofflow(options(7, 4));
  const auto b = build_proofflow(options(7, 4));
  EXPECT_EQ(a.workflows, b.workflows);
  const auto c = build_codeflow(options(7, 4));
  const auto d = build_codeflow(options(7, 4));
  EXPECT_EQ(c.workflows, d.workflows);
}

TEST(Workloads, OtherSeedGivesDifferentProfilesButTheSameStructure) {
  const auto a = build_proofflow(options(7, 4));
  const auto b = build_proofflow(options(8, 4));
  ASSERT_EQ(a.workflows.size(), b.workflows.size());
  EXPECT_NE(a.workflows, b.workflows);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.workflows.size(); ++i) {
    EXPECT_EQ(a.workflows[i].name, b.workflows[i].name);
    EXPECT_EQ(a.workflows[i].subtasks.size(), b.workflows[i].subtasks.size());
    differing += a.workflows[i].subtasks[0].profiles != b.workflows[i].subtasks[0].profiles;
  }
  EXPECT_GT(differing, a.workflows.size() / 2);
  EXPECT_NE(build_codeflow(options(7, 4)).workflows, build_codeflow(options(8, 4)).workflows);
}

TEST(Workloads, GraphProfilesDependOnlyOnSeedAndListIndex) {
  // A graph's profiles come from Rng(derive_seed(seed, index)): the first
  // subtask's base row and samples can be recomputed from that stream alone.
  const auto& w = proofflow_seed1();
  const auto stats = read_rollout_stats(rollout_csv());
  const Workflow& wf = w.workflows[5];
  ASSERT_EQ(wf.name, "proofflow-5");
  Rng rng(derive_seed(1, 5));
  const RolloutStat& base = stats[rng.below(stats.size())];
  const auto tiers = proofflow_tiers();
  for (const auto& tier : tiers) {
    const auto p = apply_tier(base, tier);
    const auto& prof = wf.subtasks[0].profiles.at(tier.model_id);
    EXPECT_EQ(prof.parametric, p);
    EXPECT_EQ(prof.samples, draw_samples(p, 32, rng));
  }
}

TEST(Workloads, ProfileSourceLabelsSyntheticProfilesWithTheSeed) {
  const auto w = build_codeflow(options(42, 2));
  EXPECT_EQ(w.profile_source, "synthetic profiles: MCPP rollout statistics x model tiers (seed 42)");
  for (const auto& wf : w.workflows) EXPECT_EQ(wf.profile_source, w.profile_source);
  for (const auto& wf : proofflow_seed1().workflows)
    EXPECT_EQ(wf.profile_source, "synthetic profiles: MCPP rollout statistics x model tiers (seed 1)");
}

TEST(Workloads, ZeroSamplesKeepsOnlyTheParametricSummary) {
  const auto w = build_codeflow(options(3, 0));
  ASSERT_FALSE(w.workflows.empty());
  for (const auto& wf : w.workflows) {
    EXPECT_NO_THROW(validate_workflow(wf, wf.name));
    for (const auto& st : wf.subtasks)
      for (const auto& [model, prof] : st.profiles) {
        EXPECT_TRUE(prof.samples.empty());
        EXPECT_TRUE(prof.parametric.has_value());
      }
  }
  EXPECT_THAT(input_error_of([] { build_codeflow(options(3, -1)); }), HasSubstr("samples_per_profile"));
}

TEST(Workloads, DefaultDatasetsDirFollowsTheEnvironment) {
  const char* old = std::getenv("CONCORD_DATASETS");
  const std::string saved = old ? old : "";
  ::setenv("CONCORD_DATASETS", "/some/where", 1);
  EXPECT_EQ(default_datasets_dir(), "/some/where");
  EXPECT_EQ(WorkloadOptions{}.datasets_dir, "/some/where");
  ::setenv("CONCORD_DATASETS", "", 1);
  EXPECT_FALSE(default_datasets_dir().empty());
  EXPECT_NE(default_datasets_dir(), "/some/where");
  if (old) ::setenv("CONCORD_DATASETS", saved.c_str(), 1);
  else ::unsetenv("CONCORD_DATASETS");
}

TEST(Workloads, FirstLineSkipsBlankLinesAndCutsAtCodePoints) {
  EXPECT_EQ(first_line("\n  \r\n  hello world \r\nsecond", 100), "hello world");
  EXPECT_EQ(first_line("abcdef", 3), "abc");
  EXPECT_EQ(first_line("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xC3\xA9");  // "ééé" -> "éé"
  EXPECT_EQ(first_line("ab cd", 3), "ab");                                     // no trailing blank
  EXPECT_EQ(first_line("", 10), "");
}

}  // namespace
}  // namespace concord
