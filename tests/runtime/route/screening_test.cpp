// Stage 1: the candidate table's liveness rules and screening to the top L.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "route/candidate_table.hpp"
#include "route/screening.hpp"

namespace {

using namespace concord::route;

Beacon beacon(const std::string& id, std::vector<double> cap, double t, bool available = true) {
  Beacon b;
  b.worker_id = id;
  b.model_id = "m";
  b.capability = std::move(cap);
  b.timestamp_s = t;
  b.available = available;
  return b;
}

std::vector<std::string> ids(const CandidateTable& t, const std::vector<Candidate>& c) {
  std::vector<std::string> out;
  for (const auto& x : c) out.push_back(t.entries()[x.entry].beacon.worker_id);
  return out;
}

TEST(RouteScreening, DropsStaleUnavailableDeadAndLowMatchAndKeepsTopLByMatchThenLoad) {
  CandidateTableConfig tc;  // interval 1 s, stale after 3 intervals
  CandidateTable t(tc);
  const double now = 100;
  t.upsert(beacon("a", {1, 0}, now - 0.5));       // match 1
  t.upsert(beacon("b", {1, 0.1}, now - 1));       // match 0.995
  t.upsert(beacon("c", {1, 0.2}, now - 2));       // match 0.981
  Beacon busy_d = beacon("d", {1, 0.2}, now - 2.9);  // same match as c, one sample queued: c first
  busy_d.queue_length = 1;
  t.upsert(busy_d);
  t.upsert(beacon("e", {1, 0.3}, now));           // 5th best: beyond top 4
  t.upsert(beacon("stale", {1, 0}, now - 3.01));  // silent > 3 intervals
  t.upsert(beacon("off", {1, 0}, now, false));    // unavailable
  t.upsert(beacon("dead", {1, 0}, now));
  t.mark_dead("dead", now - 0.1);
  t.upsert(beacon("poor", {0.2, 1}, now));  // match ~0.196 < 0.5
  ScreenConfig sc;
  sc.top_l = 4;
  sc.min_match = 0.5;
  std::vector<Candidate> out;
  ScreenCounts counts;
  screen(t, std::vector<double>{1, 0}, now, sc, out, &counts);
  EXPECT_EQ(ids(t, out), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(counts.stale, 1u);
  EXPECT_EQ(counts.unavailable, 1u);
  EXPECT_EQ(counts.dead, 1u);
  EXPECT_EQ(counts.low_match, 1u);
  EXPECT_EQ(counts.beyond_top_l, 1u);
  EXPECT_DOUBLE_EQ(out[0].match, 1.0);
}

TEST(RouteScreening, StalenessBoundaryIsStrictlyMoreThanTheConfiguredIntervals) {
  CandidateTable t(CandidateTableConfig{2.0, 3.0});
  t.upsert(beacon("w", {1}, 10));
  EXPECT_EQ(*t.liveness("w", 16.0), Liveness::live);
  EXPECT_EQ(*t.liveness("w", 16.001), Liveness::stale);
  EXPECT_FALSE(t.liveness("nobody", 0).has_value());
}

TEST(RouteScreening, DeadMarkHoldsUntilAliveSignalOrNewerBeacon) {
  CandidateTable t;
  t.upsert(beacon("w", {1}, 10));
  t.mark_dead("w", 10.5);
  EXPECT_EQ(*t.liveness("w", 11), Liveness::dead);
  EXPECT_FALSE(t.upsert(beacon("w", {1}, 9)));  // older than the stored beacon: ignored
  t.upsert(beacon("w", {1}, 10.5));             // not newer than the dead mark: still dead
  EXPECT_EQ(*t.liveness("w", 11), Liveness::dead);
  t.upsert(beacon("w", {1}, 10.6));  // newer than the mark: alive again
  EXPECT_EQ(*t.liveness("w", 11), Liveness::live);
  t.mark_dead("w", 12);
  EXPECT_EQ(*t.liveness("w", 12.5), Liveness::dead);
  t.mark_alive("w");
  EXPECT_EQ(*t.liveness("w", 12.5), Liveness::live);
  // A dead mark for a worker never heard of is remembered for its first beacon.
  t.mark_dead("x", 20);
  t.upsert(beacon("x", {1}, 19));
  EXPECT_EQ(*t.liveness("x", 20), Liveness::dead);
}

TEST(RouteScreening, ReferenceConfigurationKeepsStaleAndDeadWorkers) {
  CandidateTableConfig tc;
  tc.exclude_stale = false;
  tc.honor_failure_detector = false;
  CandidateTable t(tc);
  t.upsert(beacon("old", {1}, 0));
  t.upsert(beacon("dead", {1}, 100));
  t.mark_dead("dead", 100);
  std::vector<Candidate> out;
  screen(t, std::vector<double>{1}, 1000, ScreenConfig{}, out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(RouteScreening, MatchScoreIsCosineOrDotAndEmptyRequirementMatchesAll) {
  const std::vector<double> q = {3, 4}, c = {4, 3};
  EXPECT_NEAR(match_score(q, c, MatchKind::cosine), 24.0 / 25.0, 1e-15);
  EXPECT_NEAR(match_score(q, c, MatchKind::dot), 24.0, 1e-15);
  EXPECT_EQ(match_score({}, c, MatchKind::cosine), 1.0);
  EXPECT_EQ(match_score(q, std::vector<double>{0, 0}, MatchKind::cosine), 0.0);
}

TEST(RouteScreening, EraseRemovesAWorkerAndKeepsOthersIndexed) {
  CandidateTable t;
  t.upsert(beacon("a", {1}, 1));
  t.upsert(beacon("b", {1}, 1));
  t.upsert(beacon("c", {1}, 1));
  t.erase("a");
  ASSERT_NE(t.find("c"), nullptr);
  EXPECT_EQ(t.find("c")->beacon.worker_id, "c");
  EXPECT_EQ(t.find("a"), nullptr);
  EXPECT_EQ(t.entries().size(), 2u);
}

Beacon loaded(const std::string& id, int queue, double load = 0) {
  Beacon b = beacon(id, {}, 0);
  b.queue_length = queue;
  b.load = load;
  return b;
}

TEST(RouteScreening, EqualMatchesGoToTheLeastLoadedWorkersFirst) {
  // Beacons carry no capability: every live worker matches 1.0, and load decides.
  CandidateTable t;
  t.upsert(loaded("a-busy", 3));
  t.upsert(loaded("b-idle", 0, 0.5));
  t.upsert(loaded("c-busier", 5));
  t.upsert(loaded("d-idle", 0, 0.1));
  ScreenConfig sc;
  sc.top_l = 2;
  std::vector<Candidate> out;
  for (std::uint64_t tiebreak = 0; tiebreak < 50; ++tiebreak) {
    screen(t, {}, 1, sc, out, nullptr, tiebreak);
    EXPECT_EQ(ids(t, out), (std::vector<std::string>{"d-idle", "b-idle"}));  // queue, then utilisation
  }
}

TEST(RouteScreening, EquallyLoadedWorkersAreOfferedInARandomOrderNoneStarved) {
  // 100 identical workers and L = 4 (the issue: ties by id left the 96 highest ids idle).
  CandidateTable t;
  for (int i = 0; i < 100; ++i) t.upsert(loaded("w" + std::to_string(100 + i), 0));
  ScreenConfig sc;
  sc.top_l = 4;
  std::vector<Candidate> out;
  std::vector<int> offered(100, 0);
  for (std::uint64_t tiebreak = 1; tiebreak <= 500; ++tiebreak) {
    screen(t, {}, 1, sc, out, nullptr, tiebreak);
    ASSERT_EQ(out.size(), 4u);
    for (const auto& c : out) ++offered[c.entry];
  }
  for (int i = 0; i < 100; ++i) EXPECT_GT(offered[static_cast<std::size_t>(i)], 0) << "worker " << i << " never offered";
  // Same tiebreak, same candidates.
  std::vector<Candidate> again;
  screen(t, {}, 1, sc, out, nullptr, 77);
  screen(t, {}, 1, sc, again, nullptr, 77);
  EXPECT_EQ(ids(t, out), ids(t, again));
}

/// A worker with `slots` slots, `running` of them busy, `queued` samples waiting (issue 13).
Beacon slotted(const std::string& id, double match_x, int slots, int running, int queued) {
  Beacon b = beacon(id, {1, match_x}, 0);
  b.queue_length = running + queued;
  b.free_slots = slots - running;
  b.queued = queued;
  return b;
}

TEST(RouteScreening, WorkersWithAFreeSlotComeFirstAndTheFullOnesOnlyWhenNoneHasOne) {
  CandidateTable t;
  t.upsert(slotted("best-full", 0, 1, 1, 0));     // best match, fewest samples, no free slot
  t.upsert(slotted("worse-free", 0.5, 4, 3, 0));  // worse match, more samples, one free slot
  t.upsert(slotted("full-queued", 0, 2, 2, 3));
  Beacon unlimited = beacon("unlimited", {1, 1}, 0);  // no slots configured: always room
  unlimited.queue_length = 9;
  t.upsert(unlimited);
  ScreenConfig sc;
  std::vector<Candidate> out;
  ScreenCounts counts;
  const std::vector<double> req = {1, 0};
  screen(t, req, 1, sc, out, &counts, 7);
  EXPECT_EQ(ids(t, out), (std::vector<std::string>{"worse-free", "unlimited"}));  // then by match
  EXPECT_EQ(counts.full, 2u);
  // Every slot taken: nobody is dropped, and the usual order (match, then samples) decides.
  Beacon now_full = slotted("worse-free", 0.5, 4, 4, 0);
  now_full.timestamp_s = 0.5;  // newer than the one it replaces
  ASSERT_TRUE(t.upsert(now_full));
  t.erase("unlimited");
  screen(t, req, 1, sc, out, &counts, 7);
  EXPECT_EQ(ids(t, out), (std::vector<std::string>{"best-full", "full-queued", "worse-free"}));
  EXPECT_EQ(counts.full, 0u);
  EXPECT_EQ(counts.longer_wait, 0u);  // no service time known: every wait is 0
}

// Every slot taken: the sample goes where it waits least (route::worker_wait_s), the wait the
// selector tells the planner; equal waits all stay.
TEST(RouteScreening, WithEverySlotTakenOnlyTheShortestWaitsStay) {
  CandidateTable t;
  Beacon a = slotted("a", 0, 1, 1, 2), b = slotted("b", 0, 2, 2, 1), c = slotted("c", 0, 2, 2, 1);
  a.latency_ewma_s = 10, b.latency_ewma_s = 10, c.latency_ewma_s = 10;  // waits: 30, 10, 10 s
  t.upsert(a), t.upsert(b), t.upsert(c);
  std::vector<Candidate> out;
  ScreenCounts counts;
  screen(t, std::vector<double>{1, 0}, 1, ScreenConfig{}, out, &counts, 7);
  auto got = ids(t, out);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(counts.longer_wait, 1u);
  EXPECT_EQ(counts.full, 0u);
}

}  // namespace
