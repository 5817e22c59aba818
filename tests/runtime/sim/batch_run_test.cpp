// The batch state machine (sim/batch_run.hpp) without CAF: events in, commands out. Every
// sample is settled with the ledger exactly once whatever happens (results, a worker's death,
// a cancel, an expiry, duplicates, in any order), and the report comes once, last.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "sim/batch_run.hpp"
#include "sim/rng.hpp"

namespace concord {
namespace {

using Kind = BatchCommand::Kind;
using Commands = BatchRun::Commands;

std::vector<BatchCommand> of_kind(const Commands& cmds, Kind k) {
  std::vector<BatchCommand> out;
  for (const auto& c : cmds)
    if (c.kind == k) out.push_back(c);
  return out;
}

SampleOutcome finished(bool success, double latency_s, Money cost) {
  SampleOutcome o;
  o.success = success;
  o.latency_s = latency_s;
  o.cost = cost;
  o.worker = "w";
  return o;
}

SampleOutcome cancelled(double latency_s, Money cost) {
  SampleOutcome o = finished(false, latency_s, cost);
  o.cancelled = true;
  return o;
}

/// A batch of k started, granted and dispatched on `picks`.
BatchRun dispatched(int k, std::vector<WorkerPick> picks, Commands& out) {
  BatchRun b(7, k, "m");
  b.start(out);
  b.reserved(true, "", out);
  b.picked(picks, out);
  return b;
}

TEST(BatchRun, ReservesAllThenDispatchesRoundRobinOverThePicks) {
  Commands out;
  BatchRun b(7, 3, "m");
  b.start(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::reserve);  // nothing is asked of the selector before the money is held
  out.clear();
  b.reserved(true, "", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::pick);
  EXPECT_EQ(out[0].count, 3);
  out.clear();
  const std::vector<WorkerPick> picks{{1, 100}, {2, 101}};
  b.picked(picks, out);
  const auto d = of_kind(out, Kind::dispatch);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].worker, 1u);
  EXPECT_EQ(d[0].dispatch_id, 100u);
  EXPECT_EQ(d[1].worker, 2u);
  EXPECT_EQ(d[1].dispatch_id, 101u);
  EXPECT_EQ(d[2].worker, 1u);
  EXPECT_EQ(d[2].dispatch_id, 0u);  // no dispatch of its own: trains nothing
}

TEST(BatchRun, FirstSuccessCancelsTheSiblingsAtItsLatencyAndEverySampleSettlesOnce) {
  Commands out;
  BatchRun b = dispatched(3, {{1, 100}, {2, 101}, {3, 102}}, out);
  out.clear();
  b.result(1, finished(true, 4.5, 500), out);
  EXPECT_EQ(of_kind(out, Kind::commit).size(), 1u);
  const auto c = of_kind(out, Kind::cancel);
  ASSERT_EQ(c.size(), 2u);
  for (const auto& x : c) EXPECT_EQ(x.stop_after_s, 4.5);  // the batch ended then (exec::cancelled_by)
  EXPECT_EQ(of_kind(out, Kind::arm_expiry).size(), 1u);
  EXPECT_EQ(of_kind(out, Kind::credit).size(), 1u);
  EXPECT_FALSE(b.over());
  out.clear();
  b.result(0, cancelled(4.5, 200), out);
  b.result(0, cancelled(4.5, 200), out);  // a duplicate changes nothing
  b.result(2, cancelled(4.5, 200), out);
  EXPECT_EQ(of_kind(out, Kind::commit).size(), 2u);
  EXPECT_EQ(of_kind(out, Kind::forget).size(), 2u);  // cancelled samples train nothing
  EXPECT_FALSE(b.over());                             // not before the ledger has answered every commit
  for (int j = 0; j < 3; ++j) b.committed(j, ledger::Code::committed, out);
  ASSERT_TRUE(b.over());
  EXPECT_EQ(out.back().kind, Kind::report);
  EXPECT_EQ(of_kind(out, Kind::settled).size(), 3u);
  const BatchReport& r = b.report();
  EXPECT_TRUE(r.granted);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.successes, 1);
  EXPECT_EQ(r.cancelled, 2);
  EXPECT_EQ(r.cost, 900);
}

TEST(BatchRun, AWinnerThatWaitedForASlotStopsItsSiblingsAtItsEndOnTheBatchsTimeline) {
  // Worker slots: the winner waited 6 s for a slot, then ran 4 s: the batch ended 10 s after its
  // dispatch, when the siblings are deemed stopped (a sibling re-dispatched elsewhere: now).
  Commands out;
  BatchRun b = dispatched(3, {{1, 100}, {2, 101}, {3, 102}}, out);
  b.worker_down(3, out);
  b.repicked(2, std::vector<WorkerPick>{{4, 103}}, out);
  out.clear();
  SampleOutcome w = finished(true, 4, 400);
  w.waited_s = 6;
  b.result(0, w, out);
  const auto c = of_kind(out, Kind::cancel);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].sample, 1);
  EXPECT_EQ(c[0].stop_after_s, 10.0);
  EXPECT_EQ(c[1].sample, 2);
  EXPECT_EQ(c[1].stop_after_s, -1.0);
}

TEST(BatchRun, ARefusedReservationReportsAtOnceAndSettlesNothing) {
  Commands out;
  BatchRun b(7, 4, "m");
  b.start(out);
  out.clear();
  b.reserved(false, "", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::report);
  EXPECT_FALSE(b.report().granted);
  EXPECT_TRUE(b.over());
}

TEST(BatchRun, ADeadWorkersSamplesRunAgainUnderTheSameReservation) {
  Commands out;
  BatchRun b = dispatched(2, {{1, 100}, {2, 101}}, out);
  out.clear();
  b.worker_down(2, out);
  EXPECT_EQ(of_kind(out, Kind::reserve).size(), 0u);  // no new reservation
  const auto p = of_kind(out, Kind::pick);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].sample, 1);
  EXPECT_EQ(p[0].count, 1);
  EXPECT_EQ(of_kind(out, Kind::forget).size(), 1u);  // the dead worker's dispatch teaches nothing
  out.clear();
  const std::vector<WorkerPick> again{{3, 103}};
  b.repicked(1, again, out);
  ASSERT_EQ(of_kind(out, Kind::dispatch).size(), 1u);
  EXPECT_EQ(of_kind(out, Kind::dispatch)[0].worker, 3u);
  b.result(0, finished(false, 2, 100), out);
  b.result(1, finished(true, 3, 300), out);
  // The re-dispatched winner started later than its sibling: nothing left to cancel here, and a
  // re-dispatched sample is never stopped at a latency measured from another start.
  for (int j = 0; j < 2; ++j) b.committed(j, ledger::Code::committed, out);
  ASSERT_TRUE(b.over());
  EXPECT_EQ(b.report().redispatched, 1);
  EXPECT_TRUE(b.report().success);
  EXPECT_EQ(of_kind(out, Kind::commit).size(), 2u);
}

TEST(BatchRun, NoWorkerLeftForADeadWorkersSampleFailsItAndSaysWhy) {
  Commands out;
  BatchRun b = dispatched(1, {{1, 100}}, out);
  b.worker_down(1, out);
  b.repicked(0, {}, out);
  b.committed(0, ledger::Code::committed, out);
  ASSERT_TRUE(b.over());
  EXPECT_TRUE(b.report().no_worker_left);
  EXPECT_EQ(b.report().reason, "no worker left for model m");
  EXPECT_EQ(b.report().failures, 1);
  EXPECT_EQ(of_kind(out, Kind::commit).back().cost, 0);
}

TEST(BatchRun, TheDeadlineCancelsWhatRunsNowAndAnExpiryEndsWhatNeverAnswers) {
  Commands out;
  BatchRun b = dispatched(3, {{1, 100}, {2, 101}, {3, 102}}, out);
  b.result(0, finished(false, 1, 100), out);
  out.clear();
  b.cancel(out);
  const auto c = of_kind(out, Kind::cancel);
  ASSERT_EQ(c.size(), 2u);  // the two still running
  for (const auto& x : c) EXPECT_LT(x.stop_after_s, 0);  // stopped now
  b.cancel(out);  // a second cancel changes nothing
  EXPECT_EQ(of_kind(out, Kind::cancel).size(), 2u);
  b.result(1, cancelled(2, 50), out);
  out.clear();
  b.expire(out);  // sample 2's worker never answered: counted cancelled, unpaid
  const auto commits = of_kind(out, Kind::commit);
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].sample, 2);
  EXPECT_EQ(commits[0].cost, 0);
  b.result(2, cancelled(3, 70), out);  // too late: already settled
  EXPECT_EQ(of_kind(out, Kind::commit).size(), 1u);
  for (int j = 0; j < 3; ++j) b.committed(j, ledger::Code::committed, out);
  ASSERT_TRUE(b.over());
  EXPECT_EQ(b.report().cancelled, 2);
  EXPECT_EQ(b.report().failures, 1);
  EXPECT_FALSE(b.report().success);
}

TEST(BatchRun, ACancelWhileReservingReleasesTheWholeReservationOnceGranted) {
  Commands out;
  BatchRun b(7, 2, "m");
  b.start(out);
  b.cancel(out);
  EXPECT_FALSE(b.over());  // the grant may still come: the batch cannot end before it
  out.clear();
  b.reserved(true, "", out);
  EXPECT_EQ(of_kind(out, Kind::pick).size(), 0u);
  EXPECT_EQ(of_kind(out, Kind::commit).size(), 2u);  // each commits 0: released
  for (int j = 0; j < 2; ++j) b.committed(j, ledger::Code::committed, out);
  ASSERT_TRUE(b.over());
  EXPECT_EQ(b.report().cancelled, 2);
}

TEST(BatchRun, EverySampleIsSettledExactlyOnceWhateverTheOrderOfEvents) {
  // Random schedules: results (some duplicated), worker deaths and re-picks (some with no
  // worker left), a cancel, an expiry, the ledger's answers, all interleaved at random.
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    Rng rng(seed);
    const int k = 1 + static_cast<int>(rng.below(6));
    Commands out;
    BatchRun b(9, k, "m");
    b.start(out);
    b.reserved(true, "", out);
    std::vector<WorkerPick> picks;
    for (int i = 0; i < 1 + static_cast<int>(rng.below(3)); ++i) picks.push_back({static_cast<std::uint64_t>(i + 1), 100u + static_cast<std::uint64_t>(i)});
    b.picked(picks, out);
    std::map<int, int> commits;
    std::size_t seen = 0;
    std::vector<int> awaiting_commit, awaiting_pick;
    for (int step = 0; step < 200 && !b.over(); ++step) {
      for (; seen < out.size(); ++seen) {
        const BatchCommand& c = out[seen];
        ASSERT_FALSE(c.kind == Kind::report && seen + 1 != out.size()) << "the report is the last command";
        if (c.kind == Kind::commit) ++commits[c.sample], awaiting_commit.push_back(c.sample);
        if (c.kind == Kind::pick && c.sample >= 0) awaiting_pick.push_back(c.sample);
      }
      const int j = static_cast<int>(rng.below(static_cast<std::uint64_t>(k)));
      switch (rng.below(8)) {
        case 0: case 1: b.result(j, finished(rng.bernoulli(0.3), 1.0 + j, 10 * (j + 1)), out); break;
        case 2: b.result(j, cancelled(0.5, 5), out); break;
        case 3: b.worker_down(1 + rng.below(3), out); break;
        case 4:
          if (!awaiting_pick.empty()) {
            const int s = awaiting_pick.back();
            awaiting_pick.pop_back();
            std::vector<WorkerPick> p;
            if (rng.bernoulli(0.7)) p.push_back({4, 200});
            b.repicked(s, p, out);
          }
          break;
        case 5: if (rng.bernoulli(0.2)) b.cancel(out); else if (rng.bernoulli(0.2)) b.expire(out); break;
        default:
          if (!awaiting_commit.empty()) {
            const std::size_t i = rng.below(awaiting_commit.size());
            b.committed(awaiting_commit[i], ledger::Code::committed, out);
            awaiting_commit.erase(awaiting_commit.begin() + static_cast<std::ptrdiff_t>(i));
          }
      }
      if (step == 150 && !b.over()) b.cancel(out), b.expire(out);  // the grace period ends what hangs
      while (step >= 150 && !awaiting_pick.empty()) {
        b.repicked(awaiting_pick.back(), {}, out);
        awaiting_pick.pop_back();
      }
    }
    for (; seen < out.size(); ++seen)
      if (out[seen].kind == Kind::commit) ++commits[out[seen].sample], awaiting_commit.push_back(out[seen].sample);
    while (!awaiting_commit.empty()) {  // the ledger answers what is left
      b.committed(awaiting_commit.back(), ledger::Code::committed, out);
      awaiting_commit.pop_back();
    }
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " k " << k);
    ASSERT_TRUE(b.over());
    EXPECT_EQ(of_kind(out, Kind::report).size(), 1u);
    EXPECT_EQ(out.back().kind, Kind::report);
    ASSERT_EQ(commits.size(), static_cast<std::size_t>(k));
    Money committed = 0;
    for (const auto& c : of_kind(out, Kind::commit)) committed += c.cost;
    for (const auto& [sample, n] : commits) EXPECT_EQ(n, 1) << "sample " << sample;
    EXPECT_EQ(b.report().cost, committed);  // the report's cost is what was committed
    const BatchReport& r = b.report();
    EXPECT_EQ(r.successes + r.failures + r.cancelled, k);  // every sample counted once
    if (HasFailure()) return;
  }
}

TEST(BatchRun, AClaimAboveTheReservationIsChargedTheReservationAndANegativeOneNothing) {
  // A lying or broken worker (found by `concord chaos`: a claim above the reservation made the
  // ledger refuse the commit, leaving the money reserved and the reported spend above the ledger's).
  Commands out;
  BatchRun b(7, 2, "m", /*per_sample_reservation=*/1000);
  b.start(out);
  b.reserved(true, "", out);
  const std::vector<WorkerPick> picks{{1, 100}, {2, 101}};
  b.picked(picks, out);
  out.clear();
  b.result(0, finished(false, 1.0, 250'000), out);  // claims 250x its worst case
  b.result(1, finished(false, 1.0, -5), out);
  const auto commits = of_kind(out, Kind::commit);
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].cost, 1000);
  EXPECT_EQ(commits[1].cost, 0);
  EXPECT_NE(b.report().reason.find("above its reservation"), std::string::npos) << b.report().reason;
  EXPECT_EQ(b.report().cost, 0);  // counted only once the ledger accepts each commit
  b.committed(0, ledger::Code::committed, out);
  b.committed(1, ledger::Code::committed, out);
  ASSERT_TRUE(b.over());
  EXPECT_EQ(b.report().cost, 1000);
}

TEST(BatchRun, ARefusedCommitIsNotCountedInTheBatchCost) {
  Commands out;
  BatchRun b = dispatched(1, {{1, 100}}, out);
  b.result(0, finished(true, 1.0, 300), out);
  b.committed(0, ledger::Code::conflict, out);
  ASSERT_TRUE(b.over());
  EXPECT_EQ(b.report().cost, 0);
  EXPECT_TRUE(of_kind(out, Kind::settled).empty());
  EXPECT_NE(b.report().reason.find("refused the commit"), std::string::npos);
}

}  // namespace
}  // namespace concord
