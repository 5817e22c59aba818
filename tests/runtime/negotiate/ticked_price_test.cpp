// negotiate::TickedPrice (issue 13): a DualPrice on its owner's clock, its ticks taken lazily.
// Taken lazily or at each tick's end, the prices are the same; an operation at a tick's end
// counts in that tick; idle ticks are taken too; the adaptive pace is the contention
// simulator's (PriceBoard) rule.
#include <gtest/gtest.h>

#include <vector>

#include "negotiate/ticked_price.hpp"
#include "sim/rng.hpp"

namespace concord::negotiate {
namespace {

DualPriceConfig config() {
  DualPriceConfig c;
  c.pace = 2.0;
  c.step_size = 0.05;
  c.max_price = 50;
  return c;
}

// Consumption arrives at random instants; the owner is asked at random instants (often several
// ticks apart). Every tick's price equals that of a DualPrice updated at each tick's end with the
// sum of what arrived in (end - tick, end].
TEST(TickedPrice, LazyTicksEqualTicksTakenAtEachEnd) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    const double tick = 5;
    TickedPrice lazy(config(), tick);
    double used = 0, used_at_tick = 0;  // the owner's counter, and its value at the last tick taken
    std::vector<double> per_tick(200, 0.0);
    double t = 0;
    while (t < 900) {
      t += 7 * rng.uniform();
      lazy.advance(t, [&](double) {
        TickObservation o;
        o.consumption = used - used_at_tick;
        used_at_tick = used;
        return o;
      });
      const double amount = 4 * rng.uniform();
      used += amount;
      // (end - tick, end]: a consumption at exactly an end counts in that tick.
      per_tick[static_cast<std::size_t>(std::ceil(t / tick)) - 1] += amount;
    }
    DualPrice eager(config());
    ASSERT_GT(lazy.history().size(), 150u);
    for (std::size_t i = 0; i < lazy.history().size(); ++i) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " tick " << i);
      EXPECT_DOUBLE_EQ(lazy.tick_end_s()[i], tick * static_cast<double>(i + 1));
      EXPECT_NEAR(lazy.history()[i], eager.update(per_tick[i]), 1e-9);  // sums in another order
    }
  }
}

TEST(TickedPrice, AnOperationAtATicksEndCountsInThatTick) {
  TickedPrice p(config(), 5);
  double used = 0, at_tick = 0;
  auto observe = [&](double) {
    TickObservation o;
    o.consumption = used - at_tick;
    at_tick = used;
    return o;
  };
  p.advance(5, observe);  // at 5: tick (0, 5] is not over yet
  EXPECT_TRUE(p.history().empty());
  used += 10;             // at exactly 5
  p.advance(5.5, observe);
  ASSERT_EQ(p.history().size(), 1u);
  EXPECT_DOUBLE_EQ(p.price(), 0.05 * (10 - 2));
}

TEST(TickedPrice, IdleTicksAreTakenAndTheAdaptivePaceIsTheSimulatorsRule) {
  TickedPrice p(config(), 5);
  p.advance(5.1, [](double) { return TickObservation{12, -1}; });
  EXPECT_DOUBLE_EQ(p.price(), 0.05 * 10);
  p.advance(20.1, [](double) { return TickObservation{0, -1}; });  // three idle ticks: -0.1 each
  EXPECT_EQ(p.history().size(), 4u);
  EXPECT_NEAR(p.price(), 0.5 - 3 * 0.1, 1e-12);
  // Adaptive: b x rho / rho_t; rho_t <= 0 with consumption: far ahead of pace.
  EXPECT_DOUBLE_EQ(in_fixed_pace_units(3, 2, 1.5), 4.0);
  EXPECT_DOUBLE_EQ(in_fixed_pace_units(3, 2, 0), 2e6);
  EXPECT_DOUBLE_EQ(in_fixed_pace_units(0, 2, 0), 0.0);
  EXPECT_DOUBLE_EQ(in_fixed_pace_units(3, 0, 1.5), 3.0);  // no fixed pace: as observed
  TickedPrice q(config(), 5);
  q.advance(5.5, [](double) { return TickObservation{3, 1.5}; });
  EXPECT_DOUBLE_EQ(q.price(), 0.05 * (4.0 - 2));
  EXPECT_THROW(TickedPrice(config(), 0), std::invalid_argument);
}

}  // namespace
}  // namespace concord::negotiate
