// Worker slots (issue 13, WorkerOptions::slots) on a virtual clock: at most `slots` samples run
// at once, the others wait in a FIFO queue and start, in arrival order, the instant a slot frees;
// a waiting sample's cancel removes it (answered cancelled, charged nothing, no slot frees); a
// sample's latency and charge count from its start, not its wait; beacons report free slots and
// the queue (protocol 6).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actor_test_support.hpp"
#include "chaos/invariants.hpp"
#include "embedded_cluster.hpp"
#include "model/validate.hpp"
#include "plan/simple_policies.hpp"
#include "messages.hpp"
#include "model_worker.hpp"
#include "node_manager.hpp"
#include "sample_simulation.hpp"
#include "sim/execution_rules.hpp"
#include "subtask_actor.hpp"
#include "plan/mcpp_planner.hpp"
#include "planner_actor.hpp"
#include "workflow_actor.hpp"
#include "virtual_time.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

proto::sample_request request(std::uint64_t id, double latency_s) { return testing::simple_sample(id, latency_s); }

struct Arrival {
  double at_s;  // virtual time the result reached the requester
  proto::sample_result result;
};

struct SlottedWorker : ::testing::Test {
  SlottedWorker() : sys(testing::coordinator_config()), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {}
  ~SlottedWorker() override {
    for (auto& w : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    sched.run();
    while (!vt.timeline().empty()) vt.timeline().pop();
  }
  proto::worker_actor spawn(int slots, double initial_ewma_s = 0) {
    WorkerOptions wo;
    wo.initial_latency_ewma_s = initial_ewma_s;
    wo.name = "w";
    wo.model = "m";
    wo.beacon_interval_s = 0;  // beacons only when asked (subscribe), below
    wo.clock = wo.virtual_time = &vt;
    wo.slots = slots;
    workers.push_back(spawn_simulated_worker(sys, wo));
    return workers.back();
  }
  /// Handles every message; then delivers the timeline's events up to `until_s` one at a time,
  /// recording the virtual time each result reaches `self`.
  void run_until(double until_s) {
    sched.run();
    drain();
    while (!vt.timeline().empty() && vt.timeline().next_s() <= until_s) {
      auto [target, msg] = vt.timeline().pop();
      caf::anon_send(target, std::move(msg));
      sched.run();
      drain();
    }
  }
  void drain() {
    for (bool more = true; more;)
      self->receive([&](proto::sample_result& r) { got.push_back({vt.now_s(), r}); }, caf::after(0s) >> [&] { more = false; });
  }
  /// Moves virtual time to `t` (an event that does nothing, then run_until(t)).
  void advance_to(double t) {
    vt.at(t, TimePhase::event, caf::actor_cast<caf::actor>(sink), caf::make_message(proto::tick_atom::value));
    run_until(t);
  }
  /// The beacon `w` sends now (subscribing again sends one at once).
  proto::beacon beacon(const proto::worker_actor& w) {
    probe->send(w, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(probe));
    sched.run();
    proto::beacon out;
    bool seen = false;
    for (bool more = true; more;)
      probe->receive([&](proto::beacon& b) { out = b, seen = true; }, caf::after(0s) >> [&] { more = false; });
    EXPECT_TRUE(seen);
    return out;
  }
  const Arrival* arrival(std::uint64_t id) const {
    for (const auto& a : got)
      if (a.result.sample_id == id) return &a;
    return nullptr;
  }

  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  VirtualTime vt{1.0};
  std::vector<proto::worker_actor> workers;
  caf::scoped_actor self{sys}, probe{sys}, sink{sys};
  std::vector<Arrival> got;
};

// Beacons carry the slot-seconds a selector's slot price is made of (issue 13): demand integrates
// running + waiting samples, busy the running ones. 2 slots; samples 1..5 at t=0, 6 (1 s) at t=6
// (no beacon just before it): in flight 5, 4, 5, 4, 3, 2 over [0,4), [4,6), [6,7), [7,10), [10,11), [11,12).
TEST_F(SlottedWorker, BeaconsCarryTheSlotSecondsDemandedAndBusy) {
  auto w = spawn(2);
  for (const auto& [id, l] : std::map<std::uint64_t, double>{{1, 10}, {2, 4}, {3, 3}, {4, 5}, {5, 1}}) self->send(w, request(id, l));
  advance_to(5);
  proto::beacon b = beacon(w);
  EXPECT_DOUBLE_EQ(b.demand_slot_s, 5 * 4 + 4 * 1);
  EXPECT_DOUBLE_EQ(b.busy_slot_s, 2 * 5);
  advance_to(6);
  self->send(w, request(6, 1));
  advance_to(20);
  b = beacon(w);
  EXPECT_DOUBLE_EQ(b.demand_slot_s, 5 * 4 + 4 * 2 + 5 * 1 + 4 * 3 + 3 * 1 + 2 * 1);
  EXPECT_DOUBLE_EQ(b.busy_slot_s, 10 + 4 + 3 + 5 + 1 + 1);  // every sample's latency
}

// A prior service time (the contention runs: the model's mean latency) is what beacons say until a
// sample has run to its end; then the EWMA moves from it (0.8 x prior + 0.2 x latency).
TEST_F(SlottedWorker, BeaconsStartFromThePriorServiceTime) {
  auto w = spawn(1, 8.0);
  EXPECT_DOUBLE_EQ(beacon(w).latency_ewma_s, 8.0);
  self->send(w, request(1, 3));
  advance_to(10);
  EXPECT_DOUBLE_EQ(beacon(w).latency_ewma_s, 0.8 * 8.0 + 0.2 * 3.0);
  EXPECT_DOUBLE_EQ(beacon(spawn(1)).latency_ewma_s, 0.0);  // no prior: unknown
}

// Slots are leases held while their holder lives: a requester (a subtask actor) that dies returns
// what its samples held. One slot: the requester's A (100 s) runs, its B waits, our C waits behind
// B. The requester dies at t = 10: A's slot goes to C at once (B leaves the queue unanswered), C
// ends at 12 — not at 105 or 107.
TEST_F(SlottedWorker, ARequesterThatDiesReturnsTheSlotsAndPlacesItsSamplesHeld) {
  auto w = spawn(1);
  auto requester = sys.spawn([](caf::event_based_actor* a) -> caf::behavior {
    return {[=](const caf::actor& to, proto::sample_request& r) { a->send(to, std::move(r)); }, [](proto::sample_result&) {}};
  });
  caf::anon_send(requester, caf::actor_cast<caf::actor>(w), request(1, 100));
  caf::anon_send(requester, caf::actor_cast<caf::actor>(w), request(2, 5));
  sched.run();
  self->send(w, request(3, 2));
  advance_to(10);
  proto::beacon b = beacon(w);
  EXPECT_EQ(b.queue, 3);
  EXPECT_EQ(b.queued, 2);
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  run_until(1000);
  ASSERT_EQ(got.size(), 1u);  // only ours: the dead requester's samples are answered to nobody
  EXPECT_EQ(got[0].result.sample_id, 3u);
  EXPECT_DOUBLE_EQ(got[0].at_s, 12.0);
  EXPECT_DOUBLE_EQ(got[0].result.waited_s, 10.0);
  b = beacon(w);
  EXPECT_EQ(b.queue, 0);
  EXPECT_EQ(b.free_slots, 1);
}

TEST_F(SlottedWorker, TwoSlotsRunTwoSamplesAtOnceAndStartTheOthersInArrivalOrder) {
  auto w = spawn(2);
  const std::map<std::uint64_t, double> latency = {{1, 10}, {2, 4}, {3, 3}, {4, 5}, {5, 1}};
  for (const auto& [id, l] : latency) self->send(w, request(id, l));
  run_until(1000);
  ASSERT_EQ(got.size(), 5u);
  // t=0: 1 and 2 start; t=4: 2 ends, 3 starts; t=7: 3 ends, 4 starts; t=10: 1 ends, 5 starts;
  // t=11: 5 ends; t=12: 4 ends. Start = end - latency (the latency excludes the wait).
  const std::map<std::uint64_t, double> start = {{1, 0}, {2, 0}, {3, 4}, {4, 7}, {5, 10}};
  for (const auto& [id, s] : start) {
    const Arrival* a = arrival(id);
    ASSERT_NE(a, nullptr) << id;
    EXPECT_EQ(a->result.latency_s, latency.at(id)) << id;  // it ran its whole latency, from its start
    EXPECT_EQ(a->at_s - a->result.latency_s, s) << "start of sample " << id;
    EXPECT_FALSE(a->result.cancelled) << id;
    EXPECT_EQ(a->result.cost, 500) << id;  // 50 tokens: waiting costs nothing
  }
  std::vector<std::uint64_t> order;
  for (const auto& a : got) order.push_back(a.result.sample_id);
  EXPECT_EQ(order, (std::vector<std::uint64_t>{2, 3, 1, 5, 4}));
}

TEST_F(SlottedWorker, UnlimitedSlotsStartEverySampleAtOnce) {
  auto w = spawn(0);
  for (std::uint64_t id = 1; id <= 5; ++id) self->send(w, request(id, 10));
  run_until(1000);
  ASSERT_EQ(got.size(), 5u);
  for (const auto& a : got) EXPECT_EQ(a.at_s, 10.0) << a.result.sample_id;
}

TEST_F(SlottedWorker, ACancelledWaitingSampleLeavesTheQueueAndFreesNothing) {
  auto w = spawn(1);
  self->send(w, request(1, 10));  // runs 0..10
  self->send(w, request(2, 10));  // waits; cancelled at t=2
  self->send(w, request(3, 10));  // waits; starts at 10 (not at 2: the cancel freed no slot)
  self->send(w, request(4, 10));  // waits; starts at 20, cancelled at 25 with a stop time of 3 s
  advance_to(2);
  self->send(w, proto::cancel_atom::value, std::uint64_t{2}, 4.0);
  run_until(2);
  ASSERT_EQ(got.size(), 1u);  // answered at once
  EXPECT_EQ(got[0].at_s, 2.0);
  EXPECT_EQ(got[0].result.sample_id, 2u);
  EXPECT_TRUE(got[0].result.cancelled);
  EXPECT_EQ(got[0].result.latency_s, 0.0);  // it never ran: nothing charged, whatever the stop time
  EXPECT_EQ(got[0].result.tokens, 0);
  EXPECT_EQ(got[0].result.cost, 0);
  const proto::beacon b = beacon(w);
  EXPECT_EQ(b.free_slots, 0);  // sample 1 still holds the only slot
  EXPECT_EQ(b.queued, 2);      // 3 and 4
  EXPECT_EQ(b.queue, 3);
  self->send(w, proto::cancel_atom::value, std::uint64_t{2}, -1.0);  // again: nothing left to cancel
  advance_to(25);
  // A sample that waited stops now when cancelled (5 s after its start at 20), not at the stop
  // time its requester measured from another start.
  self->send(w, proto::cancel_atom::value, std::uint64_t{4}, 3.0);
  run_until(1000);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(arrival(1)->at_s, 10.0);
  EXPECT_EQ(arrival(3)->at_s, 20.0);
  EXPECT_FALSE(arrival(3)->result.cancelled);
  const Arrival* c = arrival(4);
  EXPECT_EQ(c->at_s, 25.0);
  EXPECT_TRUE(c->result.cancelled);
  EXPECT_EQ(c->result.latency_s, 5.0);
  EXPECT_EQ(c->result.tokens, 25);  // floor(50 x 5 / 10)
  EXPECT_EQ(c->result.cost, 250);
}

TEST_F(SlottedWorker, ACancelledRunningSampleGivesItsSlotToTheQueuesHead) {
  auto w = spawn(1);
  self->send(w, request(1, 10));
  self->send(w, request(2, 10));
  advance_to(3);
  self->send(w, proto::cancel_atom::value, std::uint64_t{1}, -1.0);  // stops at 3: 2 starts at 3
  run_until(1000);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(arrival(1)->at_s, 3.0);
  EXPECT_TRUE(arrival(1)->result.cancelled);
  EXPECT_EQ(arrival(2)->at_s, 13.0);
  EXPECT_FALSE(arrival(2)->result.cancelled);
}

TEST_F(SlottedWorker, BeaconsReportFreeSlotsAndTheQueue) {
  auto w = spawn(2);
  proto::beacon b = beacon(w);
  EXPECT_EQ(b.free_slots, 2);
  EXPECT_EQ(b.queued, 0);
  EXPECT_EQ(b.queue, 0);
  EXPECT_EQ(b.load, 0.0);
  self->send(w, request(1, 10));
  run_until(0);
  b = beacon(w);
  EXPECT_EQ(b.free_slots, 1);
  EXPECT_EQ(b.queued, 0);
  EXPECT_EQ(b.load, 0.5);  // running / slots
  for (std::uint64_t id = 2; id <= 5; ++id) self->send(w, request(id, 10));
  run_until(0);
  b = beacon(w);
  EXPECT_EQ(b.free_slots, 0);
  EXPECT_EQ(b.queued, 3);
  EXPECT_EQ(b.queue, 5);  // running + waiting
  EXPECT_EQ(b.load, 1.0);
  run_until(10);  // 1 and 2 end, 3 and 4 start
  b = beacon(w);
  EXPECT_EQ(b.free_slots, 0);
  EXPECT_EQ(b.queued, 1);
  EXPECT_EQ(b.latency_ewma_s, 10.0);  // service time, not the wait
  run_until(30);
  b = beacon(w);
  EXPECT_EQ(b.free_slots, 2);
  EXPECT_EQ(b.queued, 0);
  EXPECT_EQ(b.queue, 0);
  // Without slots: unlimited (-1), nothing queued.
  auto u = spawn(0);
  self->send(u, request(9, 10));
  run_until(30);
  b = beacon(u);
  EXPECT_EQ(b.free_slots, -1);
  EXPECT_EQ(b.queued, 0);
  EXPECT_EQ(b.queue, 1);
}

// A batch whose winner waited for a slot (sample_result.waited_s): its siblings stop at the
// winner's end on the batch's common timeline (its wait + its latency), not at its latency.
struct SlottedBatch : SlottedWorker {
  /// The profile the batch's samples draw from: 4 s and 40 tokens, or 20 s and 100 tokens.
  static proto::sample_profile profile() {
    proto::sample_profile p;
    p.latency_s = {4, 20};
    p.success = {1, 1};
    p.tokens = {40, 100};
    return p;
  }
  /// The latency sample j of batch 7 (subtask 3, attempt 1) draws under the episode's `seed`.
  static double latency(std::uint64_t seed, int j) {
    proto::sample_request r;
    r.seed = exec::sample_seed(seed, 3, 1, j);
    r.token_cap = 1000;
    r.profile = profile();
    return simulate_sample(r).latency_s;
  }
  /// Plays ledger (grants everything), selector (`picks`, dispatch ids 100, 101, ...) and
  /// workflow for a subtask until the timeline is empty, recording commits and the report.
  void serve(const std::vector<caf::actor>& picks) {
    for (bool more = true; more;) {
      sched.run();
      bool got = false;
      self->receive(
          [&](proto::reserve_atom, const std::vector<std::uint64_t>&, std::int64_t) {
            got = true;
            return proto::ledger_reply::of(ledger::Code::granted, ledger::DenyReason::none, false);
          },
          [&](proto::pick_atom, const std::string&, std::int32_t) {
            got = true;
            std::vector<std::uint64_t> ids;
            for (std::size_t i = 0; i < picks.size(); ++i) ids.push_back(100 + i);
            return caf::make_message(picks, std::move(ids));
          },
          [&](proto::commit_atom, std::uint64_t id, std::int64_t cost) {
            got = true;
            commits[id] = cost;
            return proto::ledger_reply::of(ledger::Code::committed, ledger::DenyReason::none, false);
          },
          [&](proto::sample_result& r) { got = true, this->got.push_back({vt.now_s(), r}); },
          [&](proto::batch_report& r) { got = true, report = r; },
          [&](proto::settled_atom, std::uint64_t, std::int64_t, std::int64_t) { got = true; },
          [&](proto::forget_atom, std::uint64_t) { got = true; },
          [&](proto::outcome_atom, std::uint64_t, bool, double) { got = true; }, caf::after(0s) >> [] {});
      if (got) continue;
      if (vt.timeline().empty()) more = false;
      else {
        auto [target, msg] = vt.timeline().pop();
        caf::anon_send(target, std::move(msg));
      }
    }
  }
  std::map<std::uint64_t, std::int64_t> commits;  // sample id -> committed picodollars
  std::optional<proto::batch_report> report;
};

TEST_F(SlottedBatch, SiblingsOfAWinnerThatWaitedForASlotAreChargedForTheTimeTheyRan) {
  // The episode seed (searched, deterministic) under which sample 0 draws 4 s, samples 1 and 2 draw 20 s.
  std::uint64_t seed = 0;
  while (!(latency(seed, 0) == 4 && latency(seed, 1) == 20 && latency(seed, 2) == 20)) ASSERT_LT(++seed, 10000u);
  auto a = spawn(1), b = spawn(0), c = spawn(1);  // a: 1 slot, held until t=6 by another sample
  self->send(a, request(999, 6));
  SubtaskOptions o;
  o.subtask = 3;
  o.model_id = "m";
  o.k = 3;
  o.batch_id = 7;
  o.seed = seed;
  o.reservation = 3 * 1000;  // k x the worst case: 100 tokens at 10 pUSD
  o.token_cap = 1000;
  o.price_per_token = 10;
  o.profile = profile();
  o.time_scale = 1;
  o.virtual_time = &vt;
  o.workflow = caf::actor_cast<proto::workflow_actor>(self);
  o.ledger = caf::actor_cast<proto::ledger_actor>(self);
  o.selector = caf::actor_cast<proto::selector_actor>(self);
  spawn_subtask(sys, o);
  // t=0: sample 0 waits at a, 1 and 2 start at b and c. t=6: a's slot frees, sample 0 starts.
  // t=10: sample 0 ends (waited 6 s, ran 4 s) and wins; 1 and 2 ran 10 s of 20: 50 tokens each.
  serve({caf::actor_cast<caf::actor>(a), caf::actor_cast<caf::actor>(b), caf::actor_cast<caf::actor>(c)});
  const std::uint64_t s0 = exec::sample_id(7, 0);
  EXPECT_EQ(commits, (std::map<std::uint64_t, std::int64_t>{{s0, 400}, {s0 + 1, 500}, {s0 + 2, 500}}));
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->body.success);
  EXPECT_EQ(report->body.cancelled, 2);
  EXPECT_EQ(report->body.cost, 1400);  // 40 + 50 + 50 tokens at 10 pUSD
  EXPECT_EQ(arrival(999)->at_s, 6.0);
}

TEST_F(SlottedWorker, AResultSaysHowLongItsSampleWaitedForASlot) {
  auto w = spawn(1);
  self->send(w, request(1, 10));  // runs 0..10: waited 0
  self->send(w, request(2, 5));   // waits 10 s, runs 10..15
  self->send(w, request(3, 5));   // waits from 0; cancelled at 12 while waiting: waited 12 s
  advance_to(12);
  self->send(w, proto::cancel_atom::value, std::uint64_t{3}, -1.0);
  run_until(1000);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(arrival(1)->result.waited_s, 0.0);
  EXPECT_EQ(arrival(2)->result.waited_s, 10.0);
  EXPECT_EQ(arrival(2)->at_s, 15.0);  // its end on the common timeline: waited + latency
  EXPECT_EQ(arrival(3)->result.waited_s, 12.0);
  EXPECT_TRUE(arrival(3)->result.cancelled);
}


TEST(NodeWorkerSlots, ANodesWorkersGetTheSlotsOfItsWorkersFile) {
  // `concord node --workers FILE` gives each entry's "slots" to its workers (HostedWorkers::slots).
  caf::actor_system sys{testing::quiet_config()};
  caf::scoped_actor self{sys};
  NodeOptions no;
  no.name = "n";
  no.workers = {{"m", 2, 3}, {"u", 1, 0}};  // model, count, slots (0: unlimited)
  no.beacon_interval_s = 0;                  // no periodic beacons: only the one each subscribe sends
  auto manager = spawn_node_manager(sys, no);
  std::vector<proto::beacon> hosted;
  self->request(manager, 5s, proto::workers_atom::value)
      .receive([&](std::vector<proto::beacon>& ws) { hosted = ws; }, [](caf::error&) { ADD_FAILURE() << "no answer"; });
  ASSERT_EQ(hosted.size(), 3u);
  for (const auto& h : hosted) {
    self->send(h.handle, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(self));  // beacons at once
    self->receive([&](proto::beacon& b) {
      EXPECT_EQ(b.worker, h.worker);
      EXPECT_EQ(b.free_slots, b.model == "m" ? 3 : -1) << b.worker;
    }, caf::after(5s) >> [] { ADD_FAILURE() << "no beacon"; });
  }
  self->send(manager, proto::stop_atom::value);
}

TEST(RealClockWorkerSlots, OneSlotRunsSamplesOneAfterAnotherInRealTime) {
  // The same worker on the real clock (CAF timers): 3 samples of 20 simulated seconds at 1000 x
  // (20 ms each) on one slot take at least 60 ms and end in arrival order. A lower bound only:
  // a loaded machine can be slower, never faster.
  caf::actor_system sys{testing::quiet_config()};
  caf::scoped_actor self{sys};
  WorkerOptions wo;
  wo.name = "w";
  wo.model = "m";
  wo.beacon_interval_s = 0;
  wo.time_scale = 1000;
  wo.slots = 1;
  auto w = spawn_simulated_worker(sys, wo);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t id = 1; id <= 3; ++id) self->send(w, request(id, 20));
  std::vector<std::uint64_t> order;
  for (int i = 0; i < 3; ++i)
    self->receive([&](proto::sample_result& r) {
      order.push_back(r.sample_id);
      EXPECT_FALSE(r.cancelled);
      EXPECT_EQ(r.latency_s, 20.0);  // service time, not the wait
    }, caf::after(10s) >> [] { ADD_FAILURE() << "no result"; });
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_GE(elapsed, 60ms);
  caf::anon_send_exit(w, caf::exit_reason::kill);
}

TEST(BeaconWire, SlotFieldsCrossTheWire) {
  // What a remote selector receives (CAF's binary format, as between nodes): the appended fields.
  caf::actor_system sys{testing::quiet_config()};
  for (const auto& [free_slots, queued] : {std::pair{3, 7}, std::pair{-1, 0}, std::pair{0, 2}}) {
    proto::beacon b;
    b.worker = "n/m#0";
    b.model = "m";
    b.queue = 9;
    b.timestamp_s = 1.5;
    b.free_slots = free_slots;
    b.queued = queued;
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    ASSERT_FALSE(sink(b));
    caf::binary_deserializer source{sys, buf};
    proto::beacon c;
    ASSERT_FALSE(source(c));
    EXPECT_EQ(c.worker, b.worker);
    EXPECT_EQ(c.queue, 9);
    EXPECT_EQ(c.timestamp_s, 1.5);
    EXPECT_EQ(c.free_slots, free_slots);
    EXPECT_EQ(c.queued, queued);
  }
}

TEST(SampleResultWire, WaitedCrossesTheWire) {
  // sample_result.waited_s, appended (protocol 6), in CAF's binary format (as between nodes).
  caf::actor_system sys{testing::quiet_config()};
  proto::sample_result r;
  r.sample_id = 42;
  r.latency_s = 4;
  r.worker = "n/m#0";
  r.has_output = true;
  r.waited_s = 6.5;
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  ASSERT_FALSE(sink(r));
  caf::binary_deserializer source{sys, buf};
  proto::sample_result c;
  ASSERT_FALSE(source(c));
  EXPECT_EQ(c.sample_id, 42u);
  EXPECT_EQ(c.latency_s, 4.0);
  EXPECT_EQ(c.worker, "n/m#0");
  EXPECT_TRUE(c.has_output);
  EXPECT_EQ(c.waited_s, 6.5);
}

}  // namespace
}  // namespace concord::actors
