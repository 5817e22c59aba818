// The subtask actor's protocol, step by step on CAF's deterministic test
// coordinator: the test plays the ledger, the selector, the workers and the
// workflow, and checks every message the subtask sends.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "messages.hpp"
#include "subtask_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

struct TestCluster : ::testing::Test {
  TestCluster() : sys(make_config()), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())), self(sys) {}

  static caf::actor_system_config& make_config() {
    static caf::actor_system_config cfg;
    static bool once = [] {
      proto::register_messages(cfg);
      cfg.set("scheduler.policy", caf::atom("testing"));
      cfg.set("logger.verbosity", caf::atom("quiet"));
      return true;
    }();
    (void)once;
    return cfg;
  }

  caf::actor spawn_batch(std::int32_t k) {
    SubtaskOptions o;
    o.subtask = 3;
    o.model_id = "m";
    o.k = k;
    o.batch_id = 7;
    o.reservation = 1000 * k;
    o.token_cap = 100;
    o.price_per_token = 10;
    o.profile.latency_s = {1.0};
    o.profile.success = {1};
    o.profile.tokens = {50};
    o.workflow = self;
    o.ledger = self;
    o.selector = self;
    return spawn_subtask(sys, o);
  }

  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;
};

/// The selector's answer to a pick: the workers and their dispatch ids (100, 101, ...).
caf::message picks(std::vector<caf::actor> workers) {
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < workers.size(); ++i) ids.push_back(100 + i);
  return caf::make_message(std::move(workers), std::move(ids));
}

/// Pulls one message from the scoped actor's mailbox after letting the system run.
#define RECEIVE(...)                                                                    \
  do {                                                                                  \
    sched.run();                                                                        \
    self->receive(__VA_ARGS__, caf::after(0s) >> [&] { ADD_FAILURE() << "no message"; }); \
  } while (false)

TEST_F(TestCluster, FirstSuccessCancelsSiblingsAndCommitsTheActualCost) {
  auto st = spawn_batch(3);
  RECEIVE([&](proto::reserve_atom, std::uint64_t id, std::int64_t amount) {
    EXPECT_EQ(id, 7u);
    EXPECT_EQ(amount, 3000);  // k x worst case, reserved before anything runs
    return true;
  });
  RECEIVE([&](proto::pick_atom, const std::string& model, std::int32_t count) {
    EXPECT_EQ(model, "m");
    EXPECT_EQ(count, 3);
    return picks({self, self, self});
  });
  std::vector<proto::sample_request> requests;
  for (int i = 0; i < 3; ++i) RECEIVE([&](proto::sample_request& r) { requests.push_back(r); });
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].token_cap, 100);
  // Sample 1 succeeds first.
  proto::sample_result ok;
  ok.sample_id = requests[1].sample_id;
  ok.success = true;
  ok.tokens = 50;
  ok.cost = 500;
  ok.worker = "w1";
  self->send(st, ok);
  std::vector<std::uint64_t> cancelled;
  for (int i = 0; i < 3; ++i) {  // one outcome note to the selector, two cancels to the workers
    RECEIVE([&](proto::outcome_atom, std::uint64_t dispatch, bool success, double) {
              EXPECT_EQ(dispatch, 101u);  // credited to the dispatch of sample 1, whatever the order
              EXPECT_TRUE(success);
            },
            [&](proto::cancel_atom, std::uint64_t id) { cancelled.push_back(id); });
  }
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_TRUE(std::find(cancelled.begin(), cancelled.end(), requests[0].sample_id) != cancelled.end());
  EXPECT_TRUE(std::find(cancelled.begin(), cancelled.end(), requests[2].sample_id) != cancelled.end());
  for (std::uint64_t id : cancelled) {  // siblings report pro-rata charges
    proto::sample_result c;
    c.sample_id = id;
    c.cancelled = true;
    c.tokens = 20;
    c.cost = 200;
    c.worker = "w0";
    self->send(st, c);
    // A cancelled sample trains nothing: the selector forgets its dispatch.
    RECEIVE([&](proto::forget_atom, std::uint64_t dispatch) { EXPECT_TRUE(dispatch == 100u || dispatch == 102u) << dispatch; });
  }
  RECEIVE([&](proto::commit_atom, std::uint64_t id, std::int64_t actual) {
    EXPECT_EQ(id, 7u);
    EXPECT_EQ(actual, 900);  // 500 + 2 x 200: the rest of the 3000 is released
    return true;
  });
  RECEIVE([&](proto::batch_report& r) {
    EXPECT_TRUE(r.granted);
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.successes, 1);
    EXPECT_EQ(r.cancelled, 2);
    EXPECT_EQ(r.cost, 900);
  });
}

TEST_F(TestCluster, AllSamplesFailingReportsAFailedBatchForRetry) {
  auto st = spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, std::uint64_t, std::int64_t) { return true; });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t) { return picks({self, self}); });
  std::vector<proto::sample_request> requests;
  for (int i = 0; i < 2; ++i) RECEIVE([&](proto::sample_request& r) { requests.push_back(r); });
  for (const auto& r : requests) {
    proto::sample_result f;
    f.sample_id = r.sample_id;
    f.tokens = 100;
    f.cost = 1000;
    f.truncated = true;
    f.worker = "w";
    self->send(st, f);
    RECEIVE([&](proto::outcome_atom, std::uint64_t, bool success, double) { EXPECT_FALSE(success); });
  }
  RECEIVE([&](proto::commit_atom, std::uint64_t, std::int64_t actual) {
    EXPECT_EQ(actual, 2000);
    return true;
  });
  RECEIVE([&](proto::batch_report& r) {
    EXPECT_FALSE(r.success);  // the workflow makes the subtask ready again and replans
    EXPECT_EQ(r.failures, 2);
    EXPECT_EQ(r.truncated, 2);
  });
}

TEST_F(TestCluster, DeniedReservationDispatchesNothing) {
  spawn_batch(4);
  RECEIVE([&](proto::reserve_atom, std::uint64_t, std::int64_t) { return false; });
  RECEIVE([&](proto::batch_report& r) {
    EXPECT_FALSE(r.granted);
    EXPECT_EQ(r.cost, 0);
  });
  sched.run();
  self->receive([&](proto::pick_atom, const std::string&, std::int32_t) { ADD_FAILURE() << "nothing may be dispatched"; },
                [&](proto::sample_request&) { ADD_FAILURE() << "nothing may be dispatched"; }, caf::after(0s) >> [] {});
}

TEST_F(TestCluster, DeadlineCancelChargesTheSamplesProRata) {
  auto st = spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, std::uint64_t, std::int64_t) { return true; });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t) { return picks({self, self}); });
  std::vector<proto::sample_request> requests;
  for (int i = 0; i < 2; ++i) RECEIVE([&](proto::sample_request& r) { requests.push_back(r); });
  self->send(st, proto::cancel_atom::value);  // from the workflow: the deadline passed
  std::vector<std::uint64_t> cancelled;
  for (int i = 0; i < 2; ++i) RECEIVE([&](proto::cancel_atom, std::uint64_t id) { cancelled.push_back(id); });
  EXPECT_EQ(cancelled.size(), 2u);
  for (std::uint64_t id : cancelled) {
    proto::sample_result c;
    c.sample_id = id;
    c.cancelled = true;
    c.cost = 123;
    c.worker = "w";
    self->send(st, c);
    RECEIVE([&](proto::forget_atom, std::uint64_t) {});  // cancelled by the deadline: no credit
  }
  RECEIVE([&](proto::commit_atom, std::uint64_t, std::int64_t actual) {
    EXPECT_EQ(actual, 246);
    return true;
  });
  RECEIVE([&](proto::batch_report& r) {
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.cancelled, 2);
  });
}

TEST_F(TestCluster, SamplesOfAWorkerThatDiedAreRedispatchedUnderTheSameReservation) {
  // The selector hands out a real (short-lived) worker stand-in that dies mid-sample.
  auto doomed = sys.spawn([](caf::event_based_actor* w) -> caf::behavior {
    return {[=](proto::sample_request&) { w->quit(caf::exit_reason::kill); }};
  });
  auto st = spawn_batch(1);
  RECEIVE([&](proto::reserve_atom, std::uint64_t, std::int64_t) { return true; });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t) { return picks({doomed}); });
  // The worker dies: its dispatch is forgotten (the dead worker is excluded, not trained) and
  // the subtask asks for one replacement.
  RECEIVE([&](proto::forget_atom, std::uint64_t dispatch) { EXPECT_EQ(dispatch, 100u); });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t count) {
    EXPECT_EQ(count, 1);
    return picks({self});
  });
  proto::sample_request again;
  RECEIVE([&](proto::sample_request& r) { again = r; });
  proto::sample_result ok;
  ok.sample_id = again.sample_id;
  ok.success = true;
  ok.cost = 10;
  ok.worker = "w2";
  self->send(st, ok);
  RECEIVE([&](proto::outcome_atom, std::uint64_t dispatch, bool, double) { EXPECT_EQ(dispatch, 100u); });
  RECEIVE([&](proto::commit_atom, std::uint64_t id, std::int64_t actual) {
    EXPECT_EQ(id, 7u);  // the same reservation: never reserved twice, never leaked
    EXPECT_EQ(actual, 10);
    return true;
  });
  RECEIVE([&](proto::batch_report& r) {
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.redispatched, 1);
  });
}

}  // namespace
}  // namespace concord::actors
