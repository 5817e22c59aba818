#pragma once
// Recalibration of the planner's promise from recorded outcomes (docs/learning.md).
//
// The planner's raw promise is the completion probability of the chosen action followed by a
// fixed continuation policy (Seq-(m, k)) under the posterior: the real run replans at every batch
// end and does better, so the raw promise is biased low (measured: docs/learning.md). The
// calibrator maps it through Platt scaling fitted on past (raw promise, completed) pairs:
//   calibrated = sigmoid(a x logit(raw) + b),  raw clamped to [kClamp, 1 - kClamp],
// with (a, b) the maximum a posteriori logistic regression under a Gaussian prior centred on the
// identity (a = 1, b = 0) with precision kPriorPrecision (worth a few outcomes): with no history
// it returns the raw promise; it moves away only as outcomes accumulate. Deterministic (Newton's
// method from the identity, a fixed number of steps).
#include <cstdint>
#include <vector>

namespace concord::learn {

class PromiseCalibrator {
 public:
  static constexpr double kClamp = 0.005;
  static constexpr double kPriorPrecision = 4.0;

  /// Records one outcome: the raw promise stated at the first decision, and whether the run
  /// completed within budget and deadline.
  void add(double raw_promise, bool completed);
  /// Refits (a, b) on every recorded outcome.
  void fit();
  /// The calibrated promise for a raw one (the last fit; identity before any).
  double apply(double raw_promise) const;

  double a() const { return a_; }
  double b() const { return b_; }
  std::size_t size() const { return x_.size(); }

 private:
  std::vector<double> x_;
  std::vector<std::uint8_t> y_;
  double a_ = 1, b_ = 0;
};

}  // namespace concord::learn
