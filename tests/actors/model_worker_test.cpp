// The simulated model worker: samples from different requesters never collide, even
// with the same sample id (several workflows, possibly from several coordinators,
// share the workers), and a cancel ends only its sender's sample.
#include <gtest/gtest.h>

#include <chrono>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "messages.hpp"
#include "model_worker.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

proto::sample_request request(std::uint64_t id, double latency_s) {
  proto::sample_request r;
  r.sample_id = id;
  r.price_per_token = 10;
  r.token_cap = 1000;
  r.time_scale = 1000;  // 1 simulated second = 1 ms
  r.profile.latency_s = {latency_s};
  r.profile.success = {1};
  r.profile.tokens = {50};
  return r;
}

TEST(ModelWorker, SameSampleIdFromTwoRequestersRunsTwiceAndCancelsOnlyItsOwn) {
  caf::actor_system sys{testing::quiet_config()};
  WorkerOptions wo;
  wo.name = "w";
  wo.model = "m";
  wo.beacon_interval_s = 0;
  auto worker = spawn_simulated_worker(sys, wo);
  caf::scoped_actor a{sys}, b{sys};
  a->send(worker, request(7, 200));  // 200 ms real
  b->send(worker, request(7, 20));   // the same id from another workflow, 20 ms real
  a->send(worker, proto::cancel_atom::value, std::uint64_t{7}, -1.0);  // a cancels its own sample only, now
  bool a_done = false, b_done = false;
  a->receive([&](proto::sample_result& r) {
    EXPECT_EQ(r.sample_id, 7u);
    EXPECT_TRUE(r.cancelled);
    a_done = true;
  }, caf::after(2s) >> [] {});
  b->receive([&](proto::sample_result& r) {
    EXPECT_EQ(r.sample_id, 7u);
    EXPECT_FALSE(r.cancelled);  // not touched by a's cancel
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.cost, 500);
    b_done = true;
  }, caf::after(2s) >> [] {});
  EXPECT_TRUE(a_done);
  EXPECT_TRUE(b_done);
  // Each got exactly one answer.
  a->receive([&](proto::sample_result&) { ADD_FAILURE() << "a second answer for a"; }, caf::after(300ms) >> [] {});
  b->receive([&](proto::sample_result&) { ADD_FAILURE() << "a second answer for b"; }, caf::after(0ms) >> [] {});
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace concord::actors
