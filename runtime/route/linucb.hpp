#pragma once
// One LinUCB ridge-regression model ("arm" in the disjoint variant, the whole
// model in the shared variant) over d-dimensional features.
//
// State (exact invariants, maintained after every public call):
//   A      d x d symmetric positive definite design matrix,
//   b      d vector,
//   A_inv  == A^-1 (Sherman–Morrison rank-1 updates, O(d^2); every
//          `refactor_every` updates A_inv is recomputed from A by Cholesky so
//          rounding drift cannot accumulate),
//   theta  == A_inv b (the ridge estimate),
//   reg    diag of the regulariser part of A (A = diag(reg) + discounted Gram),
//          so that b = reg .* prior_mean + discounted sum of r x.
// Prior: A_0 = ridge I, b_0 = ridge * prior_mean (theta_0 = prior_mean).
//
// Update with features x and reward r (t = number of updates so far, k = t mod d):
//   gamma == 1:  A <- A + x x^T,                       b <- b + r x
//   gamma <  1:  A <- gamma A + c e_k e_k^T + x x^T,   b <- gamma b + c prior_mean[k] e_k + r x,
//                with c = (1 - gamma) d ridge.
// The regulariser is re-injected one axis per update, cyclically, so that every
// step is (scale + two rank-1 updates) and A_inv stays exact in O(d^2). Over a
// cycle of d updates this equals, on average, A <- gamma A + (1-gamma) ridge I +
// x x^T (the textbook discounted LinUCB); each diagonal entry of the regulariser
// stays within [gamma^(d-1), 1] * ridge / (1 - gamma^d) * (1 - gamma) d, i.e. close
// to ridge, so the model never loses its regularisation (no singular A) and,
// without data, forgets back to its prior.
//
// Score: theta^T x + alpha sqrt(x^T A_inv x).
//
// Storage: A = s * A_hat and A_inv = A_hat^-1 / s with one scalar s, so the
// discount costs O(d) (s <- gamma s) instead of two d x d passes; s is folded
// back into the matrices at every refactorisation (and whenever it falls below
// 1e-100, so it can never underflow). Only the lower triangle (j <= i) of A_hat
// is kept up to date: it is all the Cholesky refactorisation reads (a() mirrors it).
//
// Cost of update() (discount 1): one triangular rank-1 pass over A_hat, one pass
// for u = A_hat^-1 x (skipped when the caller passes the product ucb() computed),
// and one fused pass for A_hat^-1 += c u u^T and theta = A_hat^-1 b.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace concord::route {

struct LinUcbConfig {
  double alpha = 0.5;            // exploration weight (width of the confidence bonus)
  double ridge = 1.0;            // lambda: prior precision (pseudo-observations per axis)
  double discount = 1.0;         // gamma in (0, 1]; 1 = no forgetting
  // Full Cholesky re-inversion every N updates (0 = never when discount == 1).
  // With discount < 1 the Sherman–Morrison recursion amplifies rounding errors by
  // 1/gamma per update (exponentially weighted RLS is not numerically stable on
  // its own), so the interval used is capped at floor(ln(1e6) / ln(1/gamma))
  // updates (e.g. 269 at gamma 0.95, 61 at 0.8): the amplification between two
  // refactorisations stays below 1e6 x machine epsilon.
  std::uint32_t refactor_every = 256;

  /// Throws std::invalid_argument naming the parameter when out of range.
  void validate() const;
};

class LinUcbModel {
 public:
  LinUcbModel() = default;
  /// REQUIRES: dim > 0, cfg valid. prior_mean empty = zero vector, else size dim.
  LinUcbModel(std::size_t dim, const LinUcbConfig& cfg, std::span<const double> prior_mean = {});

  std::size_t dim() const { return d_; }
  const LinUcbConfig& config() const { return cfg_; }
  std::uint64_t updates() const { return updates_; }
  /// The refactorisation interval in use (see LinUcbConfig::refactor_every; 0 = never).
  std::uint32_t refactor_interval() const { return refactor_interval_; }

  /// theta^T x (expected reward).
  double mean(const double* x) const;
  /// sqrt(x^T A^-1 x) (confidence width, before alpha).
  double width(const double* x) const;
  /// theta^T x + alpha * width(x).
  double ucb(const double* x, double alpha) const { return ucb(x, alpha, nullptr); }
  double ucb(const double* x) const { return ucb(x, cfg_.alpha); }
  /// The same score; when dim() <= kMaxReusableDim and ainv_x is not null, also
  /// writes the d-vector this model's update() would compute from x first (its
  /// internal A^-1 x), so that update(x, r, ainv_x) can skip that O(d^2) product.
  double ucb(const double* x, double alpha, double* ainv_x) const;
  static constexpr std::size_t kMaxReusableDim = 64;
  /// scores[c] = models[c]->ucb(x + c d, alpha, ainv_x + c d) for c < n (bit-identical),
  /// computed together: the n products first, then the sums of several candidates
  /// interleaved, so that their chains of additions overlap. x and ainv_x: n x d
  /// (ainv_x written only when d <= kMaxReusableDim). REQUIRES: the models have one dimension d.
  static void ucb_batch(const LinUcbModel* const* models, std::size_t n, const double* x, double alpha,
                        double* ainv_x, double* scores);

  /// One observation (features x of size dim, reward r). No allocation.
  void update(const double* x, double r) { update(x, r, nullptr); }
  /// The same, given ainv_x = what ucb(x, alpha, ainv_x) wrote for this very x on
  /// the current state (no update, merge or refactor of this model in between;
  /// a change of prior mean does not matter). The result is bit-identical to
  /// update(x, r). With discount < 1 ainv_x is ignored (A^-1 changes first).
  void update(const double* x, double r, const double* ainv_x);

  /// Replaces the prior mean (b <- b + reg .* (new - old), theta recomputed): the
  /// posterior becomes the one this model would have had with that prior from the
  /// start. O(d^2). REQUIRES: prior_mean.size() == dim().
  void set_prior_mean(std::span<const double> prior_mean, bool recompute_theta = true);

  /// Recomputes A^-1 from A (Cholesky) and theta. O(d^3).
  void refactor();

  /// Adds the data part of `other` (its A and b minus its regulariser/prior
  /// part) to this model, then refactors. With discount 1 and equal priors,
  /// merging two models equals one model that saw both observation streams.
  /// REQUIRES: other.dim() == dim().
  void merge_data_from(const LinUcbModel& other);

  std::span<const double> theta() const { return theta_; }
  /// A and A^-1, row-major d x d (copies, scaled: for tests and inspection).
  std::vector<double> a() const;
  std::vector<double> a_inv() const;
  std::span<const double> b() const { return b_; }
  std::span<const double> prior_mean() const { return prior_; }
  std::span<const double> regulariser() const { return reg_; }

 private:
  void recompute_theta();
  void fold_scale();  // A_hat <- s A_hat, M <- M / s, s <- 1

  std::size_t d_ = 0;
  LinUcbConfig cfg_;
  std::uint64_t updates_ = 0;
  std::uint32_t since_refactor_ = 0;
  std::uint32_t refactor_interval_ = 0;
  double scale_ = 1.0;  // s: A = s * a_, A^-1 = a_inv_ / s
  std::vector<double> a_, a_inv_, b_, theta_, reg_, prior_;
  std::vector<double> u_, work_;  // scratch: d and d*d
};

}  // namespace concord::route
