#pragma once
// Evaluation 1: replay of routing policies on real LLM outcomes (RouterBench).
// Arms are the 11 models; every model's outcome is logged for every query, so
// any policy's choice can be scored exactly (replay is unbiased).
//
// Raw reward of answering query q with model m at cost weight lambda ($^-1):
//     R = correct(q, m) - lambda * cost(q, m)                        (dollars -> answers)
// The bandit learns from its affine normalisation to [0, 1] (argmax-preserving):
//     r = (correct - lambda * min(cost, C) + lambda * C) / (1 + lambda * C),
// C = the largest per-query cost of any model on the train split.
// Regret is measured in raw units against the per-query oracle max_m R(q, m).
//
// Protocol: LinUCB learns online over the train split (shuffled by the seed),
// then is FROZEN (no updates, alpha = 0: greedy on theta) and scored on test.
// Concord's policy: disjoint LinUCB, one arm per model, optimistic prior
// (theta_0 = e_bias: every model predicted perfect until observed), ridge 1.
// The reference's: one shared LinUCB over [x(q), one-hot(model), one-hot(model) x dataset].
// Context x(q): bias, one-hot of the dataset (2), log(1 + prompt chars) / 10,
// and a signed hashed bag of words of the prompt (hash_buckets, L2-normalised).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/routerbench.hpp"

namespace concord::route {

struct ReplayConfig {
  std::vector<double> lambdas = {0, 5, 20, 50, 100, 200};  // cost weights, answers per dollar
  std::uint64_t seed = 1;
  double alpha = 0.25;            // Concord (disjoint LinUCB) exploration on train
  double reference_alpha = 1.0;   // reference (shared LinUCB) exploration
  double ridge = 1.0;
  std::size_t hash_buckets = 24;  // bag-of-words buckets
  void validate() const;          // throws std::invalid_argument naming the field
};

struct ReplayRow {
  double lambda = 0;
  std::string split;   // "train (online)" or "test (frozen)"
  std::string policy;  // e.g. "linucb-disjoint", "single:claude-v1", "oracle"
  std::size_t queries = 0;
  double accuracy = 0;  // fraction correct
  double dollars = 0;   // total spend
  double reward = 0;    // sum of raw rewards
  double regret = 0;    // sum of (oracle raw reward - raw reward)
};

struct RegretCurve {
  double lambda = 0;
  std::string policy;
  std::vector<double> cumulative;  // after each query: train (online) then test (frozen)
};

struct ReplayReport {
  std::vector<std::string> models;
  double cost_cap_usd = 0;  // C
  std::size_t train_queries = 0, test_queries = 0, missing_outcomes = 0;
  std::vector<ReplayRow> rows;
  std::vector<RegretCurve> curves;
};

/// Context feature dimension and builder (exposed for tests).
std::size_t replay_context_dim(const ReplayConfig& cfg);
void replay_context(const ReplayConfig& cfg, const RouterBenchQuery& q, double* out);

ReplayReport run_replay(const RouterBenchData& train, const RouterBenchData& test, const ReplayConfig& cfg);

}  // namespace concord::route
