// The one-standard-error choice rule (route/one_se_rule.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "route/one_se_rule.hpp"

namespace {

using namespace concord::route;

TEST(RouteOneSeRule, TheCheapestArmWithinOneStandardErrorOfTheBestIsChosen) {
  const std::vector<double> mean = {0.70, 0.69, 0.50}, cost = {10.0, 1.0, 0.1};
  const std::vector<double> sd(9, 0.5);  // se = 0.5 x 0.1 = 0.05
  EXPECT_EQ(one_se_choice(mean, cost, sd, 0.1, 0.0), 0u);  // z = 0: greedy
  EXPECT_EQ(one_se_choice(mean, cost, sd, 0.1, 1.0), 1u);  // 0.01 <= 0.05: the cheaper arm
  EXPECT_EQ(one_se_choice(mean, cost, sd, 0.1, 5.0), 2u);  // 0.20 <= 0.25
  EXPECT_EQ(one_se_choice(mean, cost, sd, 0.01, 1.0), 0u);  // more data, smaller se: the best
}

TEST(RouteOneSeRule, AnArmTheGroupMeansTellApartIsNotEligible) {
  const std::vector<double> mean = {0.70, 0.69}, cost = {10.0, 1.0}, sd(4, 0.5);
  const std::vector<double> close = {0.60, 0.59}, apart = {0.60, 0.40};
  EXPECT_EQ(one_se_choice(mean, cost, sd, 0.1, 1.0, close), 1u);
  EXPECT_EQ(one_se_choice(mean, cost, sd, 0.1, 1.0, apart), 0u);
}

TEST(RouteOneSeRule, PairedResidualSdIsZeroOnTheDiagonalAndSymmetric) {
  const std::vector<double> e = {0.1, -0.1, 0.3, 0.2, 0.0, -0.2};  // 3 rows x 2 arms
  const auto sd = paired_residual_sd(e, 3, 2);
  EXPECT_EQ(sd[0], 0.0);
  EXPECT_EQ(sd[3], 0.0);
  EXPECT_DOUBLE_EQ(sd[1], sd[2]);
  EXPECT_NEAR(sd[1], std::sqrt((0.04 + 0.01 + 0.04) / 3.0), 1e-12);
}

}  // namespace
