// The tenant ledger actor (actors/tenant_ledger_actor.hpp) and the workflow ledger actor that draws
// from it (actors/tenant_drawn_ledger.hpp), on a real actor system: reserve/commit/renew/expiry,
// idempotent retries, all-or-none batches, commits passed on to the tenant, a dead workflow's money
// returned at lease expiry, and many drawn ledgers at once never taking the tenant over its budget.
// The tenant's time is a ManualClock where the test moves time; the drawn ledger's heartbeat and
// the expiry timer run in real time: ADeadWorkflowsReservationsReturnWithinTheLease takes 3 s of
// real time and allows a second of slack on each bound.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "ledger/tenant_types.hpp"
#include "messages.hpp"
#include "tenant_drawn_ledger.hpp"
#include "tenant_ledger_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;
using ledger::TenantCode;
using Ids = std::vector<std::uint64_t>;

struct TenantActor : ::testing::Test {
  TenantActor() : sys(testing::quiet_config()), self(sys) {}
  ~TenantActor() override {
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  proto::tenant_actor start(Money budget, double lease_s, const Clock* clock = &real_clock(), double tick_s = 0.01) {
    ledger::TenantConfig c;
    c.budget_per_period = budget;
    c.lease_s = lease_s;
    TenantLedgerOptions to;
    to.name = "acme", to.config = c, to.clock = clock, to.tick_s = tick_s;
    auto t = spawn_tenant_ledger(sys, to);
    spawned.push_back(caf::actor_cast<caf::actor>(t));
    return t;
  }
  template <class Handle, class... Ts>
  proto::tenant_reply ask(const Handle& h, Ts... xs) {
    proto::tenant_reply out{static_cast<std::uint8_t>(TenantCode::unknown_id), 0, false, false};
    self->request(h, 5s, xs...).receive([&](const proto::tenant_reply& r) { out = r; },
                                        [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }
  std::uint64_t open(const proto::tenant_actor& t, double* lease_s = nullptr) {
    std::uint64_t id = 0;
    self->request(t, 5s, proto::open_atom::value)
        .receive(
            [&](std::uint64_t w, double l) {
              id = w;
              if (lease_s) *lease_s = l;
            },
            [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return id;
  }
  proto::tenant_status status(const proto::tenant_actor& t) {
    proto::tenant_status s;
    self->request(t, 5s, proto::status_atom::value).receive([&](const proto::tenant_status& x) { s = x; },
                                                           [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return s;
  }
  proto::ledger_status status(const proto::ledger_actor& l) {
    proto::ledger_status s;
    self->request(l, 5s, proto::status_atom::value).receive([&](const proto::ledger_status& x) { s = x; },
                                                           [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return s;
  }
  proto::ledger_reply ask_ledger(const proto::ledger_actor& l, const Ids& ids, Money each) {
    proto::ledger_reply out;
    self->request(l, 5s, proto::reserve_atom::value, ids, each)
        .receive([&](const proto::ledger_reply& r) { out = r; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }
  proto::ledger_actor drawn(const proto::tenant_actor& t, Money budget) {
    double lease_s = 0;
    const auto account = open(t, &lease_s);
    auto l = spawn_tenant_drawn_ledger(sys, budget, TenantLink{t, account, lease_s});
    spawned.push_back(caf::actor_cast<caf::actor>(l));
    return l;
  }
  /// Polls `pred` every 10 ms for up to `limit`.
  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  caf::actor_system sys;
  caf::scoped_actor self;
  std::vector<caf::actor> spawned;
};

TenantCode code(const proto::tenant_reply& r) { return r.status(); }

TEST_F(TenantActor, ReserveCommitReleaseAreAllOrNoneAndExact) {
  const auto t = start(1000, 30);
  const auto w = open(t);
  EXPECT_EQ(code(ask(t, proto::reserve_atom::value, w, Ids{1, 2, 3}, Money{400})), TenantCode::denied) << "1200 > 1000: none held";
  EXPECT_EQ(status(t).reserved, 0);
  const auto g = ask(t, proto::reserve_atom::value, w, Ids{1, 2}, Money{300});
  EXPECT_EQ(code(g), TenantCode::granted);
  EXPECT_TRUE(g.holds);
  EXPECT_EQ(code(ask(t, proto::commit_atom::value, w, std::uint64_t{1}, Money{120})), TenantCode::committed);
  EXPECT_EQ(code(ask(t, proto::release_atom::value, w, std::uint64_t{2})), TenantCode::released);
  const auto s = status(t);
  EXPECT_EQ(s.committed, 120);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(s.budget, 1000);
  EXPECT_EQ(s.name, "acme");
  EXPECT_EQ(s.live_leases, 1u);
}

TEST_F(TenantActor, RetriedMessagesAreAnsweredFromTheRecordAndChargeOnce) {
  const auto t = start(1000, 30);
  const auto w = open(t);
  EXPECT_EQ(code(ask(t, proto::reserve_atom::value, w, Ids{7}, Money{500})), TenantCode::granted);
  const auto again = ask(t, proto::reserve_atom::value, w, Ids{7}, Money{500});
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(status(t).reserved, 500) << "held once";
  EXPECT_EQ(code(ask(t, proto::commit_atom::value, w, std::uint64_t{7}, Money{200})), TenantCode::committed);
  EXPECT_TRUE(ask(t, proto::commit_atom::value, w, std::uint64_t{7}, Money{200}).repeated);
  EXPECT_EQ(status(t).committed, 200) << "charged once";
  EXPECT_EQ(code(ask(t, proto::renew_atom::value, w, std::uint64_t{1})), TenantCode::renewed) << "seq 1 was the open";
  EXPECT_TRUE(ask(t, proto::renew_atom::value, w, std::uint64_t{1}).repeated);
  // Workflow numbers are the tenant's own: a second account is another key space.
  const auto w2 = open(t);
  EXPECT_NE(w2, w);
  EXPECT_EQ(code(ask(t, proto::reserve_atom::value, w2, Ids{7}, Money{100})), TenantCode::granted);
  // An account never opened has no lease.
  const auto none = ask(t, proto::reserve_atom::value, std::uint64_t{999}, Ids{1}, Money{1});
  EXPECT_EQ(none.deny_reason, static_cast<std::uint8_t>(ledger::TenantDenyReason::no_lease));
}

TEST_F(TenantActor, RenewKeepsTheMoneyAndExpiryReturnsItOnTheActorsClock) {
  ManualClock clock;
  const auto t = start(1000, 10, &clock);
  const auto w = open(t);  // lease to 10 s
  ASSERT_EQ(code(ask(t, proto::reserve_atom::value, w, Ids{1}, Money{400})), TenantCode::granted);
  clock.advance(6s);
  EXPECT_EQ(code(ask(t, proto::renew_atom::value, w, std::uint64_t{2})), TenantCode::renewed);  // to 16 s
  clock.advance(6s);  // 12 s: past the first lease, within the renewed one
  EXPECT_EQ(status(t).reserved, 400);
  clock.advance(5s);  // 17 s: expired
  // The expiry timer applies it (every 10 ms of real time); the status shows it.
  EXPECT_TRUE(eventually([&] { return status(t).reserved == 0; }));
  const auto s = status(t);
  EXPECT_EQ(s.expired_holdings, 1u);
  EXPECT_EQ(s.live_leases, 0u);
  EXPECT_EQ(ask(t, proto::reserve_atom::value, w, Ids{2}, Money{1}).deny_reason, static_cast<std::uint8_t>(ledger::TenantDenyReason::no_lease));
  // The sample ran after all: its commit is late and charged only from free money.
  EXPECT_EQ(code(ask(t, proto::commit_atom::value, w, std::uint64_t{1}, Money{300})), TenantCode::committed_late);
  EXPECT_EQ(status(t).committed, 300);
}

TEST_F(TenantActor, ADrawnLedgerAsksTheTenantAndPassesCommitsOn) {
  const auto t = start(500, 30);
  const auto l = drawn(t, 1000);
  ASSERT_TRUE(ask_ledger(l, Ids{1, 2}, 200).ok());
  EXPECT_EQ(status(t).reserved, 400);
  // The workflow could afford 200 more; the tenant cannot (400 + 200 > 500).
  const auto refused = ask_ledger(l, Ids{3}, 200);
  EXPECT_EQ(refused.status(), ledger::Code::denied);
  EXPECT_EQ(refused.deny_reason, static_cast<std::uint8_t>(ledger::DenyReason::source_refused));
  // Beyond the workflow's own budget: refused locally (over_budget), the tenant is not asked.
  EXPECT_EQ(ask_ledger(l, Ids{4, 5, 6, 7, 8, 9}, 200).deny_reason, static_cast<std::uint8_t>(ledger::DenyReason::over_budget));
  // A retried batch is a repeat (no second tenant hold).
  EXPECT_TRUE(ask_ledger(l, Ids{1, 2}, 200).repeated);
  EXPECT_EQ(status(t).reserved, 400);
  proto::ledger_reply r;
  self->request(l, 5s, proto::commit_atom::value, std::uint64_t{1}, Money{150}).receive([&](const proto::ledger_reply& x) { r = x; },
                                                                                       [](caf::error&) {});
  EXPECT_TRUE(r.ok());
  self->request(l, 5s, proto::release_atom::value, std::uint64_t{2}).receive([&](const proto::ledger_reply& x) { r = x; }, [](caf::error&) {});
  EXPECT_TRUE(eventually([&] {
    const auto s = status(t);
    return s.committed == 150 && s.reserved == 0;
  })) << "the tenant hears of the commit and the release";
  const auto ls = status(l);
  EXPECT_EQ(ls.committed, 150);
  EXPECT_EQ(ls.reserved, 0);
}

TEST_F(TenantActor, AReserveRetriedWhileTheTenantIsAskedGetsTheFirstOnesAnswer) {
  // A subtask asks again (same ids) when its ledger's answer is late or lost (ledger_retry_s): the
  // retry may arrive while the first ask is still out at the tenant. It must get the same grant,
  // never a refusal that the batch could take as its answer while the first grant lands unused.
  const auto t = start(1000, 30);
  const auto l = drawn(t, 1000);
  for (std::uint64_t base = 1; base < 40; base += 2) {
    const Ids ids{base, base + 1};
    auto first = self->request(l, 5s, proto::reserve_atom::value, ids, Money{10});
    auto again = self->request(l, 5s, proto::reserve_atom::value, ids, Money{10});  // at once: the first ask is out
    int granted = 0;
    for (auto* h : {&first, &again})
      std::move(*h).receive([&](const proto::ledger_reply& r) { granted += r.ok() ? 1 : 0; },
                            [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    EXPECT_EQ(granted, 2) << "ids " << base << ", " << base + 1;
  }
  EXPECT_EQ(status(l).reserved, 400);  // 20 batches x 2 x 10, held once each
  EXPECT_EQ(status(t).reserved, 400);
}

TEST_F(TenantActor, ADeadWorkflowsReservationsReturnWithinTheLease) {
  // Real time (the drawn ledger's heartbeat): lease 1 s, renewed every 1/3 s; margins of a second
  // so that a loaded machine does not make it flaky.
  const auto t = start(1000, 1.0);
  const auto l = drawn(t, 1000);
  ASSERT_TRUE(ask_ledger(l, Ids{1, 2}, 100).ok());
  std::this_thread::sleep_for(2500ms);  // 2.5 leases: only renewals keep the money
  EXPECT_EQ(status(t).reserved, 200) << "a live workflow renews its lease";
  EXPECT_EQ(status(t).live_leases, 1u);
  caf::anon_send_exit(l, caf::exit_reason::kill);  // its node dies: no renew, no release
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return status(t).reserved == 0; }, 3000ms));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_LE(took, 1.0 + 1.0) << "within lease_s (+ ticks and scheduling slack)";
  EXPECT_EQ(status(t).expired_holdings, 2u);
}

TEST_F(TenantActor, AnUnreachableTenantIsANoAndNothingLeaks) {
  const auto t = start(1000, 30);
  const auto l = drawn(t, 1000);
  caf::anon_send_exit(t, caf::exit_reason::kill);
  const auto r = ask_ledger(l, Ids{1}, 100);
  EXPECT_EQ(r.status(), ledger::Code::denied);
  EXPECT_EQ(status(l).reserved, 0);
}

TEST_F(TenantActor, ManyDrawnLedgersAtOnceNeverTakeTheTenantOverItsBudget) {
  constexpr Money kBudget = 5000;
  const auto t = start(kBudget, 30);
  constexpr int kWorkflows = 12;
  std::vector<proto::ledger_actor> ls;
  for (int i = 0; i < kWorkflows; ++i) ls.push_back(drawn(t, 2000));  // Σ workflow budgets 24 000 > 5 000
  // Every workflow fires batches without waiting (concurrent asks), commits what it got, repeats.
  std::mt19937_64 rng(7);
  std::vector<std::vector<std::uint64_t>> granted(kWorkflows);
  for (int round = 0; round < 15; ++round) {
    std::vector<std::pair<int, Ids>> sent;
    for (int i = 0; i < kWorkflows; ++i) {
      Ids ids{static_cast<std::uint64_t>(round * 10 + 1), static_cast<std::uint64_t>(round * 10 + 2)};
      sent.emplace_back(i, ids);
      self->send(ls[i], proto::reserve_atom::value, ids, Money{100 + static_cast<Money>(rng() % 200)});
    }
    for (int i = 0; i < kWorkflows; ++i) self->receive([](const proto::ledger_reply&) {}, caf::after(5s) >> [] { ADD_FAILURE() << "no answer"; });
    const auto s = status(t);
    ASSERT_LE(s.committed + s.reserved, s.budget) << "round " << round;
    for (int i = 0; i < kWorkflows; ++i)
      for (auto id : sent[i].second) self->send(ls[i], proto::commit_atom::value, id, Money{60});  // unknown or denied ids: no charge
    for (int i = 0; i < kWorkflows * 2; ++i) self->receive([](const proto::ledger_reply&) {}, caf::after(5s) >> [] { ADD_FAILURE() << "no answer"; });
  }
  Money workflows_committed = 0;
  for (auto& l : ls) {
    const auto s = status(l);
    EXPECT_EQ(s.reserved, 0);
    workflows_committed += s.committed;
  }
  EXPECT_TRUE(eventually([&] { return status(t).committed_total == workflows_committed; })) << "every commit reached the tenant";
  const auto s = status(t);
  EXPECT_LE(s.committed, kBudget);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(s.uncovered_total, 0);
  EXPECT_GT(s.committed, kBudget - 400) << "the tenant's money was used (the test exercised the limit)";
}

}  // namespace
}  // namespace concord::actors
