#include "eval/replay_eval.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>

#include "eval/warm_ridge.hpp"
#include "eval/warm_router.hpp"
#include "route/selector.hpp"
#include "sim/rng.hpp"

namespace concord::route {

void ReplayConfig::validate() const {
  if (lambdas.empty()) throw std::invalid_argument("--lambda: give at least one value");
  for (double l : lambdas)
    if (!(l >= 0) || !std::isfinite(l)) throw std::invalid_argument("--lambda: values must be finite and >= 0");
  if (!(alpha >= 0) || !(reference_alpha >= 0)) throw std::invalid_argument("alpha: must be >= 0");
  if (!(ridge > 0)) throw std::invalid_argument("ridge: must be > 0");
  if (folds < 2) throw std::invalid_argument("folds: must be >= 2");
  if (!(one_se_z >= 0) || !std::isfinite(one_se_z)) throw std::invalid_argument("one_se_z: must be finite and >= 0");
  if (text_weights.empty() || arm_ridges.empty()) throw std::invalid_argument("grid: text_weights and arm_ridges must not be empty");
  for (double w : text_weights)
    if (!(w >= 0) || !std::isfinite(w)) throw std::invalid_argument("text_weights: must be finite and >= 0");
  for (double r : arm_ridges)
    if (!(r > 0) || !std::isfinite(r)) throw std::invalid_argument("arm_ridges: must be finite and > 0");
  features.validate();
}

QueryFeaturizer fit_replay_featurizer(const RouterBenchData& train, const ReplayConfig& cfg) {
  std::vector<QueryText> texts;
  std::vector<std::string> datasets;
  for (const auto& q : train.queries) {
    texts.push_back({q.dataset, q.prompt});
    datasets.push_back(q.dataset);  // first-appearance order (files are read in name order)
  }
  QueryFeaturizerConfig fc = cfg.features;
  fc.seed = derive_seed(cfg.seed, 4);
  return QueryFeaturizer::fit(texts, datasets, fc);
}

namespace {

struct Scorer {
  double lambda, cap;
  double raw(const RouterBenchQuery& q, std::size_t m) const { return q.correct[m] - lambda * q.cost_usd[m]; }
  double normalised(const RouterBenchQuery& q, std::size_t m) const {
    const double c = std::min(q.cost_usd[m], cap);
    return (q.correct[m] - lambda * c + lambda * cap) / (1.0 + lambda * cap);
  }
  double oracle(const RouterBenchQuery& q) const {
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t m = 0; m < q.correct.size(); ++m) best = std::max(best, raw(q, m));
    return best;
  }
  std::size_t oracle_arm(const RouterBenchQuery& q) const {  // ties: cheaper, then lower index
    std::size_t b = 0;
    for (std::size_t m = 1; m < q.correct.size(); ++m) {
      const double a = raw(q, m), c = raw(q, b);
      if (a > c || (a == c && q.cost_usd[m] < q.cost_usd[b])) b = m;
    }
    return b;
  }
};

/// A policy maps (query index in its split, phase) to an arm; learners also learn online.
struct Policy {
  std::string name;
  std::function<std::size_t(std::size_t i, bool train)> choose;
  std::function<void(std::size_t i, std::size_t arm, double r)> learn;  // online learners only
  bool curve = false;
};

/// Shared (reference) features: context, one-hot(model), one-hot(model) x dataset one-hot (K).
struct SharedFeatures {
  std::size_t dc, models, datasets;
  std::size_t dim() const { return dc + models * (1 + datasets); }
  void build(const double* ctx, std::size_t m, double* out) const {
    std::fill(out, out + dim(), 0.0);
    std::copy(ctx, ctx + dc, out);
    out[dc + m] = 1.0;
    for (std::size_t k = 0; k < datasets; ++k) out[dc + models + m * datasets + k] = ctx[1 + k];
  }
};

/// The model with the best total raw reward over `qs` (ties: lower index).
std::size_t best_model(const std::vector<const RouterBenchQuery*>& qs, const Scorer& sc, std::size_t M) {
  std::vector<double> tot(M, 0.0);
  for (const auto* q : qs)
    for (std::size_t m = 0; m < M; ++m) tot[m] += sc.raw(*q, m);
  return static_cast<std::size_t>(std::max_element(tot.begin(), tot.end()) - tot.begin());
}

std::map<std::string, std::size_t> best_per_dataset(const std::vector<const RouterBenchQuery*>& qs, const Scorer& sc,
                                                    std::size_t M) {
  std::map<std::string, std::vector<const RouterBenchQuery*>> by;
  for (const auto* q : qs) by[q->dataset].push_back(q);
  std::map<std::string, std::size_t> out;
  for (const auto& [name, sub] : by) out[name] = best_model(sub, sc, M);
  return out;
}

}  // namespace

ReplayReport run_replay(const RouterBenchData& train_in, const RouterBenchData& test, const ReplayConfig& cfg) {
  cfg.validate();
  if (train_in.models != test.models) throw std::invalid_argument("replay: train and test models differ");
  const std::size_t M = train_in.models.size();
  ReplayReport rep;
  rep.models = train_in.models;
  rep.train_queries = train_in.queries.size();
  rep.test_queries = test.queries.size();
  rep.missing_outcomes = train_in.missing_outcomes + test.missing_outcomes;

  // Everything learned about the text comes from train, once; the featurizer is const afterwards.
  const QueryFeaturizer feat = fit_replay_featurizer(train_in, cfg);
  rep.datasets = feat.datasets();
  const std::size_t dc = feat.dim();
  rep.feature_dim = dc;

  // Train order: shuffled by the seed (Fisher–Yates with the portable Rng).
  std::vector<const RouterBenchQuery*> train;
  for (const auto& q : train_in.queries) train.push_back(&q);
  Rng shuffle(derive_seed(cfg.seed, 0));
  for (std::size_t i = train.size(); i > 1; --i) std::swap(train[i - 1], train[shuffle.below(i)]);
  for (const auto* q : train)
    for (double c : q->cost_usd) rep.cost_cap_usd = std::max(rep.cost_cap_usd, c);
  std::vector<const RouterBenchQuery*> tests;
  for (const auto& q : test.queries) tests.push_back(&q);

  auto contexts = [&](const std::vector<const RouterBenchQuery*>& qs) {
    std::vector<double> x(qs.size() * dc);
    for (std::size_t i = 0; i < qs.size(); ++i) feat.features({qs[i]->dataset, qs[i]->prompt}, x.data() + i * dc);
    return x;
  };
  const std::vector<double> ctx_train = contexts(train), ctx_test = contexts(tests);
  std::vector<double> mean_cost(M, 0.0);
  for (const auto* q : train)
    for (std::size_t m = 0; m < M; ++m) mean_cost[m] += q->cost_usd[m] / static_cast<double>(train.size());
  const std::size_t cheapest =
      static_cast<std::size_t>(std::min_element(mean_cost.begin(), mean_cost.end()) - mean_cost.begin());
  std::vector<std::size_t> arms(M), zero_arms(M, 0);
  for (std::size_t m = 0; m < M; ++m) arms[m] = m;
  const SharedFeatures sf{dc, M, rep.datasets.size()};

  for (const double lambda : cfg.lambdas) {
    const Scorer sc{lambda, rep.cost_cap_usd};
    const std::size_t best_train = best_model(train, sc, M), best_test = best_model(tests, sc, M);
    const auto per_ds_train = best_per_dataset(train, sc, M), per_ds_test = best_per_dataset(tests, sc, M);

    // Full-information train data for the warm starts (rows in shuffled order).
    std::vector<double> r(train.size() * M), raw(train.size() * M);
    for (std::size_t i = 0; i < train.size(); ++i)
      for (std::size_t m = 0; m < M; ++m) {
        r[i * M + m] = sc.normalised(*train[i], m);
        raw[i * M + m] = sc.raw(*train[i], m);
      }
    const WarmData wd{train.size(), dc, M, feat.text_offset(), ctx_train, r, raw};

    std::vector<double> train_cost(train.size() * M);
    for (std::size_t i = 0; i < train.size(); ++i)
      for (std::size_t m = 0; m < M; ++m) train_cost[i * M + m] = train[i]->cost_usd[m];

    // A warm policy (eval/warm_router.hpp): hyperparameters by cross-validation on train,
    // fitted on train with full information, then frozen.
    std::map<WarmMode, WarmChoice> cv;  // one cross-validation per mode (it does not depend on z)
    auto warm_policy = [&](const std::string& name, WarmMode mode, double z) {
      // Fewer train rows than folds: leave-one-out; fewer than 2: the simplest grid point, unvalidated.
      const std::size_t folds = std::min(cfg.folds, train.size());
      if (!cv.count(mode))
        cv[mode] = folds >= 2 ? choose_warm(wd, mode, cfg.text_weights, cfg.arm_ridges, cfg.ridge, folds,
                                            derive_seed(cfg.seed, 5))
                              : WarmChoice{{cfg.text_weights.front(), cfg.arm_ridges.back()}, std::nan("")};
      const WarmChoice ch = cv[mode];
      rep.validation.push_back({lambda, name, ch.point.text_weight, ch.point.arm_ridge, ch.validation_reward});
      const WarmRouterConfig wc{mode, ch.point, cfg.ridge, z, rep.datasets.size(), cfg.seed};
      auto router = std::make_shared<WarmRouter>(wd, train_cost, rep.models, wc);
      return Policy{name,
                    [&, router](std::size_t i, bool tr) {
                      return router->choose((tr ? ctx_train : ctx_test).data() + i * dc);
                    },
                    {}, true};
    };

    std::vector<Policy> policies;
    policies.push_back(warm_policy("concord (hybrid, warm, 1-SE)", WarmMode::hybrid, cfg.one_se_z));
    policies.push_back(warm_policy("hybrid (warm, greedy)", WarmMode::hybrid, 0.0));
    policies.push_back(warm_policy("disjoint (warm, greedy)", WarmMode::disjoint, 0.0));
    {  // shared (warm): the reference's model, fed with full information
      SelectorConfig sh;
      sh.mode = SelectorMode::shared;
      sh.linucb.alpha = 0.0;
      sh.linucb.ridge = cfg.ridge;
      auto s = std::make_shared<LinUcbSelector>(sf.dim(), sh, derive_seed(cfg.seed, 7));
      std::vector<double> z(sf.dim());
      for (std::size_t i = 0; i < train.size(); ++i)
        for (std::size_t m = 0; m < M; ++m) {
          sf.build(ctx_train.data() + i * dc, m, z.data());
          s->update(0, z.data(), r[i * M + m]);
        }
      auto rows = std::make_shared<std::vector<double>>(M * sf.dim());
      policies.push_back({"shared (warm)",
                          [&, s, rows](std::size_t i, bool tr) {
                            const double* x = (tr ? ctx_train : ctx_test).data() + i * dc;
                            for (std::size_t m = 0; m < M; ++m) sf.build(x, m, rows->data() + m * sf.dim());
                            return s->select(zero_arms, rows->data(), M, 0.0);
                          },
                          {}, true});
    }
    {  // linucb-shared (reference): online over train, then frozen
      SelectorConfig sh;
      sh.mode = SelectorMode::shared;
      sh.linucb.alpha = cfg.reference_alpha;
      sh.linucb.ridge = cfg.ridge;
      auto s = std::make_shared<LinUcbSelector>(sf.dim(), sh, derive_seed(cfg.seed, 3));
      auto rows = std::make_shared<std::vector<double>>(M * sf.dim());
      policies.push_back({"linucb-shared (reference)",
                          [&, s, rows](std::size_t i, bool tr) {
                            const double* x = (tr ? ctx_train : ctx_test).data() + i * dc;
                            for (std::size_t m = 0; m < M; ++m) sf.build(x, m, rows->data() + m * sf.dim());
                            return s->select(zero_arms, rows->data(), M, tr ? cfg.reference_alpha : 0.0);
                          },
                          [&, s, rows](std::size_t, std::size_t a, double rr) {
                            s->update(0, rows->data() + a * sf.dim(), rr);
                          },
                          true});
    }
    {  // linucb-disjoint (online): optimistic prior (theta_0 = e_bias: every model believed perfect)
      SelectorConfig dis;
      dis.mode = SelectorMode::disjoint;
      dis.prior = NewArmPrior::fixed;
      dis.prior_mean.assign(dc, 0.0);
      dis.prior_mean[0] = 1.0;
      dis.linucb.alpha = cfg.alpha;
      dis.linucb.ridge = cfg.ridge;
      auto s = std::make_shared<LinUcbSelector>(dc, dis, derive_seed(cfg.seed, 2));
      for (std::size_t m = 0; m < M; ++m) s->arm_for(rep.models[m]);
      auto rows = std::make_shared<std::vector<double>>(M * dc);
      policies.push_back({"linucb-disjoint (online)",
                          [&, s, rows](std::size_t i, bool tr) {
                            const double* x = (tr ? ctx_train : ctx_test).data() + i * dc;
                            for (std::size_t m = 0; m < M; ++m) std::copy(x, x + dc, rows->data() + m * dc);
                            return s->select(arms, rows->data(), M, tr ? cfg.alpha : 0.0);
                          },
                          [&, s](std::size_t i, std::size_t a, double rr) { s->update(a, ctx_train.data() + i * dc, rr); },
                          true});
    }
    auto rng = std::make_shared<Rng>(derive_seed(cfg.seed, 1));
    policies.push_back({"random", [rng, M](std::size_t, bool) { return static_cast<std::size_t>(rng->below(M)); }, {}, true});
    policies.push_back({"oracle", [&](std::size_t i, bool tr) { return sc.oracle_arm(*(tr ? train : tests)[i]); }, {}, false});
    policies.push_back({"best-single (hindsight): " + rep.models[best_train] + " | " + rep.models[best_test],
                        [&](std::size_t, bool tr) { return tr ? best_train : best_test; }, {}, true});
    policies.push_back({"per-dataset best (hindsight)",
                        [&](std::size_t i, bool tr) {
                          return tr ? per_ds_train.at(train[i]->dataset) : per_ds_test.at(tests[i]->dataset);
                        },
                        {}, false});
    policies.push_back({"cheapest: " + rep.models[cheapest], [cheapest](std::size_t, bool) { return cheapest; }, {}, true});
    for (std::size_t m = 0; m < M; ++m)
      policies.push_back({"single: " + rep.models[m], [m](std::size_t, bool) { return m; }, {}, false});

    for (auto& p : policies) {
      RegretCurve curve{lambda, p.name, {}};
      double cum = 0;
      for (int phase = 0; phase < 2; ++phase) {
        const bool tr = phase == 0;
        const auto& qs = tr ? train : tests;
        ReplayRow row{lambda, tr ? "train (online)" : "test (frozen)", p.name, qs.size(), 0, 0, 0, 0,
                      std::vector<std::size_t>(M, 0)};
        for (std::size_t i = 0; i < qs.size(); ++i) {
          const auto& q = *qs[i];
          const std::size_t a = p.choose(i, tr);
          if (tr && p.learn) p.learn(i, a, sc.normalised(q, a));
          ++row.picks[a];
          row.accuracy += q.correct[a];
          row.dollars += q.cost_usd[a];
          row.reward += sc.raw(q, a);
          row.regret += sc.oracle(q) - sc.raw(q, a);
          cum += sc.oracle(q) - sc.raw(q, a);
          if (p.curve) curve.cumulative.push_back(cum);
        }
        if (!qs.empty()) row.accuracy /= static_cast<double>(qs.size());
        rep.rows.push_back(std::move(row));
      }
      if (p.curve) rep.curves.push_back(std::move(curve));
    }
  }
  return rep;
}

}  // namespace concord::route
