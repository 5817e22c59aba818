// The expected wait for a worker slot from beacons (route/slot_wait.hpp): the contention
// simulator's rule (McppOutlook::delay_s over a WorkerPool), per worker, shortest over a model.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "contention/worker_pool.hpp"
#include "plan/mcpp_outlook.hpp"
#include "route/slot_wait.hpp"

namespace {

using namespace concord;
using route::Beacon;

/// A worker with `slots` slots, `running` busy, `queued` waiting, service-time EWMA `ewma_s`.
Beacon worker(int slots, int running, int queued, double ewma_s) {
  Beacon b;
  b.queue_length = running + queued;
  b.free_slots = slots - running;
  b.queued = queued;
  b.latency_ewma_s = ewma_s;
  return b;
}

TEST(SlotWait, NoWaitWithAFreeSlotOrUnlimitedSlots) {
  EXPECT_EQ(route::worker_wait_s(worker(2, 1, 0, 10)), 0.0);
  Beacon unlimited;
  unlimited.queue_length = 50;
  unlimited.latency_ewma_s = 10;
  EXPECT_EQ(route::worker_wait_s(unlimited), 0.0);
}

TEST(SlotWait, AFullWorkerMakesANewSampleWaitForItsPlaceInTheQueue) {
  // (queued - free + 1) x EWMA / slots
  EXPECT_DOUBLE_EQ(route::worker_wait_s(worker(2, 2, 0, 10)), 5.0);   // the first of 2 slots to free
  EXPECT_DOUBLE_EQ(route::worker_wait_s(worker(2, 2, 3, 10)), 20.0);  // 4th in line
  EXPECT_DOUBLE_EQ(route::worker_wait_s(worker(1, 1, 1, 6)), 12.0);
  EXPECT_EQ(route::worker_wait_s(worker(1, 1, 4, 0)), 0.0);  // no service time known yet
}

TEST(SlotWait, TheModelsWaitIsItsShortestWorkerWait) {
  // 20 s, 4 s, 5 s: the shortest is neither the first nor the last.
  const std::vector<Beacon> model = {worker(2, 2, 3, 10), worker(4, 4, 1, 8), worker(2, 2, 0, 10)};
  EXPECT_DOUBLE_EQ(route::expected_wait_s(model), 4.0);  // (1 + 1) x 8 / 4
  const std::vector<Beacon> with_room = {worker(3, 2, 0, 10), worker(2, 2, 3, 10)};
  EXPECT_EQ(route::expected_wait_s(with_room), 0.0);
  EXPECT_TRUE(std::isinf(route::expected_wait_s({})));  // no live worker: no slot ever
}

TEST(SlotWait, IsTheContentionSimulatorsRuleForOneWorker) {
  // The simulator's planner view of a one-worker pool (contention_sim.cpp) gives the same wait
  // as the worker's beacon, position by position.
  for (int samples = 0; samples <= 7; ++samples) {
    contention::WorkerPool pool(1, 1, 3, {12.0});
    for (int s = 0; s < samples; ++s) pool.enqueue(pool.choose_worker(0), s);
    McppOutlook o;
    o.queue_ahead = {static_cast<double>(pool.queue_length(0) - pool.free_slots(0))};
    o.wait_per_position_s = {pool.service_ewma_s(0) / pool.capacity(0)};
    const Beacon b = worker(3, pool.busy(0), pool.queue_length(0), pool.service_ewma_s(0));
    EXPECT_DOUBLE_EQ(route::worker_wait_s(b), o.delay_s(0, 0)) << samples << " samples";
  }
}

}  // namespace

// The pool view a negotiating planner reads on the actors (selector's outlook_atom): the
// simulator's McppOutlook figures for a model, queue_ahead = waiting - free over the pool and one
// wait per position = mean service time / the pool's slots; workers without slots do not count.
TEST(SlotWait, ThePoolOutlookIsTheSimulatorsQueueViewOfAModel) {
  const std::vector<Beacon> pool = {worker(4, 4, 3, 10), worker(4, 2, 0, 20)};
  const route::PoolOutlook o = route::pool_outlook(pool);
  EXPECT_DOUBLE_EQ(o.queue_ahead, 3.0 - 2.0);
  EXPECT_DOUBLE_EQ(o.wait_per_position_s, 15.0 / 8);
  McppOutlook m;
  m.queue_ahead = {o.queue_ahead};
  m.wait_per_position_s = {o.wait_per_position_s};
  EXPECT_DOUBLE_EQ(m.delay_s(0, 0), 2 * 15.0 / 8);  // second in line past the free slots
  Beacon unlimited;
  unlimited.queue_length = 9;
  unlimited.latency_ewma_s = 3;
  const route::PoolOutlook none = route::pool_outlook(std::vector<Beacon>{unlimited});
  EXPECT_EQ(none.queue_ahead, 0.0);
  EXPECT_EQ(none.wait_per_position_s, 0.0);
  EXPECT_DOUBLE_EQ(route::pool_outlook(std::vector<Beacon>{worker(2, 1, 0, 0)}).wait_per_position_s, 0.0);  // no EWMA yet
}
