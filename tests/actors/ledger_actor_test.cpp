// The ledger actor under duplicated and reordered messages: retried requests
// never double-charge, and committed + reserved never exceeds the budget.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "ledger_actor.hpp"
#include "actor_test_support.hpp"
#include "messages.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

struct LedgerActor : ::testing::Test {
  LedgerActor() : sys(config()), self(sys) { ledger = spawn_ledger(sys, 1000); }
  ~LedgerActor() override { caf::anon_send_exit(ledger, caf::exit_reason::user_shutdown); }
  static caf::actor_system_config& config() { return testing::quiet_config(); }
  /// The ledger's answer (its result code); a missing answer fails the test.
  template <class... Ts>
  proto::ledger_reply reply(Ts... xs) {
    proto::ledger_reply out = proto::ledger_reply::of(ledger::Code::unknown_id, ledger::DenyReason::none, false);
    self->request(ledger, 5s, xs...)
        .receive([&](const proto::ledger_reply& r) { out = r; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }
  template <class... Ts>
  bool ask(Ts... xs) {
    return reply(xs...).ok();
  }
  template <class... Ts>
  ledger::Code code(Ts... xs) {
    return reply(xs...).status();
  }
  std::vector<std::int64_t> status() {
    std::vector<std::int64_t> s;
    self->request(ledger, 5s, proto::status_atom::value)
        .receive([&](const proto::ledger_status& v) { s = {v.budget, v.committed, v.reserved}; },
                 [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return s;
  }
  caf::actor_system sys;
  caf::scoped_actor self;
  proto::ledger_actor ledger;
};

TEST_F(LedgerActor, DuplicatedReserveHoldsTheMoneyOnce) {
  EXPECT_TRUE(ask(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{600}));
  EXPECT_TRUE(ask(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{600}));  // a retried message
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 0, 600}));
  const auto denied = reply(proto::reserve_atom::value, std::uint64_t{2}, std::int64_t{600});  // 600 + 600 > 1000
  EXPECT_EQ(denied.status(), ledger::Code::denied);
  EXPECT_EQ(denied.deny_reason, static_cast<std::uint8_t>(ledger::DenyReason::over_budget));
  EXPECT_TRUE(reply(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{600}).repeated);
}

TEST_F(LedgerActor, DuplicatedCommitChargesOnce) {
  ASSERT_TRUE(ask(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{600}));
  EXPECT_TRUE(ask(proto::commit_atom::value, std::uint64_t{1}, std::int64_t{250}));
  EXPECT_TRUE(ask(proto::commit_atom::value, std::uint64_t{1}, std::int64_t{250}));
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 250, 0}));  // the other 350 released, once
  EXPECT_EQ(code(proto::commit_atom::value, std::uint64_t{1}, std::int64_t{300}), ledger::Code::conflict);  // a conflicting retry
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 250, 0}));
}

TEST_F(LedgerActor, ReorderedMessagesNeverOverspend) {
  EXPECT_EQ(code(proto::commit_atom::value, std::uint64_t{9}, std::int64_t{100}), ledger::Code::unknown_id);  // commit overtook its reserve
  EXPECT_TRUE(ask(proto::reserve_atom::value, std::uint64_t{9}, std::int64_t{100}));
  EXPECT_TRUE(ask(proto::commit_atom::value, std::uint64_t{9}, std::int64_t{100}));   // the retry lands
  EXPECT_EQ(code(proto::release_atom::value, std::uint64_t{9}), ledger::Code::already_committed);  // the charge stands
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 100, 0}));
  EXPECT_FALSE(ask(proto::commit_atom::value, std::uint64_t{10}, std::int64_t{5000}));
  EXPECT_FALSE(ask(proto::reserve_atom::value, std::uint64_t{11}, std::int64_t{901}));  // 100 + 901 > 1000
  EXPECT_TRUE(ask(proto::reserve_atom::value, std::uint64_t{12}, std::int64_t{900}));   // exactly the budget
  const auto s = status();
  EXPECT_LE(s[1] + s[2], s[0]);
}

TEST_F(LedgerActor, ABatchIsReservedWhollyOrNotAtAll) {
  using ids = std::vector<std::uint64_t>;
  EXPECT_TRUE(ask(proto::reserve_atom::value, ids{1, 2, 3}, std::int64_t{300}));
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 0, 900}));
  EXPECT_TRUE(ask(proto::reserve_atom::value, ids{1, 2, 3}, std::int64_t{300}));  // a retried message
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 0, 900}));
  EXPECT_FALSE(ask(proto::reserve_atom::value, ids{4, 5}, std::int64_t{60}));  // 120 > 100 left: none held
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 0, 900}));
  EXPECT_EQ(code(proto::reserve_atom::value, ids{3, 6}, std::int64_t{50}), ledger::Code::conflict);  // 6 is not kept
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 0, 900}));
  // Each sample settles on its own: commit its cost, release the rest of its reservation.
  EXPECT_TRUE(ask(proto::commit_atom::value, std::uint64_t{2}, std::int64_t{120}));
  EXPECT_EQ(status(), (std::vector<std::int64_t>{1000, 120, 600}));
  EXPECT_TRUE(ask(proto::reserve_atom::value, ids{4, 5}, std::int64_t{60}));  // now it fits
  EXPECT_EQ(code(proto::reserve_atom::value, ids{}, std::int64_t{1}), ledger::Code::invalid_amount);
  const auto s = status();
  EXPECT_LE(s[1] + s[2], s[0]);
}

}  // namespace
}  // namespace concord::actors
