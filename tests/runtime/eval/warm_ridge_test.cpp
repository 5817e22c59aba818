// The replay router's warm start in closed form (eval/warm_ridge.hpp) is what a
// LinUcbSelector fed every (row, arm, reward) pair ends with, and the
// cross-validation rule only reads the rows it is given.
#include <gtest/gtest.h>

#include <vector>

#include "eval/warm_ridge.hpp"
#include "route/selector.hpp"
#include "sim/rng.hpp"

namespace {

using namespace concord;
using namespace concord::route;

struct Fixture {
  std::size_t n = 60, d = 5, M = 3, off = 3;
  std::vector<double> x, r, raw;
  explicit Fixture(bool text_decides = true) {
    Rng rng(11);
    x.resize(n * d);
    r.resize(n * M);
    for (std::size_t i = 0; i < n; ++i) {
      x[i * d] = 1.0;
      for (std::size_t j = 1; j < d; ++j) x[i * d + j] = rng.uniform() - 0.5;
      const std::size_t decides = text_decides ? 3 : 1, other = text_decides ? 1 : 3;
      for (std::size_t m = 0; m < M; ++m)
        r[i * M + m] = 0.5 * (static_cast<double>(m) - 1.0) * x[i * d + decides] + 0.3 * x[i * d + other] + 0.1 * rng.uniform();
    }
    raw = r;
  }
  WarmData data() const { return {n, d, M, off, x, r, raw}; }
};

void expect_selector_matches(WarmMode mode) {
  const Fixture f(true);
  const WarmPoint p{0.5, 7.0};
  std::vector<std::size_t> rows(f.n);
  for (std::size_t i = 0; i < f.n; ++i) rows[i] = i;
  const auto thetas = warm_thetas(f.data(), rows, mode, p, 2.0);
  SelectorConfig cfg;
  cfg.mode = SelectorMode::disjoint;
  cfg.prior = mode == WarmMode::hybrid ? NewArmPrior::population : NewArmPrior::fixed;
  cfg.linucb.ridge = 2.0;
  cfg.arm_ridge = p.arm_ridge;
  LinUcbSelector s(f.d, cfg, 1);
  for (std::size_t m = 0; m < f.M; ++m) s.arm_for("m" + std::to_string(m));
  for (std::size_t i = 0; i < f.n; ++i) {
    std::vector<double> row(f.x.begin() + static_cast<std::ptrdiff_t>(i * f.d),
                            f.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * f.d));
    scale_text(row.data(), f.d, f.off, p.text_weight);
    for (std::size_t m = 0; m < f.M; ++m) s.update(m, row.data(), f.r[i * f.M + m]);
  }
  s.refresh_arm_priors();
  for (std::size_t m = 0; m < f.M; ++m)
    for (std::size_t j = 0; j < f.d; ++j) EXPECT_NEAR(s.arm(m).theta()[j], thetas[m * f.d + j], 1e-9) << m << "," << j;
}

TEST(RouteWarmRidge, HybridClosedFormEqualsASelectorFedEveryPair) { expect_selector_matches(WarmMode::hybrid); }
TEST(RouteWarmRidge, DisjointClosedFormEqualsASelectorFedEveryPair) { expect_selector_matches(WarmMode::disjoint); }

TEST(RouteWarmRidge, CrossValidationIsDeterministicAndPicksFromTheGrid) {
  const Fixture f(true);
  const std::vector<double> w = {0, 1}, ridges = {1, 100};
  const auto a = choose_warm(f.data(), WarmMode::hybrid, w, ridges, 1.0, 5, 3);
  const auto b = choose_warm(f.data(), WarmMode::hybrid, w, ridges, 1.0, 5, 3);
  EXPECT_EQ(a.point.text_weight, b.point.text_weight);
  EXPECT_EQ(a.point.arm_ridge, b.point.arm_ridge);
  EXPECT_EQ(a.validation_reward, b.validation_reward);
  EXPECT_EQ(a.point.text_weight, 1.0);  // which arm is best depends on x[3], a text feature
}

TEST(RouteWarmRidge, TheSimplestPointWithinOneStandardErrorOfTheBestIsChosen) {
  const std::vector<WarmPoint> points = {{0, 10}, {0, 1}, {1, 10}};
  // Per-row held-out rewards: {1, 10} is best by 0.01 on average, within one paired se (0.02).
  std::vector<std::vector<double>> held(3, std::vector<double>(100, 0.5));
  for (std::size_t q = 0; q < 100; ++q) held[2][q] = 0.5 + (q % 2 == 0 ? 0.21 : -0.19);
  EXPECT_EQ(simplest_within_one_se(points, held), 0u);  // text weight 0, more shrinkage
  for (std::size_t q = 0; q < 100; ++q) held[2][q] = 0.6;  // better by 0.1, no noise: clearly better
  EXPECT_EQ(simplest_within_one_se(points, held), 2u);
}

TEST(RouteWarmRidge, WhenTheTextDoesNotTellTheArmsApartCrossValidationDropsIt) {
  // One-SE rule of model selection: the text block adds only noise to the arms' ranking here,
  // so the simplest point within one paired standard error of the best has text weight 0.
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Fixture f(false);
    const std::vector<double> w = {0, 0.5, 1, 2}, ridges = {0.1, 1, 10};
    const auto c = choose_warm(f.data(), WarmMode::hybrid, w, ridges, 1.0, 5, seed);
    EXPECT_EQ(c.point.text_weight, 0.0) << "seed " << seed;
  }
}

}  // namespace
