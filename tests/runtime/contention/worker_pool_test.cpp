#include <gtest/gtest.h>

#include "contention/contention_bench.hpp"
#include "contention/worker_pool.hpp"

namespace concord::contention {
namespace {

TEST(WorkerPool, SamplesBeyondTheSlotsWaitInFifoOrder) {
  WorkerPool pool(1, 1, 2, {1.0});
  EXPECT_TRUE(pool.enqueue(0, 10));
  EXPECT_TRUE(pool.enqueue(0, 11));
  EXPECT_FALSE(pool.enqueue(0, 12));
  EXPECT_FALSE(pool.enqueue(0, 13));
  EXPECT_EQ(pool.free_slots(0), 0);
  EXPECT_EQ(pool.queue_length(0), 2);
  EXPECT_EQ(pool.queue_position(0, 13), 1);
  EXPECT_EQ(pool.release_slot(0), 12);  // the head of the queue takes the slot
  EXPECT_TRUE(pool.remove_queued(0, 13));
  EXPECT_EQ(pool.release_slot(0), -1);
  EXPECT_EQ(pool.free_slots(0), 1);
}

TEST(WorkerPool, RoutesToTheLeastLoadedWorkerOfTheModel) {
  WorkerPool pool(2, 3, 1, {1.0, 1.0});
  EXPECT_EQ(pool.choose_worker(1), 3);
  pool.enqueue(3, 0);
  EXPECT_EQ(pool.choose_worker(1), 4);
  pool.enqueue(4, 1);
  pool.enqueue(5, 2);
  EXPECT_EQ(pool.choose_worker(1), 3);  // all equal: the lowest index
  EXPECT_EQ(pool.model_of(5), 1);
}

TEST(WorkerPool, IntegratesBusyAndDemandedSlotSeconds) {
  WorkerPool pool(1, 1, 1, {1.0});
  pool.enqueue(0, 0);
  pool.enqueue(0, 1);  // waits
  pool.advance(2.0);
  EXPECT_DOUBLE_EQ(pool.busy_slot_s(0), 2.0);
  EXPECT_DOUBLE_EQ(pool.demand_slot_s(0), 4.0);
}

TEST(ContentionBench, TIntervalOfReplicates) {
  const Interval iv = t_interval({0.5, 0.6, 0.7});
  EXPECT_DOUBLE_EQ(iv.mean, 0.6);
  EXPECT_NEAR(iv.hi - iv.mean, 4.303 * 0.1 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(t_interval({0.4}).lo, 0.4);
}

}  // namespace
}  // namespace concord::contention
