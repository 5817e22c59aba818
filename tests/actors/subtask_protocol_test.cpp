// The subtask actor's protocol, step by step on CAF's deterministic test
// coordinator: the test plays the ledger, the selector, the workers and the
// workflow, and checks every message the subtask sends.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "messages.hpp"
#include "sim/execution_rules.hpp"
#include "subtask_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

struct TestCluster : ::testing::Test {
  TestCluster()
      : sys(testing::coordinator_config()), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())), self(sys) {}

  proto::subtask_actor spawn_batch(std::int32_t k) {
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
    // The test plays all three: its handle is cast to each interface (actor_cast checks nothing).
    o.workflow = caf::actor_cast<proto::workflow_actor>(self);
    o.ledger = caf::actor_cast<proto::ledger_actor>(self);
    o.selector = caf::actor_cast<proto::selector_actor>(self);
    return spawn_subtask(sys, o);
  }

  /// Lets the system run and answers/collects every message until the mailbox stays empty.
  struct Traffic pump();

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

constexpr std::uint64_t kSample0 = exec::sample_id(7, 0);  // batch 7's sample ids: sample_id(7, j)

/// What the subtask sent while the test played ledger (commits granted), selector and workers.
struct Traffic {
  std::vector<std::pair<std::uint64_t, std::int64_t>> commits;  // (sample id, cost) to the ledger
  std::vector<std::tuple<std::uint64_t, std::int64_t, std::int64_t>> settled;  // (batch, released, cost) to the workflow
  std::vector<std::uint64_t> cancels, forgets;
  std::vector<double> cancel_stop_after_s;  // per cancel: when the sample is deemed stopped (< 0: now)
  std::vector<std::pair<std::uint64_t, bool>> outcomes;  // (dispatch id, success) to the selector
  std::optional<proto::batch_report> report;
  std::int64_t committed() const {
    std::int64_t sum = 0;
    for (const auto& c : commits) sum += c.second;
    return sum;
  }
};

/// The ledger's answers, as the ledger actor gives them.
proto::ledger_reply granted() { return proto::ledger_reply::of(ledger::Code::granted, ledger::DenyReason::none, false); }
proto::ledger_reply denied() { return proto::ledger_reply::of(ledger::Code::denied, ledger::DenyReason::over_budget, false); }
proto::ledger_reply committed() { return proto::ledger_reply::of(ledger::Code::committed, ledger::DenyReason::none, false); }

Traffic TestCluster::pump() {
  Traffic t;
  for (bool got = true; got;) {
    sched.run();
    got = false;
    self->receive(
        [&](proto::commit_atom, std::uint64_t id, std::int64_t cost) {
          got = true;
          t.commits.emplace_back(id, cost);
          return committed();
        },
        [&](proto::settled_atom, std::uint64_t batch, std::int64_t released, std::int64_t cost) {
          got = true;
          t.settled.emplace_back(batch, released, cost);
        },
        [&](proto::cancel_atom, std::uint64_t id, double stop_after_s) {
          got = true, t.cancels.push_back(id), t.cancel_stop_after_s.push_back(stop_after_s);
        },
        [&](proto::forget_atom, std::uint64_t id) { got = true, t.forgets.push_back(id); },
        [&](proto::outcome_atom, std::uint64_t id, bool success, double) { got = true, t.outcomes.emplace_back(id, success); },
        [&](proto::batch_report& r) { got = true, t.report = r; }, caf::after(0s) >> [] {});
  }
  return t;
}

TEST_F(TestCluster, FirstSuccessCancelsSiblingsAndSettlesEachSampleAtItsCost) {
  auto st = spawn_batch(3);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>& ids, std::int64_t each) {
    // Every sample's worst case, all or none, before anything runs.
    EXPECT_EQ(ids, (std::vector<std::uint64_t>{kSample0, kSample0 + 1, kSample0 + 2}));
    EXPECT_EQ(each, 1000);
    return granted();
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
  ok.latency_s = 3.25;
  ok.worker = "w1";
  self->send(st, ok);
  Traffic t = pump();
  EXPECT_EQ(t.outcomes, (std::vector<std::pair<std::uint64_t, bool>>{{101, true}}));  // credited to sample 1's dispatch
  ASSERT_EQ(t.cancels.size(), 2u);  // the siblings
  // They stop when the batch ended, at the winner's latency (exec::cancelled_by), not whenever the cancel arrives.
  EXPECT_EQ(t.cancel_stop_after_s, (std::vector<double>{3.25, 3.25}));
  EXPECT_TRUE(std::find(t.cancels.begin(), t.cancels.end(), requests[0].sample_id) != t.cancels.end());
  EXPECT_TRUE(std::find(t.cancels.begin(), t.cancels.end(), requests[2].sample_id) != t.cancels.end());
  // Sample 1 is settled at once: its cost committed, its reservation's rest released, the workflow told.
  EXPECT_EQ(t.commits, (std::vector<std::pair<std::uint64_t, std::int64_t>>{{kSample0 + 1, 500}}));
  EXPECT_EQ(t.settled, (std::vector<std::tuple<std::uint64_t, std::int64_t, std::int64_t>>{{7, 1000, 500}}));
  EXPECT_FALSE(t.report);  // the siblings have not stopped yet
  for (std::uint64_t id : t.cancels) {  // siblings report pro-rata charges
    proto::sample_result c;
    c.sample_id = id;
    c.cancelled = true;
    c.tokens = 20;
    c.cost = 200;
    c.worker = "w0";
    self->send(st, c);
  }
  t = pump();
  EXPECT_EQ(t.forgets.size(), 2u);  // cancelled samples train nothing
  EXPECT_TRUE(t.outcomes.empty());
  EXPECT_EQ(t.commits.size(), 2u);
  EXPECT_EQ(t.committed(), 400);
  EXPECT_EQ(t.settled.size(), 2u);
  ASSERT_TRUE(t.report);
  EXPECT_TRUE(t.report->body.granted);
  EXPECT_TRUE(t.report->body.success);
  EXPECT_EQ(t.report->body.successes, 1);
  EXPECT_EQ(t.report->body.cancelled, 2);
  EXPECT_EQ(t.report->body.cost, 900);  // 500 + 2 x 200, each committed on its own
}

TEST_F(TestCluster, AllSamplesFailingReportsAFailedBatchForRetry) {
  auto st = spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) { return granted(); });
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
  }
  const Traffic t = pump();
  EXPECT_EQ(t.outcomes, (std::vector<std::pair<std::uint64_t, bool>>{{100, false}, {101, false}}));
  EXPECT_EQ(t.committed(), 2000);
  ASSERT_TRUE(t.report);
  EXPECT_FALSE(t.report->body.success);  // the workflow makes the subtask ready again and replans
  EXPECT_EQ(t.report->body.failures, 2);
  EXPECT_EQ(t.report->body.truncated, 2);
}

TEST_F(TestCluster, DeniedReservationDispatchesNothing) {
  spawn_batch(4);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) { return denied(); });
  RECEIVE([&](proto::batch_report& r) {
    EXPECT_FALSE(r.body.granted);
    EXPECT_EQ(r.body.cost, 0);
  });
  sched.run();
  self->receive([&](proto::pick_atom, const std::string&, std::int32_t) { ADD_FAILURE() << "nothing may be dispatched"; },
                [&](proto::sample_request&) { ADD_FAILURE() << "nothing may be dispatched"; },
                [&](proto::commit_atom, std::uint64_t, std::int64_t) { ADD_FAILURE() << "nothing was reserved"; },
                caf::after(0s) >> [] {});
}

TEST_F(TestCluster, DeadlineCancelChargesTheSamplesProRata) {
  auto st = spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) { return granted(); });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t) { return picks({self, self}); });
  std::vector<proto::sample_request> requests;
  for (int i = 0; i < 2; ++i) RECEIVE([&](proto::sample_request& r) { requests.push_back(r); });
  self->send(st, proto::cancel_atom::value);  // from the workflow: the deadline passed
  Traffic t = pump();
  EXPECT_EQ(t.cancels.size(), 2u);
  EXPECT_EQ(t.cancel_stop_after_s, (std::vector<double>{-1.0, -1.0}));  // they stop now
  for (std::uint64_t id : t.cancels) {
    proto::sample_result c;
    c.sample_id = id;
    c.cancelled = true;
    c.cost = 123;
    c.worker = "w";
    self->send(st, c);
  }
  t = pump();
  EXPECT_EQ(t.forgets.size(), 2u);  // cancelled by the deadline: no credit
  EXPECT_EQ(t.committed(), 246);
  ASSERT_TRUE(t.report);
  EXPECT_FALSE(t.report->body.success);
  EXPECT_EQ(t.report->body.cancelled, 2);
}

TEST_F(TestCluster, SamplesOfAWorkerThatDiedAreRedispatchedUnderTheSameReservation) {
  // The selector hands out a real (short-lived) worker stand-in that dies mid-sample.
  auto doomed = sys.spawn([](caf::event_based_actor* w) -> caf::behavior {
    return {[=](proto::sample_request&) { w->quit(caf::exit_reason::kill); }};
  });
  auto st = spawn_batch(1);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) { return granted(); });
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
  EXPECT_EQ(again.sample_id, kSample0);  // the same sample, under the same reservation
  proto::sample_result ok;
  ok.sample_id = again.sample_id;
  ok.success = true;
  ok.cost = 10;
  ok.worker = "w2";
  self->send(st, ok);
  const Traffic t = pump();
  EXPECT_EQ(t.outcomes, (std::vector<std::pair<std::uint64_t, bool>>{{100, true}}));
  // Committed once, on the reservation made before the worker died: never reserved twice, never leaked.
  EXPECT_EQ(t.commits, (std::vector<std::pair<std::uint64_t, std::int64_t>>{{kSample0, 10}}));
  ASSERT_TRUE(t.report);
  EXPECT_TRUE(t.report->body.success);
  EXPECT_EQ(t.report->body.redispatched, 1);
}

TEST_F(TestCluster, NoWorkerLeftSettlesEveryUnrunSampleAtZero) {
  spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) { return granted(); });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t) { return picks({}); });
  const Traffic t = pump();
  EXPECT_EQ(t.commits, (std::vector<std::pair<std::uint64_t, std::int64_t>>{{kSample0, 0}, {kSample0 + 1, 0}}));
  EXPECT_EQ(t.settled.size(), 2u);  // the workflow sees both reservations released
  ASSERT_TRUE(t.report);
  EXPECT_EQ(t.report->body.failures, 2);
  EXPECT_EQ(t.report->body.reason, "no worker left for model m");
}

// A cancel (deadline, interrupt) can reach a batch before the ledger's or the selector's
// answer. The batch must still settle what the ledger reserved for it: ending at once
// would drop the grant that is on its way and leave the reservation in the ledger forever.
TEST_F(TestCluster, CancelWhileReservingReleasesTheReservationOnceGranted) {
  auto st = spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) {
    self->send(st, proto::cancel_atom::value);  // overtakes the grant
    return granted();
  });
  const Traffic t = pump();
  EXPECT_EQ(t.commits, (std::vector<std::pair<std::uint64_t, std::int64_t>>{{kSample0, 0}, {kSample0 + 1, 0}}));
  EXPECT_EQ(t.settled.size(), 2u);
  ASSERT_TRUE(t.report);
  EXPECT_TRUE(t.report->body.granted);
  EXPECT_FALSE(t.report->body.success);
  EXPECT_EQ(t.report->body.cancelled, 2);
  EXPECT_EQ(t.report->body.cost, 0);
}

TEST_F(TestCluster, CancelWhilePickingDispatchesNothingAndReleasesTheReservation) {
  auto st = spawn_batch(2);
  RECEIVE([&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) { return granted(); });
  RECEIVE([&](proto::pick_atom, const std::string&, std::int32_t) {
    self->send(st, proto::cancel_atom::value);  // overtakes the picks
    return picks({self, self});
  });
  const Traffic t = pump();
  EXPECT_EQ(t.forgets, (std::vector<std::uint64_t>{100, 101}));  // the picked dispatches never happen
  EXPECT_EQ(t.commits, (std::vector<std::pair<std::uint64_t, std::int64_t>>{{kSample0, 0}, {kSample0 + 1, 0}}));
  ASSERT_TRUE(t.report);
  EXPECT_EQ(t.report->body.cancelled, 2);
  bool dispatched = false;
  sched.run();
  self->receive([&](proto::sample_request&) { dispatched = true; }, caf::after(0s) >> [] {});
  EXPECT_FALSE(dispatched);
}

}  // namespace
}  // namespace concord::actors
