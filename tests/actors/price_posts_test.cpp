// The prices negotiation posts on the actors (issue 13, docs/negotiation.md "Prices on the
// actors"): the tenant ledger actor's money price and the selector's slot price per model, each
// a DualPrice ticking on its owner's clock (negotiate::TickedPrice), moved by what was consumed
// in each tick: the dollars committed at the tenant, the slot-seconds its workers' beacons say
// were demanded. Time is a ManualClock the test moves; every figure is checked exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <tuple>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "ledger/tenant_types.hpp"
#include "messages.hpp"
#include "selector_actor.hpp"
#include "tenant_ledger_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

negotiate::DualPriceConfig euclidean(double pace, double step) {
  negotiate::DualPriceConfig c;
  c.pace = pace;
  c.step_size = step;
  c.max_price = 100;
  return c;
}

struct PricePosts : ::testing::Test {
  PricePosts() : sys(testing::quiet_config()), self(sys) {}
  ~PricePosts() override {
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  void at(double t_s) {  // the ManualClock to t_s seconds since the test began
    clock.advance(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t_s - now_s)));
    now_s = t_s;
  }
  template <class Handle, class... Ts>
  double price(const Handle& h, Ts... xs) {
    double out = -1;
    self->request(h, 5s, proto::price_atom::value, xs...).receive([&](double p) { out = p; },
                                                                  [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }
  proto::tenant_actor tenant(std::optional<negotiate::PriceTerms> terms) {
    TenantLedgerOptions to;
    to.name = "acme";
    to.config.budget_per_period = money_from_dollars(100);
    to.config.lease_s = 1e6;
    to.clock = &clock;
    to.tick_s = 1000;  // the expiry tick (real seconds) never fires in the test
    to.money_price = terms;
    auto t = spawn_tenant_ledger(sys, to);
    spawned.push_back(caf::actor_cast<caf::actor>(t));
    return t;
  }
  /// Reserves and commits `usd` at the tenant for a new id of `account`.
  void spend(const proto::tenant_actor& t, std::uint64_t account, double usd) {
    const Money m = money_from_dollars(usd);
    const std::uint64_t id = ++ids;
    self->request(t, 5s, proto::reserve_atom::value, account, std::vector<std::uint64_t>{id}, m)
        .receive([](const proto::tenant_reply&) {}, [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    self->request(t, 5s, proto::commit_atom::value, account, id, m)
        .receive([](const proto::tenant_reply&) {}, [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  }
  std::uint64_t open(const proto::tenant_actor& t) {
    std::uint64_t account = 0;
    self->request(t, 5s, proto::open_atom::value).receive([&](std::uint64_t w, double) { account = w; },
                                                         [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return account;
  }
  void beacon(const proto::selector_actor& s, const std::string& worker, double demand_slot_s) {
    proto::beacon b;
    b.worker = worker;
    b.model = "m";
    b.handle = caf::actor_cast<caf::actor>(self);
    b.free_slots = 0;
    b.queue = 2;
    b.queued = 1;  // one slot, busy, one waiting
    b.latency_ewma_s = 4;
    b.demand_slot_s = demand_slot_s;
    self->send(s, b);
    // A round trip after it: the selector has handled the beacon before the test moves the clock.
    self->request(s, 5s, proto::workers_atom::value, std::string("m")).receive([](std::int32_t) {}, [](caf::error&) {});
  }

  caf::actor_system sys;
  caf::scoped_actor self;
  ManualClock clock;
  double now_s = 0;
  std::uint64_t ids = 0;
  std::vector<caf::actor> spawned;
};

// Pace $1 per 5 s tick, eta 0.1 per $: $3 committed in the first tick (one of them exactly at its
// end, which counts in it) raises the price by 0.1 x (3 - 1) = 0.2; an idle tick lowers it by 0.1.
// The price read in a tick is the one posted at its start (ticks are taken before the read).
TEST_F(PricePosts, TheTenantsMoneyPriceRisesWhenSpendRunsAheadOfPaceAndFallsBehindIt) {
  const auto t = tenant(negotiate::PriceTerms{euclidean(1.0, 0.1), 5, 0});
  const std::uint64_t a = open(t);
  at(1);
  spend(t, a, 2);
  EXPECT_DOUBLE_EQ(price(t), 0.0);
  at(5);
  spend(t, a, 1);  // at the tick's end: this tick's
  EXPECT_DOUBLE_EQ(price(t), 0.0);
  at(6);
  EXPECT_NEAR(price(t), 0.2, 1e-12);
  at(11);  // tick 2 (5, 10]: nothing spent
  EXPECT_NEAR(price(t), 0.1, 1e-12);
  at(31);  // ticks 3..6 idle: the price reaches 0 and stays there (projected)
  EXPECT_DOUBLE_EQ(price(t), 0.0);
  const auto none = tenant(std::nullopt);  // no terms: no price
  const std::uint64_t b = open(none);
  spend(none, b, 50);
  at(60);
  EXPECT_DOUBLE_EQ(price(none), 0.0);
}

// Adaptive pace (the simulator's): what is left of $100 at a tick's end spread over what is left
// of a 100 s window, rho_t = left x 10 / max(10, 100 - end). Tick 1 (0, 10]: $40 spent, left $60,
// rho_t = 60 x 10 / 90 = 6.67: the DualPrice (fixed pace $10) is fed 40 x 10 / 6.67 = 60, price
// 0.1 x (60 - 10) = 5. Tick 2: nothing spent, fed 0: 5 - 0.1 x 10 = 4. Tick 3: $15, left $45,
// rho_t = 45 x 10 / 70: fed 15 x 10 x 70 / 450 = 23.33: 4 + 0.1 x 13.33.
TEST_F(PricePosts, TheAdaptivePaceIsWhatIsLeftOverWhatIsLeftOfTheWindow) {
  const auto t = tenant(negotiate::PriceTerms{euclidean(10.0, 0.1), 10, 100});
  const std::uint64_t a = open(t);
  at(3);
  spend(t, a, 40);
  at(11);
  EXPECT_NEAR(price(t), 0.1 * (40.0 * 10 / (60.0 * 10 / 90) - 10), 1e-9);
  at(21);
  EXPECT_NEAR(price(t), 4.0, 1e-9);
  at(25);
  spend(t, a, 15);
  at(31);
  EXPECT_NEAR(price(t), 4.0 + 0.1 * (15.0 * 10 / (45.0 * 10 / 70) - 10), 1e-9);
}

// Two workers of model m, capacity paced at 10 slot-seconds per 5 s tick, eta 0.1: beacons say 14
// + 12 slot-seconds were demanded in the first tick (ahead of pace by 16: +1.6), 1 + 3 in the second
// (behind by 6: -0.6). A beacon after a tick's end does not count in it. Another model: price 0.
TEST_F(PricePosts, TheSelectorsSlotPriceFollowsTheDemandItsWorkersBeaconsReport) {
  SelectorOptions so;
  so.clock = &clock;
  so.time_scale = 1;
  so.beacon_interval_s = 1000;  // beacons sent once must not go stale
  so.slot_prices["m"] = negotiate::PriceTerms{euclidean(10.0, 0.1), 5, 0};
  const auto s = spawn_selector(sys, so);
  spawned.push_back(caf::actor_cast<caf::actor>(s));
  beacon(s, "a", 0);
  beacon(s, "b", 0);
  at(4);
  beacon(s, "a", 14);
  beacon(s, "b", 12);
  at(6);
  beacon(s, "a", 15);  // after the first tick's end: the second tick's
  EXPECT_NEAR(price(s, std::string("m")), 1.6, 1e-12);
  at(9);
  beacon(s, "b", 15);
  at(11);
  EXPECT_NEAR(price(s, std::string("m")), 1.6 - 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(price(s, std::string("other")), 0.0);
  // The outlook a negotiating planner reads: the pool's queue (2 waiting - 0 free), one wait per
  // position (EWMA 4 s / 2 slots), and the same price.
  std::tuple<double, double, double> o{-1, -1, -1};
  self->request(s, 5s, proto::outlook_atom::value, std::string("m"))
      .receive([&](double q, double w, double p) { o = {q, w, p}; }, [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_DOUBLE_EQ(std::get<0>(o), 2.0);
  EXPECT_DOUBLE_EQ(std::get<1>(o), 2.0);
  EXPECT_NEAR(std::get<2>(o), 1.0, 1e-12);
}

}  // namespace
}  // namespace concord::actors
