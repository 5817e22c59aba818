// What the node makes of an external worker's claims (service/external_result.hpp): the charge
// never exceeds the sample's reservation, whatever the worker says, and every impossible claim is
// named.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "service/external_result.hpp"

namespace concord::service {
namespace {

constexpr ChargeTerms kTerms{100, 5000, 7, 2.0};  // cap 100 tokens, input 5000 pd, 7 pd/token, x2 time
constexpr Money kReservation = 5000 + 100 * 7;

WorkerSampleResult honest() {
  WorkerSampleResult r;
  r.sample_id = 9;
  r.success = true;
  r.output = "ok";
  r.output_tokens = 40;
  r.latency_s = 1.5;
  return r;
}

TEST(SettleExternal, AnHonestResultIsChargedItsTokensAtTheWorkflowsPrices) {
  const auto s = settle_external(honest(), kTerms);
  EXPECT_TRUE(s.success);
  EXPECT_FALSE(s.truncated || s.cancelled);
  EXPECT_EQ(s.tokens, 40);
  EXPECT_EQ(s.cost, 5000 + 40 * 7);
  EXPECT_DOUBLE_EQ(s.latency_s, 3.0);  // real 1.5 s x time scale 2
  EXPECT_TRUE(s.lies.empty());
}

TEST(SettleExternal, MoreTokensThanTheCapIsALieChargedAtTheCapAndNotASuccess) {
  auto r = honest();
  r.output_tokens = 1'000'000;
  const auto s = settle_external(r, kTerms);
  EXPECT_FALSE(s.success);
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.cost, kReservation);
  ASSERT_EQ(s.lies.size(), 1u);
  EXPECT_NE(s.lies[0].find("above the cap of 100"), std::string::npos);
}

TEST(SettleExternal, NegativeOrNonFiniteNumbersAreLiesAndClamped) {
  auto r = honest();
  r.latency_s = -5;
  r.output_tokens = -3;
  r.input_tokens = -1;
  auto s = settle_external(r, kTerms);
  EXPECT_EQ(s.lies.size(), 3u);
  EXPECT_EQ(s.latency_s, 0);
  EXPECT_EQ(s.cost, 5000);
  r = honest();
  r.latency_s = std::numeric_limits<double>::quiet_NaN();
  s = settle_external(r, kTerms);
  EXPECT_EQ(s.latency_s, 0);
  EXPECT_EQ(s.lies.size(), 1u);
}

TEST(SettleExternal, SuccessWithAnErrorClassIsNotASuccess) {
  auto r = honest();
  r.error = SampleError::timeout;
  const auto s = settle_external(r, kTerms);
  EXPECT_FALSE(s.success);
  EXPECT_EQ(s.lies.size(), 1u);
}

TEST(SettleExternal, UnknownUsageIsChargedTheWholeReservationNeverLess) {
  auto r = honest();
  r.success = false;
  r.error = SampleError::cancelled;
  r.output_tokens = 0;
  r.usage_known = false;  // an HTTP request cut short: the provider may bill it
  auto s = settle_external(r, kTerms);
  EXPECT_TRUE(s.cancelled);
  EXPECT_EQ(s.cost, kReservation);
  r.usage_known = true;  // a local program: nothing more was consumed
  s = settle_external(r, kTerms);
  EXPECT_EQ(s.cost, 5000);
}

TEST(SettleExternal, NoClaimEverChargesMoreThanTheReservation) {
  // Every combination of the fields a worker controls, including absurd ones.
  const std::int64_t tokens[] = {-5, 0, 1, 99, 100, 101, std::numeric_limits<std::int64_t>::max()};
  const double latencies[] = {-1, 0, 1e300, std::numeric_limits<double>::infinity()};
  int n = 0;
  for (auto t : tokens)
    for (auto l : latencies)
      for (int e = 0; e < kSampleErrorCount; ++e)
        for (bool ok : {false, true})
          for (bool known : {false, true}) {
            WorkerSampleResult r;
            r.output_tokens = t;
            r.latency_s = l;
            r.error = static_cast<SampleError>(e);
            r.success = ok;
            r.usage_known = known;
            const auto s = settle_external(r, kTerms);
            ASSERT_LE(s.cost, kReservation);
            ASSERT_GE(s.cost, 5000);
            ASSERT_TRUE(std::isfinite(s.latency_s) && s.latency_s >= 0);
            ASSERT_FALSE(s.success && (s.truncated || s.cancelled));
            ++n;
          }
  EXPECT_EQ(n, 7 * 4 * kSampleErrorCount * 4);
}

}  // namespace
}  // namespace concord::service
