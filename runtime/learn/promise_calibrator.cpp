#include "learn/promise_calibrator.hpp"

#include <algorithm>
#include <cmath>

namespace concord::learn {

namespace {

double logit(double p) {
  p = std::clamp(p, PromiseCalibrator::kClamp, 1 - PromiseCalibrator::kClamp);
  return std::log(p / (1 - p));
}

double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

}  // namespace

void PromiseCalibrator::add(double raw_promise, bool completed) {
  x_.push_back(logit(raw_promise));
  y_.push_back(completed ? 1 : 0);
}

void PromiseCalibrator::fit() {
  // MAP logistic regression y ~ Bernoulli(sigmoid(a x + b)), prior N((1, 0), I / kPriorPrecision):
  // Newton's method from the prior mean (the objective is strictly concave).
  double a = 1, b = 0;
  const double lam = kPriorPrecision;
  for (int it = 0; it < 50; ++it) {
    double ga = -lam * (a - 1), gb = -lam * b;  // gradient of the log posterior
    double haa = lam, hab = 0, hbb = lam;       // minus its Hessian
    for (std::size_t i = 0; i < x_.size(); ++i) {
      const double p = sigmoid(a * x_[i] + b);
      const double r = static_cast<double>(y_[i]) - p, w = p * (1 - p);
      ga += r * x_[i];
      gb += r;
      haa += w * x_[i] * x_[i];
      hab += w * x_[i];
      hbb += w;
    }
    const double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    a += da;
    b += db;
    if (std::abs(da) + std::abs(db) < 1e-12) break;
  }
  a_ = a;
  b_ = b;
}

double PromiseCalibrator::apply(double raw_promise) const { return sigmoid(a_ * logit(raw_promise) + b_); }

}  // namespace concord::learn
