// Learned profiles (runtime/learn/posterior.hpp): the conjugate updates against hand-computed
// values, convergence to the truth within confidence intervals, censoring, determinism of draws.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "learn/posterior.hpp"
#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"

namespace concord::learn {
namespace {

ParametricProfile summary(double p, double mean, double sd, double tokens) {
  ParametricProfile x;
  x.p_success = p;
  x.latency_mean_s = mean;
  x.latency_std_s = sd;
  x.output_tokens_mean = tokens;
  return x;
}

Observation finished(bool ok, double latency, std::int64_t tokens) { return {SampleEnd::finished, ok, latency, tokens}; }

TEST(LearnPosterior, SubtaskKeyIsTheLabelElseTheId) {
  Subtask s;
  s.id = "n3";
  EXPECT_EQ(subtask_key(s), "n3");
  s.label = "lemma foo";
  EXPECT_EQ(subtask_key(s), "lemma foo");
}

TEST(LearnPosterior, BetaPriorFromTheFileAndItsUpdate) {
  auto p = ProfilePosterior::from_prior(summary(0.3, 2, 1, 100), ModelPrior{});
  EXPECT_DOUBLE_EQ(p.alpha(), 4 * 0.3);  // kFilePriorPseudoCount = 4 pseudo-samples at the file's rate
  EXPECT_DOUBLE_EQ(p.beta(), 4 * 0.7);
  for (bool ok : {true, true, true, false, false}) p.update(finished(ok, 1, 10));
  EXPECT_DOUBLE_EQ(p.alpha(), 1.2 + 3);
  EXPECT_DOUBLE_EQ(p.beta(), 2.8 + 2);
  EXPECT_DOUBLE_EQ(p.mean().p_success, 4.2 / 9.0);
}

TEST(LearnPosterior, NormalInverseGammaUpdateMatchesTheHandComputedPosterior) {
  // Default prior: m0 = ln 10, kappa0 = 1, a0 = 2, b0 = 1 (E[sigma^2] = latency_log_sd^2 = 1).
  auto p = ProfilePosterior::from_prior(std::nullopt, ModelPrior{});
  const auto prior = p.latency();
  EXPECT_DOUBLE_EQ(prior.m, std::log(10.0));
  EXPECT_DOUBLE_EQ(prior.kappa, 1);
  EXPECT_DOUBLE_EQ(prior.a, 2);
  EXPECT_DOUBLE_EQ(prior.b, 1);
  p.update(finished(true, std::exp(2.0), 1));
  p.update(finished(false, std::exp(3.0), 1));
  // n = 2, ybar = 2.5, sum (y - ybar)^2 = 0.5:
  // kappa = 3, m = (ln 10 + 5) / 3, a = 3, b = 1 + 0.5 / 2 + 1 x 2 x (2.5 - ln 10)^2 / (2 x 3).
  const auto post = p.latency();
  const double l10 = std::log(10.0);
  EXPECT_DOUBLE_EQ(post.kappa, 3);
  EXPECT_NEAR(post.m, (l10 + 5) / 3, 1e-12);
  EXPECT_DOUBLE_EQ(post.a, 3);
  EXPECT_NEAR(post.b, 1 + 0.25 + 2 * (2.5 - l10) * (2.5 - l10) / 6, 1e-12);
}

TEST(LearnPosterior, GammaPoissonTokensUpdate) {
  auto p = ProfilePosterior::from_prior(std::nullopt, default_model_prior(1000));  // mean 500, one pseudo-sample
  EXPECT_DOUBLE_EQ(p.tokens_shape(), 500);
  EXPECT_DOUBLE_EQ(p.tokens_rate(), 1);
  p.update(finished(true, 1, 100));
  p.update(finished(false, 1, 200));
  EXPECT_DOUBLE_EQ(p.tokens_shape(), 800);
  EXPECT_DOUBLE_EQ(p.tokens_rate(), 3);
  EXPECT_DOUBLE_EQ(p.mean().tokens_mean, 800.0 / 3);
}

TEST(LearnPosterior, TruncatedIsAFailureAndCancelledIsNotCounted) {
  auto p = ProfilePosterior::from_prior(std::nullopt, ModelPrior{});
  p.update({SampleEnd::truncated, true, 5, 1000});
  EXPECT_DOUBLE_EQ(p.alpha(), 1);
  EXPECT_DOUBLE_EQ(p.beta(), 2);
  p.update({SampleEnd::cancelled, true, 5, 1000});
  EXPECT_DOUBLE_EQ(p.alpha(), 1);
  EXPECT_DOUBLE_EQ(p.beta(), 2);
  EXPECT_DOUBLE_EQ(p.tokens_rate(), 1);  // neither counts for tokens
  EXPECT_EQ(p.truncated(), 1);
  EXPECT_EQ(p.cancelled(), 1);
  // Both are censored latencies: the fit moves above what the prior alone says only upward.
  EXPECT_GT(p.latency().m, std::log(10.0) - 1e-9);
}

TEST(LearnPosterior, PosteriorMeanConvergesToTheTruthWithinItsInterval) {
  // Truth: p = 0.3, ln latency ~ N(1.5, 0.6^2), 700 tokens. n = 2000 samples.
  const double p_true = 0.3, mu = 1.5, sigma = 0.6;
  const int n = 2000;
  auto post = ProfilePosterior::from_prior(std::nullopt, ModelPrior{});
  Rng rng(42);
  for (int i = 0; i < n; ++i) post.update(finished(rng.uniform() < p_true, std::exp(mu + sigma * rng.normal()), 700));
  const ProfileParams m = post.mean();
  // 99.9 % normal intervals (z = 3.29) of the estimates, plus the prior's pull (its pseudo-counts / n).
  EXPECT_NEAR(m.p_success, p_true, 3.29 * std::sqrt(p_true * (1 - p_true) / n) + 2.0 / n);
  EXPECT_NEAR(m.log_mu, mu, 3.29 * sigma / std::sqrt(n) + std::abs(std::log(10.0) - mu) / n);
  // sigma^2 estimate: sd of a sample variance ~ sigma^2 sqrt(2 / n).
  EXPECT_NEAR(m.log_sigma * m.log_sigma, sigma * sigma, 3.29 * sigma * sigma * std::sqrt(2.0 / n) + 2.0 / n);
  EXPECT_NEAR(m.tokens_mean, 700, 500.0 / n + 1e-9);
}

TEST(LearnPosterior, CensoredLatenciesCorrectTheBiasOfFirstSuccessCancellation) {
  // Batches of 8 under runtime semantics (the first success cancels the rest): the finished
  // samples are the fast ones. Learning from them alone underestimates ln latency; with the
  // censored ones (EM) the estimate is consistent.
  const double p_true = 0.5, mu = 1.0, sigma = 0.5;
  auto with = ProfilePosterior::from_prior(std::nullopt, ModelPrior{});
  auto without = with;
  Rng rng(7);
  int finished_n = 0;
  for (int b = 0; b < 1000; ++b) {
    std::vector<exec::Draw> d(8);
    exec::SettlementBuilder settle;
    for (auto& x : d) {
      x.latency_s = std::exp(mu + sigma * rng.normal());
      x.success = rng.uniform() < p_true;
      settle.add(x.latency_s, x.success);
    }
    const double end = settle.result().end_s;
    for (const auto& x : d) {
      if (x.latency_s <= end) {
        with.update(finished(x.success, x.latency_s, 10));
        without.update(finished(x.success, x.latency_s, 10));
        ++finished_n;
      } else {
        with.update({SampleEnd::cancelled, false, end, 0});
      }
    }
  }
  // Finished samples only: biased low by far more than their sampling error.
  EXPECT_LT(without.mean().log_mu, mu - 0.2);
  // With censoring: within 5 standard errors of the truth (8000 draws, se ~ sigma / sqrt(8000) = 0.006;
  // the histogram's bins of 0.125 shift a censoring point by at most 0.0625, which moves the fit far less).
  EXPECT_NEAR(with.mean().log_mu, mu, 0.03);
  EXPECT_NEAR(with.mean().log_sigma, sigma, 0.03);
  // Success stays unbiased from the finished samples (ignorable censoring).
  EXPECT_NEAR(with.mean().p_success, p_true, 3.29 * std::sqrt(0.25 / finished_n) + 2.0 / finished_n);
}

TEST(LearnPosterior, DrawsAreDeterministicForASeedAndCentredOnTheMean) {
  auto post = ProfilePosterior::from_prior(summary(0.4, 3, 2, 300), ModelPrior{});
  for (int i = 0; i < 20; ++i) post.update(finished(i % 3 == 0, 2.0 + 0.1 * i, 250 + i));
  Rng a(5), b(5), c(6);
  const ParametricProfile x = post.draw(a), y = post.draw(b), z = post.draw(c);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  // The mean of many p draws is the Beta mean (within 4 standard errors of the Monte Carlo mean).
  Rng g(9);
  const int n = 20000;
  double sum = 0, sum_mu = 0;
  for (int i = 0; i < n; ++i) {
    const ProfileParams d = post.draw_params(g);
    sum += d.p_success;
    sum_mu += d.log_mu;
  }
  const double a_ = post.alpha(), b_ = post.beta();
  const double sd = std::sqrt(a_ * b_ / ((a_ + b_) * (a_ + b_) * (a_ + b_ + 1)));
  EXPECT_NEAR(sum / n, a_ / (a_ + b_), 4 * sd / std::sqrt(n));
  const auto nig = post.latency();
  // mu's marginal is Student t with 2a degrees of freedom, scale sqrt(b / (a kappa)).
  const double sd_mu = std::sqrt(nig.b / (nig.a * nig.kappa) * (2 * nig.a) / (2 * nig.a - 2));
  EXPECT_NEAR(sum_mu / n, nig.m, 4 * sd_mu / std::sqrt(n));
}

TEST(LearnPosterior, StateRoundTripGivesAnEqualPosterior) {
  auto post = ProfilePosterior::from_prior(summary(0.4, 3, 2, 300), ModelPrior{});
  post.update(finished(true, 2, 200));
  post.update({SampleEnd::cancelled, false, 1.5, 0});
  post.update({SampleEnd::truncated, false, 4, 300});
  const auto back = ProfilePosterior::from_state(post.state());
  EXPECT_EQ(back, post);
  EXPECT_EQ(back.mean().log_mu, post.mean().log_mu);
  Rng a(1), b(1);
  EXPECT_EQ(back.draw(a), post.draw(b));
}

}  // namespace
}  // namespace concord::learn
