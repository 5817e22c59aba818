// The ledger actor under duplicated and reordered messages: retried requests
// never double-charge, and committed + reserved never exceeds the budget. The journaled ledger
// actor (--data-dir): what it answered is what its journal replays to, group commit answers every
// request once, and its end marks the journal settled only with nothing reserved.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include <caf/all.hpp>

#include "chaos/fault_points.hpp"
#include "ledger/journal.hpp"
#include "ledger/journaled_ledger.hpp"
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

// ------------------------------------------------------------------ the journaled ledger actor

namespace fs = std::filesystem;

struct JournaledLedgerActor : ::testing::Test {
  JournaledLedgerActor() : sys(LedgerActor::config()), self(sys) {
    std::string tmpl = (fs::temp_directory_path() / "concord-ledger-actor-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    path = (dir / "workflow-1.journal").string();
  }
  ~JournaledLedgerActor() override {
    stop_and_wait(caf::exit_reason::kill);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void spawn(ledger::JournaledLedger book) {
    actor = spawn_journaled_ledger(sys, std::make_shared<ledger::JournaledLedger>(std::move(book)), [this] { settled = true; });
  }
  /// Ends the actor (kill: as a crash would, the journal stays as written) and waits until it is gone.
  void stop_and_wait(caf::exit_reason why) {
    if (!actor) return;
    caf::anon_send_exit(actor, why);
    self->wait_for(actor);
    actor = nullptr;
  }
  template <class... Ts>
  proto::ledger_reply reply(Ts... xs) {
    proto::ledger_reply out = proto::ledger_reply::of(ledger::Code::unknown_id, ledger::DenyReason::none, false);
    self->request(actor, 5s, xs...).receive([&](const proto::ledger_reply& r) { out = r; },
                                             [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }
  proto::ledger_status status() {
    proto::ledger_status s{};
    self->request(actor, 5s, proto::status_atom::value)
        .receive([&](const proto::ledger_status& v) { s = v; }, [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return s;
  }

  caf::actor_system sys;
  caf::scoped_actor self;
  fs::path dir;
  std::string path;
  proto::ledger_actor actor;
  std::atomic<bool> settled{false};
};

TEST_F(JournaledLedgerActor, ItsJournalReplaysToTheStateItAnsweredAndARestartedActorAnswersRetriesFromIt) {
  using ids = std::vector<std::uint64_t>;
  spawn(ledger::JournaledLedger::create(path, 1000, ledger::FsyncPolicy::never));
  ledger::Ledger model(1000);  // the same operations in memory: what the journal must replay to
  auto both = [&](auto op_actor, auto op_model) {
    const proto::ledger_reply r = op_actor();
    EXPECT_EQ(r.status(), op_model().code);
  };
  both([&] { return reply(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{600}); }, [&] { return model.reserve(1, 600); });
  both([&] { return reply(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{600}); }, [&] { return model.reserve(1, 600); });
  both([&] { return reply(proto::reserve_atom::value, std::uint64_t{2}, std::int64_t{600}); }, [&] { return model.reserve(2, 600); });
  both([&] { return reply(proto::commit_atom::value, std::uint64_t{1}, std::int64_t{250}); }, [&] { return model.commit(1, 250); });
  EXPECT_TRUE(reply(proto::reserve_atom::value, ids{3, 4, 5}, std::int64_t{100}).ok());
  ASSERT_TRUE(model.reserve_all(ids{3, 4, 5}, 100).ok());
  EXPECT_FALSE(reply(proto::reserve_atom::value, ids{6, 7}, std::int64_t{300}).ok());  // 250 + 300 + 600 > 1000: none held
  EXPECT_FALSE(model.reserve_all(ids{6, 7}, 300).ok());
  both([&] { return reply(proto::commit_atom::value, std::uint64_t{3}, std::int64_t{20}); }, [&] { return model.commit(3, 20); });
  both([&] { return reply(proto::release_atom::value, std::uint64_t{4}); }, [&] { return model.release(4); });
  const proto::ledger_status before = status();
  EXPECT_EQ(before.committed, 270);
  EXPECT_EQ(before.reserved, 100);  // id 5 is in flight
  stop_and_wait(caf::exit_reason::kill);
  EXPECT_FALSE(settled) << "a killed ledger's journal stays live";

  const ledger::ReplayResult replayed = ledger::replay(path);
  EXPECT_TRUE(replayed.ledger == model) << "the journal replays to exactly the state the actor answered";
  EXPECT_TRUE(replayed.ledger.audit());

  spawn(ledger::JournaledLedger::open(path, ledger::FsyncPolicy::never));
  const proto::ledger_status after = status();
  EXPECT_EQ(std::make_tuple(after.budget, after.committed, after.reserved, after.open),
            std::make_tuple(before.budget, before.committed, before.reserved, before.open));
  const proto::ledger_reply retried = reply(proto::reserve_atom::value, std::uint64_t{5}, std::int64_t{100});
  EXPECT_TRUE(retried.ok());
  EXPECT_TRUE(retried.repeated) << "a reserve retried across the restart holds the money once";
  EXPECT_TRUE(reply(proto::commit_atom::value, std::uint64_t{5}, std::int64_t{100}).ok());
  EXPECT_TRUE(reply(proto::commit_atom::value, std::uint64_t{1}, std::int64_t{250}).repeated);
  EXPECT_EQ(status().committed, 370);
  self->send(actor, proto::stop_atom::value);  // its workflow is over, nothing reserved
  self->wait_for(actor);
  actor = nullptr;
  EXPECT_TRUE(settled);
  EXPECT_EQ(ledger::replay(path).ledger.committed(), 370);
}

TEST_F(JournaledLedgerActor, NoAnswerGoesOutBeforeItsRecordIsSyncedAFailedSyncAnswersAnError) {
  // The fault point journal_fdatasync (chaos/fault_points.hpp) fails the next fdatasync, as a
  // failing disk would. A ledger that answered before its group commit would say "granted" for
  // a grant that may not survive a crash; this one answers the sync's error instead.
  spawn(ledger::JournaledLedger::create(path, 1000, ledger::FsyncPolicy::never));
  EXPECT_TRUE(reply(proto::reserve_atom::value, std::uint64_t{1}, std::int64_t{100}).ok());  // a healthy sync first
  chaos::arm_fault(chaos::FaultPoint::journal_fdatasync, 0, 1);
  std::string error;
  bool granted = false;
  self->request(actor, 5s, proto::reserve_atom::value, std::uint64_t{2}, std::int64_t{200})
      .receive([&](const proto::ledger_reply& r) { granted = r.ok(); }, [&](caf::error& e) { error = caf::to_string(e); });
  chaos::disarm_faults();
  EXPECT_FALSE(granted) << "answered before its record was durable";
  EXPECT_NE(error.find("injected failure"), std::string::npos) << error;
  // The writer is poisoned: every later change fails too (the journal must be reopened).
  error.clear();
  self->request(actor, 5s, proto::commit_atom::value, std::uint64_t{1}, std::int64_t{50})
      .receive([&](const proto::ledger_reply&) {}, [&](caf::error& e) { error = caf::to_string(e); });
  EXPECT_FALSE(error.empty());
  stop_and_wait(caf::exit_reason::kill);
  // Write-ahead: the unanswered grant is in the journal; after a restart a retry gets it back
  // (repeated) instead of holding the money twice.
  spawn(ledger::JournaledLedger::open(path, ledger::FsyncPolicy::never));
  const proto::ledger_reply retried = reply(proto::reserve_atom::value, std::uint64_t{2}, std::int64_t{200});
  EXPECT_TRUE(retried.ok());
  EXPECT_TRUE(retried.repeated);
  EXPECT_EQ(status().reserved, 300);
}

TEST_F(JournaledLedgerActor, ManyRequestsInFlightAreEachAnsweredOnceByTheGroupCommits) {
  spawn(ledger::JournaledLedger::create(path, 1000, ledger::FsyncPolicy::never));
  constexpr int kRequests = 3 * static_cast<int>(kMaxGroupRecords) + 7;  // several full groups and a partial one
  std::vector<decltype(self->request(actor, 5s, proto::reserve_atom::value, std::uint64_t{}, std::int64_t{}))> pending;
  for (int i = 1; i <= kRequests; ++i) pending.push_back(self->request(actor, 5s, proto::reserve_atom::value, std::uint64_t(i), std::int64_t{1}));
  int granted = 0;
  for (auto& h : pending)
    h.receive([&](const proto::ledger_reply& r) { granted += r.ok() ? 1 : 0; }, [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(granted, kRequests);
  EXPECT_EQ(status().reserved, kRequests);
  self->send(actor, proto::stop_atom::value);  // reservations open: the journal stays live
  self->wait_for(actor);
  actor = nullptr;
  EXPECT_FALSE(settled);
  const auto replayed = ledger::replay(path);
  EXPECT_EQ(replayed.records, static_cast<std::uint64_t>(kRequests));
  EXPECT_EQ(replayed.ledger.reserved(), kRequests);
}

}  // namespace
}  // namespace concord::actors
