#include "learn/posterior.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace concord::learn {

std::string subtask_key(const Subtask& s) { return s.label.empty() ? s.id : s.label; }

ModelPrior default_model_prior(std::int64_t token_cap) {
  ModelPrior p;
  p.tokens_mean = std::max(1.0, static_cast<double>(token_cap) / 2.0);
  return p;
}

ParametricProfile ProfileParams::to_parametric() const {
  ParametricProfile p;
  p.p_success = std::clamp(p_success, 0.0, 1.0);
  const double s2 = log_sigma * log_sigma;
  p.latency_mean_s = std::exp(log_mu + s2 / 2);
  p.latency_std_s = p.latency_mean_s * std::sqrt(std::expm1(s2));
  p.output_tokens_mean = std::max(0.0, tokens_mean);
  return p;
}

namespace {

constexpr double kMinLatency_s = 1e-3;  // the simulator's floor (exec::kMinParametricLatency_s)

double log_latency(double latency_s) { return std::log(std::max(kMinLatency_s, latency_s)); }

/// Inverse Mills ratio phi(z) / (1 - Phi(z)), stable for large z.
double mills(double z) {
  if (z > 30) return z + 1 / z;
  const double tail = 0.5 * std::erfc(z / std::numbers::sqrt2);
  const double dens = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  return tail > 0 ? dens / tail : z + 1 / z;
}

}  // namespace

ProfilePosterior ProfilePosterior::from_prior(const std::optional<ParametricProfile>& file, const ModelPrior& fallback) {
  ProfilePosterior p;
  if (file) {
    const double n0 = kFilePriorPseudoCount;
    const double pr = std::clamp(file->p_success, 0.0, 1.0);
    p.alpha0_ = std::max(0.01, n0 * pr);
    p.beta0_ = std::max(0.01, n0 * (1 - pr));
    // The log-normal with the summary's mean and std (the simulator's moment match).
    const double mu = std::max(file->latency_mean_s, 1e-9), sd = std::max(file->latency_std_s, 1e-9);
    const double s2 = std::max(1e-6, std::log1p((sd * sd) / (mu * mu)));
    p.m0_ = std::log(mu) - s2 / 2;
    p.kappa0_ = n0;
    p.a0_ = 1 + n0 / 2;
    p.b0_ = (p.a0_ - 1) * s2;
    p.tok_shape0_ = n0 * std::max(1.0, file->output_tokens_mean);
    p.tok_rate0_ = n0;
  } else {
    const double n0 = std::max(1e-3, fallback.success_pseudo_count);
    const double pr = std::clamp(fallback.p_success, 0.0, 1.0);
    p.alpha0_ = std::max(0.01, n0 * pr);
    p.beta0_ = std::max(0.01, n0 * (1 - pr));
    p.m0_ = std::log(std::max(kMinLatency_s, fallback.latency_median_s));
    p.kappa0_ = std::max(1e-3, fallback.latency_pseudo_count);
    p.a0_ = 1 + std::max(2.0, p.kappa0_) / 2;
    p.b0_ = (p.a0_ - 1) * std::max(1e-6, fallback.latency_log_sd * fallback.latency_log_sd);
    const double nt = std::max(1e-3, fallback.tokens_pseudo_count);
    p.tok_shape0_ = nt * std::max(1.0, fallback.tokens_mean);
    p.tok_rate0_ = nt;
  }
  p.dirty_ = true;
  return p;
}

void ProfilePosterior::update(const Observation& o) {
  switch (o.end) {
    case SampleEnd::finished: {
      ++n_finished_;
      (o.success ? successes_ : failures_) += 1;
      const double y = log_latency(o.latency_s);
      lat_n_ += 1;
      lat_sum_ += y;
      lat_sumsq_ += y * y;
      tok_n_ += 1;
      tok_sum_ += static_cast<double>(std::max<std::int64_t>(0, o.output_tokens));
      break;
    }
    case SampleEnd::truncated:
      ++n_truncated_;
      failures_ += 1;
      ++censored_[static_cast<int>(std::floor(log_latency(o.latency_s) / kCensorBinWidth))];
      break;
    case SampleEnd::cancelled:
      ++n_cancelled_;
      ++censored_[static_cast<int>(std::floor(log_latency(o.latency_s) / kCensorBinWidth))];
      break;
  }
  dirty_ = true;
}

ProfilePosterior::Nig ProfilePosterior::latency() const {
  if (dirty_) refresh();
  return fit_;
}

void ProfilePosterior::refresh() const {
  // Normal-Inverse-Gamma posterior from sufficient statistics (n, sum y, sum y^2).
  auto fit = [&](double n, double s1, double s2) {
    Nig r;
    r.kappa = kappa0_ + n;
    r.m = (kappa0_ * m0_ + s1) / r.kappa;
    r.a = a0_ + n / 2;
    double b = b0_;
    if (n > 0) {
      const double mean = s1 / n;
      const double ss = std::max(0.0, s2 - n * mean * mean);
      b += ss / 2 + kappa0_ * n * (mean - m0_) * (mean - m0_) / (2 * r.kappa);
    }
    r.b = b;
    return r;
  };
  Nig cur = fit(lat_n_, lat_sum_, lat_sumsq_);
  if (!censored_.empty()) {
    // EM: replace each censored point c by E[y | y > c] and E[y^2 | y > c] under the current fit.
    for (int it = 0; it < 200; ++it) {
      const double s = std::sqrt(cur.b / std::max(0.5, cur.a - 1));
      double n = lat_n_, s1 = lat_sum_, s2 = lat_sumsq_;
      for (const auto& [bin, count] : censored_) {
        const double c = (bin + 0.5) * kCensorBinWidth;
        const double w = static_cast<double>(count);
        double ey, ey2;
        if (s <= 0) {
          ey = std::max(cur.m, c);
          ey2 = ey * ey;
        } else {
          const double z = (c - cur.m) / s;
          const double lam = mills(z);
          ey = cur.m + s * lam;
          const double var = std::max(0.0, s * s * (1 + z * lam - lam * lam));
          ey2 = var + ey * ey;
        }
        n += w;
        s1 += w * ey;
        s2 += w * ey2;
      }
      const Nig next = fit(n, s1, s2);
      const bool done = std::abs(next.m - cur.m) < 1e-10 && std::abs(next.b - cur.b) < 1e-10 * std::max(1.0, cur.b);
      cur = next;
      if (done) break;
    }
  }
  fit_ = cur;
  dirty_ = false;
}

ProfileParams ProfilePosterior::mean() const {
  const Nig n = latency();
  ProfileParams p;
  p.p_success = alpha() / (alpha() + beta());
  p.log_mu = n.m;
  p.log_sigma = std::sqrt(n.b / std::max(0.5, n.a - 1));
  p.tokens_mean = tokens_shape() / tokens_rate();
  return p;
}

ProfilePosterior::State ProfilePosterior::state() const {
  State s;
  s.alpha0 = alpha0_, s.beta0 = beta0_, s.m0 = m0_, s.kappa0 = kappa0_, s.a0 = a0_, s.b0 = b0_;
  s.tok_shape0 = tok_shape0_, s.tok_rate0 = tok_rate0_;
  s.successes = successes_, s.failures = failures_;
  s.lat_n = lat_n_, s.lat_sum = lat_sum_, s.lat_sumsq = lat_sumsq_;
  s.tok_n = tok_n_, s.tok_sum = tok_sum_;
  s.n_finished = n_finished_, s.n_truncated = n_truncated_, s.n_cancelled = n_cancelled_;
  s.censored = censored_;
  return s;
}

ProfilePosterior ProfilePosterior::from_state(const State& s) {
  ProfilePosterior p;
  p.alpha0_ = s.alpha0, p.beta0_ = s.beta0, p.m0_ = s.m0, p.kappa0_ = s.kappa0, p.a0_ = s.a0, p.b0_ = s.b0;
  p.tok_shape0_ = s.tok_shape0, p.tok_rate0_ = s.tok_rate0;
  p.successes_ = s.successes, p.failures_ = s.failures;
  p.lat_n_ = s.lat_n, p.lat_sum_ = s.lat_sum, p.lat_sumsq_ = s.lat_sumsq;
  p.tok_n_ = s.tok_n, p.tok_sum_ = s.tok_sum;
  p.n_finished_ = s.n_finished, p.n_truncated_ = s.n_truncated, p.n_cancelled_ = s.n_cancelled;
  p.censored_ = s.censored;
  p.dirty_ = true;
  return p;
}

}  // namespace concord::learn
