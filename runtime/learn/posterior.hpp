#pragma once
// Profiles learned from outcomes (issue 12, docs/learning.md): the posterior of one model on one
// subtask, from a prior (the workflow file's `parametric` summary, else a per-model default) and
// the samples that settled since.
//
//   success        p ~ Beta(alpha, beta)                               (conjugate: Bernoulli)
//   latency        y = ln(latency_s) ~ N(mu, sigma^2), (mu, sigma^2) ~ Normal-Inverse-Gamma(m, kappa, a, b)
//                  (conjugate: log-normal latency with unknown mean and variance)
//   output tokens  tokens ~ Poisson(lambda), lambda ~ Gamma(shape, rate) (conjugate: Gamma-Poisson)
//
// How a settled sample counts (Observation::end):
//   finished   success and latency observed; its tokens count.
//   truncated  reached the token cap: a failure (runtime semantics); its latency is right-censored
//              (it would have run longer); its tokens are not counted (the tokens posterior is for
//              samples that end below the cap: a draw is clamped to the cap, truncation is learnt by
//              the Beta as failure).
//   cancelled  cut short (a sibling succeeded first, or the run ended): its success is unknown and
//              not counted (ignorable: which samples are cancelled depends on latencies, which are
//              independent of success in the model); its latency is right-censored at the elapsed
//              time; its tokens are not counted.
// Censored latencies are kept in a histogram of ln(latency) (bins of kCensorBinWidth) and enter
// the Normal-Inverse-Gamma posterior by expectation-maximisation: each censored point is replaced
// by E[y | y > c] and its second moment under the current fit, iterated to a fixed point. This is
// an approximation (the exact censored posterior is not conjugate): the fit is consistent, the
// posterior spread of sigma^2 is somewhat too narrow when most samples are censored.
//
// Pure C++20; deterministic given the generator (Rng, FastRng: next(), uniform(), normal()).
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/workflow.hpp"

namespace concord::learn {

/// The key a posterior is stored under for a subtask: its label when non-empty (the same kind of
/// step in the next run of the workflow, even if ids are renumbered), else its id.
std::string subtask_key(const Subtask& s);

/// How one settled sample ended.
enum class SampleEnd : std::uint8_t { finished, truncated, cancelled };

/// One settled sample of a model on a subtask, as the learner sees it.
struct Observation {
  SampleEnd end = SampleEnd::finished;
  bool success = false;            // finished: passed its check (ignored otherwise)
  double latency_s = 0;            // finished: its latency; truncated / cancelled: time run until stopped
  std::int64_t output_tokens = 0;  // finished: tokens generated (ignored otherwise)
};

/// Pseudo-samples the prior built from a file's `parametric` summary is worth, for each part.
inline constexpr double kFilePriorPseudoCount = 4.0;

/// The prior of a model on a subtask without a `parametric` summary (documented defaults;
/// deliberately vague): p ~ Beta(1, 1) (mean 0.5, worth 2 samples); ln latency centred on
/// ln(latency_median_s) with kappa = 1 and E[sigma^2] = latency_log_sd^2 (a = 2); tokens mean
/// `tokens_mean` worth one sample. default_model_prior(cap) sets tokens_mean = cap / 2.
struct ModelPrior {
  double p_success = 0.5;
  double success_pseudo_count = 2.0;
  double latency_median_s = 10.0;
  double latency_log_sd = 1.0;
  double latency_pseudo_count = 1.0;  // kappa
  double tokens_mean = 500.0;
  double tokens_pseudo_count = 1.0;
};
ModelPrior default_model_prior(std::int64_t token_cap);

/// Width of the censored-latency histogram's bins, in ln(seconds) (12.5 % in latency).
inline constexpr double kCensorBinWidth = 0.125;

/// Parameters drawn from (or the mean of) a posterior, in the planner's form.
struct ProfileParams {
  double p_success = 0;
  double log_mu = 0, log_sigma = 0;  // latency ~ lognormal(log_mu, log_sigma)
  double tokens_mean = 0;

  /// As a workflow file's summary: latency mean exp(mu + sigma^2/2), std mean x sqrt(exp(sigma^2) - 1).
  ParametricProfile to_parametric() const;
};

class ProfilePosterior {
 public:
  /// The prior of a pair: from the file's summary when given (p with kFilePriorPseudoCount
  /// pseudo-samples; ln latency at the moments' log-normal, kappa = pseudo-count, E[sigma^2] its
  /// sigma^2; tokens mean with pseudo-count samples), else from `fallback`.
  static ProfilePosterior from_prior(const std::optional<ParametricProfile>& file, const ModelPrior& fallback);

  /// Folds one settled sample in (see the header comment for what each end counts as).
  void update(const Observation& o);

  /// Beta(alpha, beta) on success.
  double alpha() const { return alpha0_ + successes_; }
  double beta() const { return beta0_ + failures_; }
  /// Normal-Inverse-Gamma on ln latency (after EM over the censored points).
  struct Nig {
    double m = 0, kappa = 1, a = 2, b = 1;
  };
  Nig latency() const;
  /// Gamma(shape, rate) on the tokens mean.
  double tokens_shape() const { return tok_shape0_ + tok_sum_; }
  double tokens_rate() const { return tok_rate0_ + tok_n_; }

  /// The posterior mean: E[p], (m, sqrt(E[sigma^2])), E[lambda].
  ProfileParams mean() const;
  /// One draw (Thompson-style): p ~ Beta, sigma^2 ~ InvGamma(a, b), mu ~ N(m, sigma^2 / kappa),
  /// lambda ~ Gamma. Deterministic given the generator's state.
  template <class Gen>
  ProfileParams draw_params(Gen& g) const;
  template <class Gen>
  ParametricProfile draw(Gen& g) const { return draw_params(g).to_parametric(); }
  ParametricProfile mean_profile() const { return mean().to_parametric(); }

  /// Samples folded in, by kind.
  std::int64_t finished() const { return n_finished_; }
  std::int64_t truncated() const { return n_truncated_; }
  std::int64_t cancelled() const { return n_cancelled_; }

  // -- state, for the profile store (every field; a round trip gives an equal posterior) --
  struct State {
    double alpha0 = 1, beta0 = 1, m0 = 0, kappa0 = 1, a0 = 2, b0 = 1, tok_shape0 = 1, tok_rate0 = 1;
    double successes = 0, failures = 0;
    double lat_n = 0, lat_sum = 0, lat_sumsq = 0;  // uncensored ln latencies
    double tok_n = 0, tok_sum = 0;
    std::int64_t n_finished = 0, n_truncated = 0, n_cancelled = 0;
    std::map<int, std::int64_t> censored;  // histogram bin -> count (bin j covers [j, j+1) x kCensorBinWidth)
    friend bool operator==(const State&, const State&) = default;
  };
  State state() const;
  static ProfilePosterior from_state(const State& s);

  friend bool operator==(const ProfilePosterior& a, const ProfilePosterior& b) { return a.state() == b.state(); }

 private:
  void refresh() const;

  double alpha0_ = 1, beta0_ = 1;
  double m0_ = 0, kappa0_ = 1, a0_ = 2, b0_ = 1;
  double tok_shape0_ = 1, tok_rate0_ = 1;
  double successes_ = 0, failures_ = 0;
  double lat_n_ = 0, lat_sum_ = 0, lat_sumsq_ = 0;
  double tok_n_ = 0, tok_sum_ = 0;
  std::int64_t n_finished_ = 0, n_truncated_ = 0, n_cancelled_ = 0;
  std::map<int, std::int64_t> censored_;
  mutable bool dirty_ = true;  // latency() recomputes the EM fit (not thread-safe on one object)
  mutable Nig fit_;
};

// -- samplers (deterministic given the generator; Gen: uniform() in [0, 1), normal()) --

/// Gamma(shape, 1) by Marsaglia and Tsang (shape < 1: boosted by U^(1/shape)). REQUIRES: shape > 0.
template <class Gen>
double gamma_draw(double shape, Gen& g) {
  if (shape < 1.0) {
    double u = g.uniform();
    while (u <= 0.0) u = g.uniform();
    return gamma_draw(shape + 1.0, g) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = g.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = g.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

/// Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b).
template <class Gen>
double beta_draw(double a, double b, Gen& g) {
  const double x = gamma_draw(a, g), y = gamma_draw(b, g);
  return x + y > 0 ? x / (x + y) : 0.5;
}

template <class Gen>
ProfileParams ProfilePosterior::draw_params(Gen& g) const {
  const Nig n = latency();
  ProfileParams p;
  p.p_success = beta_draw(alpha(), beta(), g);
  const double sigma2 = n.b / std::max(1e-300, gamma_draw(n.a, g));  // InvGamma(a, b)
  p.log_sigma = std::sqrt(sigma2);
  p.log_mu = n.m + std::sqrt(sigma2 / n.kappa) * g.normal();
  p.tokens_mean = gamma_draw(tokens_shape(), g) / tokens_rate();
  return p;
}

}  // namespace concord::learn
