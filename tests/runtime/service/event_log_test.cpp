#include <gtest/gtest.h>

#include "service/event_log.hpp"
#include "service/workflow_registry.hpp"

namespace concord::service {
namespace {

TEST(EventLog, NumbersEventsFromOneWithoutGapsAndReplaysFromAnySequenceNumber) {
  EventLog log(7, 100);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(log.append(i, SpendUpdate{i, 0, 100}).seq, static_cast<Seq>(i + 1));
  const auto all = log.since(0);
  EXPECT_FALSE(all.lost);
  ASSERT_EQ(all.events.size(), 10u);
  EXPECT_EQ(all.events.front().workflow, 7u);
  const auto tail = log.since(8);
  ASSERT_EQ(tail.events.size(), 3u);
  EXPECT_EQ(tail.events.front().seq, 8u);
  EXPECT_TRUE(log.since(11).events.empty());
}

TEST(EventLog, BeyondCapacityTheOldestGoAndAWatcherIsToldWhatItLost) {
  EventLog log(1, 4);
  for (int i = 0; i < 10; ++i) log.append(i, SpendUpdate{});
  EXPECT_EQ(log.size(), 4u);
  const auto r = log.since(1);
  ASSERT_TRUE(r.lost);
  EXPECT_EQ(r.lost->from_seq, 1u);
  EXPECT_EQ(r.lost->to_seq, 6u);
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.events.front().seq, 7u);
  EXPECT_FALSE(log.since(7).lost);
}

TEST(EventLog, NothingFollowsTheEnd) {
  EventLog log(1);
  log.append(0, Started{});
  log.append(1, Ended{});
  EXPECT_TRUE(log.ended());
  EXPECT_THROW(log.append(2, SpendUpdate{}), std::logic_error);
}

TEST(WorkflowRegistry, AdmitsAtMostMaxRunningAndRefusesBusyWithARetryHint) {
  RegistryOptions o;
  o.max_running = 2;
  o.busy_retry_s = 0.5;
  WorkflowRegistry reg(o);
  const auto a = reg.admit("t", "", "a", 10);
  const auto b = reg.admit("t", "", "b", 10);
  EXPECT_GT(a.id, 0u);
  EXPECT_GT(b.id, a.id);
  const auto c = reg.admit("t", "", "c", 10);
  EXPECT_EQ(c.id, 0u);
  ASSERT_TRUE(c.refused);
  EXPECT_EQ(c.refused->code, RefusalCode::busy);
  EXPECT_DOUBLE_EQ(c.refused->retry_after_s, 0.5);
  reg.append(a.id, 0, Ended{}, 0);  // one ends: room again
  EXPECT_GT(reg.admit("t", "", "c", 10).id, 0u);
}

TEST(WorkflowRegistry, AKeyNamesOneWorkflowPerTenantUntilItsRetentionEnds) {
  RegistryOptions o;
  o.retention_s = 60;
  WorkflowRegistry reg(o);
  const auto a = reg.admit("t1", "k", "a", 10);
  EXPECT_EQ(reg.by_key("t1", "k"), a.id);
  EXPECT_FALSE(reg.by_key("t2", "k"));  // another tenant's key is another key
  EXPECT_FALSE(reg.by_key("t1", ""));   // no key names nothing
  reg.append(a.id, 3, Ended{}, 100);
  EXPECT_EQ(reg.expire(159), 0u);
  EXPECT_TRUE(reg.known(a.id));
  EXPECT_EQ(reg.expire(160), 1u);
  EXPECT_FALSE(reg.known(a.id));
  EXPECT_FALSE(reg.by_key("t1", "k"));
}

TEST(WorkflowRegistry, StatusFollowsSpendAndTheEnd) {
  WorkflowRegistry reg;
  const auto a = reg.admit("t", "", "a", 1000);
  reg.append(a.id, 0, Started{}, 0);
  reg.append(a.id, 1, SpendUpdate{300, 200, 1000}, 0);
  auto s = reg.status();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].spend, 300);
  EXPECT_EQ(s[0].reserved, 200);
  EXPECT_EQ(s[0].state, WorkflowState::running);
  EXPECT_EQ(s[0].last_seq, 2u);
  Ended e;
  e.spend = 450;
  reg.append(a.id, 2, e, 0);
  s = reg.status();
  EXPECT_EQ(s[0].spend, 450);
  EXPECT_EQ(s[0].reserved, 0);
  EXPECT_EQ(s[0].state, WorkflowState::ended);
  EXPECT_EQ(reg.running_count(), 0u);
  reg.watch(a.id, "peer");
  EXPECT_EQ(reg.watchers(a.id).count("peer"), 1u);
}

}  // namespace
}  // namespace concord::service

namespace concord::service {
namespace {

TEST(WorkflowRegistry, ARestoredWorkflowIsEndedAboveEverySequenceNumberAndItsIdIsNotReused) {
  WorkflowRegistry reg;
  reg.number_above(5);  // a data directory's files name ids up to 5
  Ended end;
  end.reason = EndReason::coordinator_restarted;
  end.spend = 240;
  reg.restore_ended(4, "workflow 4 (restored)", 1000, end, 0.0);
  EXPECT_TRUE(reg.known(4));
  EXPECT_FALSE(reg.running(4));
  EXPECT_EQ(reg.running_count(), 0u);
  EXPECT_EQ(reg.status_of(4).spend, 240);
  EXPECT_EQ(reg.status_of(4).reserved, 0);
  // A watcher that saw events 1..57 before the restart: told what it lost, then the end.
  const auto r = reg.since(4, 58);
  ASSERT_TRUE(r.lost.has_value());
  EXPECT_EQ(r.lost->from_seq, 58u);
  EXPECT_EQ(r.lost->to_seq, WorkflowRegistry::kRestoredEndSeq - 1);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].seq, WorkflowRegistry::kRestoredEndSeq);
  EXPECT_EQ(std::get<Ended>(r.events[0].body).reason, EndReason::coordinator_restarted);
  EXPECT_EQ(reg.admit("t", "", "new", 10).id, 6u);
}

}  // namespace
}  // namespace concord::service
