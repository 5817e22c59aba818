// The simulated model worker on a virtual clock (no real time): samples from different
// requesters never collide, even with the same sample id (several workflows, possibly from
// several coordinators, share the workers), a cancel ends only its sender's sample, and a
// cancel's stop time decides the charge the way exec::cancelled_by and exec::tokens_after do.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actor_test_support.hpp"
#include "messages.hpp"
#include "model_worker.hpp"
#include "virtual_time.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

proto::sample_request request(std::uint64_t id, double latency_s) { return testing::simple_sample(id, latency_s); }

struct VirtualWorker : ::testing::Test {
  VirtualWorker()
      : sys(testing::coordinator_config()), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    WorkerOptions wo;
    wo.name = "w";
    wo.model = "m";
    wo.beacon_interval_s = 0;
    wo.clock = wo.virtual_time = &vt;
    worker = spawn_simulated_worker(sys, wo);
  }
  ~VirtualWorker() override {
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
    sched.run();
    while (!vt.timeline().empty()) vt.timeline().pop();
  }
  /// Handles every message, then delivers the timeline's events up to `until_s`, one at a time.
  void run_until(double until_s) {
    sched.run();
    while (!vt.timeline().empty() && vt.timeline().next_s() <= until_s) {
      auto [target, msg] = vt.timeline().pop();
      caf::anon_send(target, std::move(msg));
      sched.run();
    }
  }
  /// Moves virtual time to `t` (an event that does nothing, then run_until(t)).
  void advance_to(double t) {
    vt.at(t, TimePhase::event, caf::actor_cast<caf::actor>(sink), caf::make_message(proto::tick_atom::value));
    run_until(t);
  }
  /// The results in `self`'s mailbox now.
  static std::vector<proto::sample_result> results(caf::scoped_actor& self) {
    std::vector<proto::sample_result> out;
    for (bool more = true; more;)
      self->receive([&](proto::sample_result& r) { out.push_back(r); }, caf::after(0s) >> [&] { more = false; });
    return out;
  }

  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  VirtualTime vt{1.0};
  proto::worker_actor worker;
  caf::scoped_actor sink{sys};  // receives the events that only move time
};

TEST_F(VirtualWorker, SameSampleIdFromTwoRequestersRunsTwiceAndCancelsOnlyItsOwn) {
  caf::scoped_actor a{sys}, b{sys};
  a->send(worker, request(7, 200));
  b->send(worker, request(7, 20));  // the same id from another workflow
  run_until(5);
  a->send(worker, proto::cancel_atom::value, std::uint64_t{7}, -1.0);  // a cancels its own sample only, now (t = 0)
  run_until(19.9);
  EXPECT_TRUE(results(b).empty());  // b's sample ends at its latency on the virtual clock, not before
  run_until(1000);
  auto ra = results(a), rb = results(b);
  ASSERT_EQ(ra.size(), 1u);  // exactly one answer each
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(vt.now_s(), 200.0);  // a's sample would have ended here: its timer fired and found nothing to do
  EXPECT_EQ(ra[0].sample_id, 7u);
  EXPECT_TRUE(ra[0].cancelled);
  EXPECT_EQ(ra[0].cost, 0);  // stopped at its start: nothing generated
  EXPECT_EQ(rb[0].sample_id, 7u);
  EXPECT_FALSE(rb[0].cancelled);  // not touched by a's cancel
  EXPECT_TRUE(rb[0].success);
  EXPECT_EQ(rb[0].latency_s, 20.0);
  EXPECT_EQ(rb[0].cost, 500);
}

TEST_F(VirtualWorker, ACancelStopsASampleAtItsStopTimeOrLetsItFinishIfItEndedBy) {
  caf::scoped_actor self{sys};
  self->send(worker, request(1, 10));  // 50 tokens over 10 s
  self->send(worker, request(2, 10));
  self->send(worker, request(3, 10));
  run_until(0);
  self->send(worker, proto::cancel_atom::value, std::uint64_t{1}, 4.0);   // the batch ended 4 s after the start
  self->send(worker, proto::cancel_atom::value, std::uint64_t{2}, 10.0);  // ... exactly when this one ends
  advance_to(6);
  self->send(worker, proto::cancel_atom::value, std::uint64_t{3}, -1.0);  // now: 6 s after its start
  run_until(100);
  auto got = results(self);
  ASSERT_EQ(got.size(), 3u);
  std::sort(got.begin(), got.end(), [](const auto& x, const auto& y) { return x.sample_id < y.sample_id; });
  EXPECT_TRUE(got[0].cancelled);
  EXPECT_EQ(got[0].tokens, 20);  // floor(50 x 4 / 10): exec::tokens_after
  EXPECT_EQ(got[0].cost, 200);
  EXPECT_FALSE(got[1].cancelled);  // not still running when the batch ended (exec::cancelled_by)
  EXPECT_TRUE(got[1].success);
  EXPECT_EQ(got[1].tokens, 50);
  EXPECT_TRUE(got[2].cancelled);
  EXPECT_EQ(got[2].tokens, 30);  // 6 s of 10
}

}  // namespace
}  // namespace concord::actors
