#include "eval/replay_eval.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>

#include "route/features.hpp"
#include "route/selector.hpp"
#include "sim/rng.hpp"

namespace concord::route {

void ReplayConfig::validate() const {
  if (lambdas.empty()) throw std::invalid_argument("--lambda: give at least one value");
  for (double l : lambdas)
    if (!(l >= 0) || !std::isfinite(l)) throw std::invalid_argument("--lambda: values must be finite and >= 0");
  if (!(alpha >= 0) || !(reference_alpha >= 0)) throw std::invalid_argument("alpha: must be >= 0");
  if (!(ridge > 0)) throw std::invalid_argument("ridge: must be > 0");
  if (hash_buckets == 0) throw std::invalid_argument("hash_buckets: must be > 0");
}

std::size_t replay_context_dim(const ReplayConfig& cfg) { return 4 + cfg.hash_buckets; }

void replay_context(const ReplayConfig& cfg, const RouterBenchQuery& q, double* out) {
  const std::size_t d = replay_context_dim(cfg);
  std::fill(out, out + d, 0.0);
  out[0] = 1.0;
  out[1] = q.dataset == "mbpp" ? 0.0 : 1.0;  // ARC-Challenge (or anything not MBPP)
  out[2] = q.dataset == "mbpp" ? 1.0 : 0.0;
  out[3] = std::log1p(static_cast<double>(q.prompt.size())) / 10.0;
  double* bow = out + 4;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    const std::uint64_t h = stable_hash(word);
    bow[h % cfg.hash_buckets] += ((h >> 63) != 0u) ? -1.0 : 1.0;
    word.clear();
  };
  for (unsigned char c : q.prompt) {
    if (std::isalnum(c)) word.push_back(static_cast<char>(std::tolower(c)));
    else flush();
  }
  flush();
  double n2 = 0;
  for (std::size_t i = 0; i < cfg.hash_buckets; ++i) n2 += bow[i] * bow[i];
  if (n2 > 0)
    for (std::size_t i = 0; i < cfg.hash_buckets; ++i) bow[i] /= std::sqrt(n2);
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

/// A policy is a function (query, phase) -> arm, with an optional learn step.
struct Policy {
  std::string name;
  std::function<std::size_t(const RouterBenchQuery&, bool train)> choose;
  std::function<void(const RouterBenchQuery&, std::size_t arm, double r)> learn;  // may be empty
  bool curve = false;
};

/// Shared (reference) features: context, one-hot(model), one-hot(model) x dataset (2).
struct SharedFeatures {
  std::size_t dc, models;
  std::size_t dim() const { return dc + 3 * models; }
  void build(const double* ctx, std::size_t m, double* out) const {
    std::fill(out, out + dim(), 0.0);
    std::copy(ctx, ctx + dc, out);
    out[dc + m] = 1.0;
    out[dc + models + m] = ctx[1];
    out[dc + 2 * models + m] = ctx[2];
  }
};

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

  // Train order: shuffled by the seed (Fisher–Yates with the portable Rng).
  std::vector<const RouterBenchQuery*> train;
  for (const auto& q : train_in.queries) train.push_back(&q);
  Rng shuffle(derive_seed(cfg.seed, 0));
  for (std::size_t i = train.size(); i > 1; --i) std::swap(train[i - 1], train[shuffle.below(i)]);
  for (const auto* q : train)
    for (double c : q->cost_usd) rep.cost_cap_usd = std::max(rep.cost_cap_usd, c);

  const std::size_t dc = replay_context_dim(cfg);
  auto contexts = [&](const std::vector<const RouterBenchQuery*>& qs) {
    std::vector<double> x(qs.size() * dc);
    for (std::size_t i = 0; i < qs.size(); ++i) replay_context(cfg, *qs[i], x.data() + i * dc);
    return x;
  };
  std::vector<const RouterBenchQuery*> tests;
  for (const auto& q : test.queries) tests.push_back(&q);
  const std::vector<double> ctx_train = contexts(train), ctx_test = contexts(tests);
  std::vector<double> mean_cost(M, 0.0);
  for (const auto* q : train)
    for (std::size_t m = 0; m < M; ++m) mean_cost[m] += q->cost_usd[m] / static_cast<double>(train.size());
  const std::size_t cheapest = static_cast<std::size_t>(std::min_element(mean_cost.begin(), mean_cost.end()) - mean_cost.begin());

  for (const double lambda : cfg.lambdas) {
    const Scorer sc{lambda, rep.cost_cap_usd};
    // Hindsight best single model, per split.
    auto best_single = [&](const std::vector<const RouterBenchQuery*>& qs) {
      std::vector<double> tot(M, 0.0);
      for (const auto* q : qs)
        for (std::size_t m = 0; m < M; ++m) tot[m] += sc.raw(*q, m);
      return static_cast<std::size_t>(std::max_element(tot.begin(), tot.end()) - tot.begin());
    };
    const std::size_t best_train = best_single(train), best_test = best_single(tests);

    // Learning policies, fresh per lambda. `cur` points at the current query's context.
    const double* cur = nullptr;
    std::vector<std::size_t> arms(M);
    for (std::size_t m = 0; m < M; ++m) arms[m] = m;

    SelectorConfig dis_cfg;
    dis_cfg.mode = SelectorMode::disjoint;
    // Optimistic prior: every model is believed perfect (theta_0 = e_bias, predicted
    // reward 1 = the maximum) until its own observations say otherwise.
    dis_cfg.prior = NewArmPrior::fixed;
    dis_cfg.prior_mean.assign(dc, 0.0);
    dis_cfg.prior_mean[0] = 1.0;
    dis_cfg.linucb.alpha = cfg.alpha;
    dis_cfg.linucb.ridge = cfg.ridge;
    auto disjoint = std::make_shared<LinUcbSelector>(dc, dis_cfg, derive_seed(cfg.seed, 2));
    for (std::size_t m = 0; m < M; ++m) disjoint->arm_for(rep.models[m]);
    auto rows_dis = std::make_shared<std::vector<double>>(M * dc);

    const SharedFeatures sf{dc, M};
    SelectorConfig sh_cfg;
    sh_cfg.mode = SelectorMode::shared;
    sh_cfg.linucb.alpha = cfg.reference_alpha;
    sh_cfg.linucb.ridge = cfg.ridge;
    auto shared = std::make_shared<LinUcbSelector>(sf.dim(), sh_cfg, derive_seed(cfg.seed, 3));
    auto rows_sh = std::make_shared<std::vector<double>>(M * sf.dim());
    std::vector<std::size_t> zero_arms(M, 0);

    auto rng = std::make_shared<Rng>(derive_seed(cfg.seed, 1));
    std::vector<Policy> policies;
    policies.push_back({"linucb-disjoint (concord)",
                        [&, disjoint, rows_dis](const RouterBenchQuery&, bool tr) {
                          for (std::size_t m = 0; m < M; ++m) std::copy(cur, cur + dc, rows_dis->data() + m * dc);
                          return disjoint->select(arms, rows_dis->data(), M, tr ? cfg.alpha : 0.0);
                        },
                        [&, disjoint](const RouterBenchQuery&, std::size_t a, double r) { disjoint->update(a, cur, r); },
                        true});
    policies.push_back({"linucb-shared (reference)",
                        [&, shared, rows_sh](const RouterBenchQuery&, bool tr) {
                          for (std::size_t m = 0; m < M; ++m) sf.build(cur, m, rows_sh->data() + m * sf.dim());
                          return shared->select(zero_arms, rows_sh->data(), M, tr ? cfg.reference_alpha : 0.0);
                        },
                        [&, shared, rows_sh](const RouterBenchQuery&, std::size_t a, double r) {
                          shared->update(0, rows_sh->data() + a * sf.dim(), r);
                        },
                        true});
    policies.push_back({"random", [rng, M](const RouterBenchQuery&, bool) { return static_cast<std::size_t>(rng->below(M)); },
                        {}, true});
    policies.push_back({"oracle", [&](const RouterBenchQuery& q, bool) { return sc.oracle_arm(q); }, {}, false});
    policies.push_back({"best-single (hindsight): " + rep.models[best_train] + " | " + rep.models[best_test],
                        [&](const RouterBenchQuery&, bool tr) { return tr ? best_train : best_test; }, {}, true});
    policies.push_back({"cheapest: " + rep.models[cheapest], [cheapest](const RouterBenchQuery&, bool) { return cheapest; },
                        {}, true});
    for (std::size_t m = 0; m < M; ++m)
      policies.push_back({"single: " + rep.models[m], [m](const RouterBenchQuery&, bool) { return m; }, {}, false});

    for (auto& p : policies) {
      RegretCurve curve{lambda, p.name, {}};
      double cum = 0;
      for (int phase = 0; phase < 2; ++phase) {
        const bool tr = phase == 0;
        const auto& qs = tr ? train : tests;
        const auto& ctx = tr ? ctx_train : ctx_test;
        ReplayRow row{lambda, tr ? "train (online)" : "test (frozen)", p.name, qs.size(), 0, 0, 0, 0};
        for (std::size_t i = 0; i < qs.size(); ++i) {
          const auto& q = *qs[i];
          cur = ctx.data() + i * dc;
          const std::size_t a = p.choose(q, tr);
          if (tr && p.learn) p.learn(q, a, sc.normalised(q, a));
          row.accuracy += q.correct[a];
          row.dollars += q.cost_usd[a];
          row.reward += sc.raw(q, a);
          row.regret += sc.oracle(q) - sc.raw(q, a);
          cum += sc.oracle(q) - sc.raw(q, a);
          if (p.curve) curve.cumulative.push_back(cum);
        }
        if (!qs.empty()) row.accuracy /= static_cast<double>(qs.size());
        rep.rows.push_back(row);
      }
      if (p.curve) rep.curves.push_back(std::move(curve));
    }
  }
  return rep;
}

}  // namespace concord::route
