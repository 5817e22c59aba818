#pragma once
// Evaluation 1: replay of routing policies on real LLM outcomes (RouterBench).
// Arms are the models; every model's outcome is logged for every query, so any
// policy's choice can be scored exactly (replay is unbiased).
//
// Raw reward of answering query q with model m at cost weight lambda ($^-1):
//     R = correct(q, m) - lambda * cost(q, m)          (correct: a score in [0, 1])
// The bandits learn from its affine normalisation to [0, 1] (argmax-preserving):
//     r = (correct - lambda * min(cost, C) + lambda * C) / (1 + lambda * C),
// C = the largest per-query cost of any model on the train split.
// Regret is measured in raw units against the per-query oracle max_m R(q, m).
//
// Context x(q): route/query_featurizer.hpp, FIT ON THE TRAIN SPLIT ONLY (dataset
// one-hot over the train split's eval_names, IDF of hashed word/character
// n-grams, seeded random projection). Test queries are only ever featurised by
// the fitted, const featurizer.
//
// Policies and protocol (test is always frozen: no updates, greedy on theta):
//  - concord (hybrid, warm, 1-SE): the default. A LinUcbSelector in disjoint mode with
//    the population prior (per-model arms shrunk toward one shared model: "shared
//    with per-model offsets"), warm-started with full information on the train
//    split (every model's outcome on every train query: ridge regression, see
//    eval/warm_ridge.hpp). Its text weight and arm ridge are chosen per lambda by
//    5-fold cross-validation on the train split (grid in ReplayConfig). It
//    chooses by the one-standard-error rule (route/one_se_rule.hpp, z = one_se_z):
//    the model predicted cheapest among those within z paired standard errors
//    (residual sd on train x the arm's width) of the best prediction.
//  - hybrid (warm, greedy): the same fit, greedy argmax (z = 0).
//  - disjoint (warm, greedy): independent arms (prior 0), same rule. With full
//    information every arm has the same Gram matrix, so the population prior adds
//    the same vector to every arm's theta: it chooses like hybrid (warm, greedy).
//  - shared (warm): one ridge model over [x(q), one-hot(model), one-hot(model) x dataset],
//    same full-information warm start (ridge `ridge`).
//  - linucb-shared (reference): the Symphony-Coord reference, shared LinUCB over the
//    same features learned ONLINE (bandit feedback) over the train split, alpha 1.
//  - linucb-disjoint (online): disjoint LinUCB, optimistic prior, learned online.
//  - baselines: random, oracle, best single model in hindsight (per split),
//    per-dataset best single model in hindsight (per split), cheapest, each model.
// A warm policy's train row is in-sample (greedy after the fit); an online
// policy's train row is its online run over the shuffled train split.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/routerbench.hpp"
#include "route/query_featurizer.hpp"

namespace concord::route {

struct ReplayConfig {
  std::vector<double> lambdas = {0, 5, 20, 50, 100, 200};  // cost weights, answers per dollar
  std::uint64_t seed = 1;
  double alpha = 0.25;            // linucb-disjoint (online) exploration on train
  double reference_alpha = 1.0;   // reference (shared LinUCB) exploration
  double ridge = 1.0;             // population / shared prior precision
  QueryFeaturizerConfig features;  // its seed is replaced by one derived from `seed`
  std::size_t folds = 5;          // cross-validation folds carved from train (fewer rows: leave-one-out)
  std::vector<double> text_weights = {0, 0.25, 0.5, 1, 2};         // grid
  std::vector<double> arm_ridges = {1, 3, 10, 30, 100, 300, 1000};  // grid
  double one_se_z = 1.0;          // concord's choice rule: z standard errors (0 = greedy)
  void validate() const;          // throws std::invalid_argument naming the field
};

struct ReplayRow {
  double lambda = 0;
  std::string split;   // "train (online)" or "test (frozen)"
  std::string policy;  // e.g. "concord (hybrid, warm)", "single: claude-v1", "oracle"
  std::size_t queries = 0;
  double accuracy = 0;  // mean score
  double dollars = 0;   // total spend
  double reward = 0;    // sum of raw rewards
  double regret = 0;    // sum of (oracle raw reward - raw reward)
  std::vector<std::size_t> picks;  // queries sent to each model (models order)
};

struct RegretCurve {
  double lambda = 0;
  std::string policy;
  std::vector<double> cumulative;  // after each query: train then test
};

/// The hyperparameters cross-validation chose for a warm policy at one lambda.
struct ValidationRow {
  double lambda = 0;
  std::string policy;
  double text_weight = 0, arm_ridge = 0;
  double validation_reward = 0;  // raw reward per query on the held-out train folds
};

struct ReplayReport {
  std::vector<std::string> models, datasets;  // datasets: the featurizer's one-hot order
  std::size_t feature_dim = 0;
  double cost_cap_usd = 0;  // C
  std::size_t train_queries = 0, test_queries = 0, missing_outcomes = 0;
  std::vector<ReplayRow> rows;
  std::vector<RegretCurve> curves;
  std::vector<ValidationRow> validation;
};

/// The featurizer run_replay uses, fit on `train` (exposed for tests).
QueryFeaturizer fit_replay_featurizer(const RouterBenchData& train, const ReplayConfig& cfg);

ReplayReport run_replay(const RouterBenchData& train, const RouterBenchData& test, const ReplayConfig& cfg);

}  // namespace concord::route
