#include "route/linucb.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "route/linalg.hpp"

namespace concord::route {

namespace {
constexpr std::size_t kStackDim = 64;  // ucb() keeps its scratch vector on the stack up to this dimension
}  // namespace

void LinUcbConfig::validate() const {
  if (!(alpha >= 0) || !std::isfinite(alpha)) throw std::invalid_argument("linucb.alpha: must be >= 0");
  if (!(ridge > 0) || !std::isfinite(ridge)) throw std::invalid_argument("linucb.ridge: must be > 0");
  if (!(discount > 0 && discount <= 1)) throw std::invalid_argument("linucb.discount: must be in (0, 1]");
}

LinUcbModel::LinUcbModel(std::size_t dim, const LinUcbConfig& cfg, std::span<const double> prior_mean)
    : d_(dim), cfg_(cfg) {
  cfg.validate();
  if (dim == 0) throw std::invalid_argument("linucb: dimension must be > 0");
  if (!prior_mean.empty() && prior_mean.size() != dim)
    throw std::invalid_argument("linucb: prior mean has " + std::to_string(prior_mean.size()) +
                                " entries, expected " + std::to_string(dim));
  refactor_interval_ = cfg_.refactor_every;
  if (cfg_.discount < 1.0) {
    const double cap = std::floor(std::log(1e6) / -std::log(cfg_.discount));
    const auto c = static_cast<std::uint32_t>(std::clamp(cap, 1.0, 1e9));
    refactor_interval_ = refactor_interval_ == 0 ? c : std::min(refactor_interval_, c);
  }
  a_.assign(d_ * d_, 0.0);
  a_inv_.assign(d_ * d_, 0.0);
  b_.assign(d_, 0.0);
  theta_.assign(d_, 0.0);
  reg_.assign(d_, cfg_.ridge);
  prior_.assign(d_, 0.0);
  if (!prior_mean.empty()) prior_.assign(prior_mean.begin(), prior_mean.end());
  u_.assign(d_, 0.0);
  work_.assign(d_ * d_, 0.0);
  for (std::size_t i = 0; i < d_; ++i) {
    a_[i * d_ + i] = cfg_.ridge;
    a_inv_[i * d_ + i] = 1.0 / cfg_.ridge;
    b_[i] = cfg_.ridge * prior_[i];
  }
  recompute_theta();
}

double LinUcbModel::mean(const double* x) const { return linalg::dot(theta_.data(), x, d_); }

std::vector<double> LinUcbModel::a() const {
  std::vector<double> out(a_);
  for (std::size_t i = 0; i < d_; ++i)
    for (std::size_t j = i + 1; j < d_; ++j) out[i * d_ + j] = out[j * d_ + i];  // only the lower triangle is kept
  for (auto& v : out) v *= scale_;
  return out;
}

std::vector<double> LinUcbModel::a_inv() const {
  std::vector<double> out(a_inv_);
  for (auto& v : out) v /= scale_;
  return out;
}

double LinUcbModel::width(const double* x) const {
  const double q = linalg::quad_form(a_inv_.data(), x, d_) / scale_;
  return q > 0 ? std::sqrt(q) : 0.0;
}

double LinUcbModel::ucb(const double* x, double alpha, double* ainv_x) const {
  double q = 0, m = 0;
  if (d_ <= kStackDim) {
    double y[kStackDim];
    double* yy = ainv_x != nullptr ? ainv_x : y;
    linalg::sym_matvec(a_inv_.data(), x, yy, d_);
    linalg::dot2(theta_.data(), yy, x, d_, m, q);  // m = theta . x, q = x . A_hat^-1 x
  } else {
    q = linalg::quad_form(a_inv_.data(), x, d_);
    m = linalg::dot(theta_.data(), x, d_);
  }
  q /= scale_;
  return m + (q > 0 ? alpha * std::sqrt(q) : 0.0);
}

namespace {

// The G sums theta_g . x_g and x_g . y_g of G candidates, interleaved: 2 G independent
// chains of d additions instead of two at a time, each in the order dot2() uses.
template <std::size_t G>
void dots(const double* const* theta, const double* x, const double* y, std::size_t d, double* tx, double* xy) {
  double s[G], t[G];
  for (std::size_t g = 0; g < G; ++g) s[g] = t[g] = 0;
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t g = 0; g < G; ++g) {
      const double xi = x[g * d + i];
      s[g] += theta[g][i] * xi;
      t[g] += y[g * d + i] * xi;
    }
  for (std::size_t g = 0; g < G; ++g) {
    tx[g] = s[g];
    xy[g] = t[g];
  }
}

}  // namespace

void LinUcbModel::ucb_batch(const LinUcbModel* const* models, std::size_t n, const double* x, double alpha,
                            double* ainv_x, double* scores) {
  if (n == 0) return;
  const std::size_t d = models[0]->d_;
  if (d > kMaxReusableDim) {  // ucb() uses another formula for the width there
    for (std::size_t c = 0; c < n; ++c) scores[c] = models[c]->ucb(x + c * d, alpha);
    return;
  }
  // The products first (independent of each other), then the sums, four candidates at a
  // time, then each score exactly as ucb() computes it.
  for (std::size_t c = 0; c < n; ++c) linalg::sym_matvec(models[c]->a_inv_.data(), x + c * d, ainv_x + c * d, d);
  double tx[4], xy[4];
  const double* th[4];
  for (std::size_t c0 = 0; c0 < n;) {
    const std::size_t g = n - c0 >= 4 ? 4 : n - c0 >= 2 ? 2 : 1;
    for (std::size_t k = 0; k < g; ++k) th[k] = models[c0 + k]->theta_.data();
    const double* xc = x + c0 * d;
    const double* yc = ainv_x + c0 * d;
    if (g == 4)
      dots<4>(th, xc, yc, d, tx, xy);
    else if (g == 2)
      dots<2>(th, xc, yc, d, tx, xy);
    else
      dots<1>(th, xc, yc, d, tx, xy);
    for (std::size_t k = 0; k < g; ++k) {
      const double q = xy[k] / models[c0 + k]->scale_;
      scores[c0 + k] = tx[k] + (q > 0 ? alpha * std::sqrt(q) : 0.0);
    }
    c0 += g;
  }
}

void LinUcbModel::update(const double* x, double r, const double* ainv_x) {
  const std::size_t d = d_;
  double* a = a_.data();
  double* ai = a_inv_.data();
  const double g = cfg_.discount;
  if (g < 1.0) {
    double* u = u_.data();
    // A <- gamma A: only the scalar (A = s A_hat, A^-1 = A_hat^-1 / s).
    scale_ *= g;
    linalg::scale(b_.data(), g, d);
    linalg::scale(reg_.data(), g, d);
    // Cyclic regulariser re-injection on axis k: A += c e_k e_k^T, i.e. A_hat += (c/s) e_k e_k^T.
    const std::size_t k = static_cast<std::size_t>(updates_ % d);
    const double c = (1.0 - g) * static_cast<double>(d) * cfg_.ridge;
    const double ch = c / scale_;
    a[k * d + k] += ch;
    reg_[k] += c;
    b_[k] += c * prior_[k];
    for (std::size_t i = 0; i < d; ++i) u[i] = ai[k * d + i];  // A_hat^-1 e_k (row k == column k)
    linalg::sym_rank1(ai, u, -ch / (1.0 + ch * u[k]), d);
    ainv_x = nullptr;  // A_hat^-1 changed since the caller computed it
  }
  // Data: Sherman–Morrison on A_hat^-1 with u = A_hat^-1 x; A += x x^T (A_hat += x x^T / s;
  // lower triangle only), b += r x. A and b are updated after the chain of d additions of
  // x . u has started, which they do not depend on, so that the processor overlaps them.
  const double w = 1.0 / scale_;
  const double* u = ainv_x;
  if (u == nullptr) {
    linalg::sym_matvec(ai, x, u_.data(), d);
    u = u_.data();
  }
  const double xu = linalg::dot(x, u, d);
  linalg::sym_rank1_lower(a, x, w, d);
  for (std::size_t i = 0; i < d; ++i) b_[i] += r * x[i];
  const double coef = -w / (1.0 + w * xu);
  ++updates_;
  if (refactor_interval_ > 0 && ++since_refactor_ >= refactor_interval_) {
    refactor();  // recomputes A^-1 from A (the rank-1 step would be overwritten), folds the scale, recomputes theta
    return;
  }
  if (scale_ < 1e-100) {
    linalg::sym_rank1(ai, u, coef, d);
    fold_scale();
    recompute_theta();
    return;
  }
  // A_hat^-1 += coef u u^T and theta = A_hat^-1 b / s in one pass (== sym_rank1, then recompute_theta()).
  linalg::sym_rank1_sym_matvec(ai, u, coef, b_.data(), theta_.data(), d);
  if (scale_ != 1.0) linalg::scale(theta_.data(), 1.0 / scale_, d);
}

void LinUcbModel::fold_scale() {
  if (scale_ == 1.0) return;
  linalg::scale(a_.data(), scale_, d_ * d_);
  linalg::scale(a_inv_.data(), 1.0 / scale_, d_ * d_);
  scale_ = 1.0;
}

void LinUcbModel::set_prior_mean(std::span<const double> m, bool recompute) {
  if (m.size() != d_) throw std::invalid_argument("linucb.set_prior_mean: wrong size");
  for (std::size_t i = 0; i < d_; ++i) {
    b_[i] += reg_[i] * (m[i] - prior_[i]);
    prior_[i] = m[i];
  }
  if (recompute) recompute_theta();
}

void LinUcbModel::recompute_theta() {
  linalg::sym_matvec(a_inv_.data(), b_.data(), theta_.data(), d_);
  if (scale_ != 1.0) linalg::scale(theta_.data(), 1.0 / scale_, d_);
}

void LinUcbModel::refactor() {
  since_refactor_ = 0;
  if (scale_ != 1.0) linalg::scale(a_.data(), scale_, d_ * d_);  // A_hat <- s A_hat = A; A^-1 recomputed below
  scale_ = 1.0;
  if (!linalg::spd_inverse(a_.data(), a_inv_.data(), work_.data(), d_))
    throw std::runtime_error("linucb: design matrix lost positive definiteness");
  recompute_theta();
}

void LinUcbModel::merge_data_from(const LinUcbModel& other) {
  if (other.d_ != d_) throw std::invalid_argument("linucb merge: dimensions differ");
  fold_scale();
  for (std::size_t i = 0; i < d_ * d_; ++i) a_[i] += other.scale_ * other.a_[i];
  for (std::size_t i = 0; i < d_; ++i) {
    a_[i * d_ + i] -= other.reg_[i];
    b_[i] += other.b_[i] - other.reg_[i] * other.prior_[i];
  }
  refactor();
}

}  // namespace concord::route
