// The selector actor: LinUCB learns from outcomes which worker to prefer, a worker that died
// is never picked again, and a worker with a free slot is preferred to one without.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "messages.hpp"
#include "selector_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

caf::actor_system_config& config() { return testing::quiet_config(); }

/// Asks the selector, one round trip after another (no sleep), until `done(answer)` holds;
/// false if it never does within 100 000 round trips (a bound on the loop, not on time).
template <class Answer, class... Request>
bool ask_until(caf::scoped_actor& self, const proto::selector_actor& sel, const std::function<bool(const Answer&)>& done, Request... req) {
  for (int round_trip = 0; round_trip < 100'000; ++round_trip) {
    bool ok = false;
    self->request(sel, 5s, req...).receive([&](Answer& a) { ok = done(a); }, [](caf::error&) {});
    if (ok) return true;
  }
  return false;
}

/// Live workers the selector counts for `model`, once it has seen `n` of them.
bool live_workers_become(caf::scoped_actor& self, const proto::selector_actor& sel, const std::string& model, std::int32_t n) {
  return ask_until<std::int32_t>(self, sel, [n](const std::int32_t& k) { return k == n; }, proto::workers_atom::value, model);
}

TEST(SelectorActor, LearnsFromOutcomesAndNeverPicksADeadWorker) {
  caf::actor_system sys{config()};
  caf::scoped_actor self{sys};
  SelectorOptions so;
  so.beacon_interval_s = 10;  // beacons below are sent once; they must not go stale during the test
  auto sel = spawn_selector(sys, so);
  auto idle = [](caf::event_based_actor*) -> caf::behavior { return {[](proto::stop_atom) {}}; };
  auto good = sys.spawn(idle), bad = sys.spawn(idle);
  for (auto [name, handle] : {std::pair{"good", good}, std::pair{"bad", bad}}) {
    proto::beacon b;
    b.worker = name;
    b.model = "m";
    b.handle = handle;
    self->send(sel, b);
  }
  int good_late = 0;
  for (int round = 0; round < 300; ++round) {
    caf::actor pick;
    std::uint64_t dispatch = 0;
    self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{1})
        .receive([&](std::vector<caf::actor>& v, std::vector<std::uint64_t>& ids) {
          ASSERT_EQ(v.size(), 1u);
          ASSERT_EQ(ids.size(), 1u);
          pick = v[0];
          dispatch = ids[0];
        }, [](caf::error&) { ADD_FAILURE() << "no answer"; });
    const bool is_good = pick == good;
    if (round >= 250) good_late += is_good ? 1 : 0;
    self->send(sel, proto::outcome_atom::value, dispatch, is_good, 1.0);
  }
  EXPECT_GE(good_late, 45) << "of the last 50 picks";  // LinUCB has learned the bad worker fails
  caf::anon_send_exit(good, caf::exit_reason::kill);
  ASSERT_TRUE(live_workers_become(self, sel, "m", 1));  // the selector's monitor delivered the down_msg
  for (int i = 0; i < 20; ++i)
    self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{1})
        .receive([&](std::vector<caf::actor>& v, std::vector<std::uint64_t>&) {
          ASSERT_EQ(v.size(), 1u);
          EXPECT_EQ(v[0], bad);
        },
                 [](caf::error&) { ADD_FAILURE() << "no answer"; });
  caf::anon_send_exit(bad, caf::exit_reason::kill);
  ASSERT_TRUE(live_workers_become(self, sel, "m", 0));
  self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{2})
      .receive([&](std::vector<caf::actor>& v, std::vector<std::uint64_t>&) { EXPECT_TRUE(v.empty()); },
               [](caf::error&) { ADD_FAILURE() << "no answer"; });
  caf::anon_send_exit(sel, caf::exit_reason::user_shutdown);
}

TEST(SelectorActor, ABusyWorkerIsPassedOverForAnIdleOne) {
  // Eight workers of one model, L = 4: the four with samples queued (named first, so a tie
  // broken by name would pick them) are never offered while four idle ones are.
  caf::actor_system sys{config()};
  caf::scoped_actor self{sys};
  SelectorOptions so;
  so.beacon_interval_s = 10;
  auto sel = spawn_selector(sys, so);
  auto idle = [](caf::event_based_actor*) -> caf::behavior { return {[](proto::stop_atom) {}}; };
  std::map<caf::actor, std::string> name_of;
  std::vector<caf::actor> handles;
  for (int i = 0; i < 8; ++i) {
    auto h = sys.spawn(idle);
    handles.push_back(h);
    name_of[h] = (i < 4 ? "a-busy-" : "b-idle-") + std::to_string(i);
  }
  auto announce = [&] {  // fresh beacons: the busy ones report 5 queued samples
    for (const auto& [h, name] : name_of) {
      proto::beacon b;
      b.worker = name;
      b.model = "m";
      b.handle = h;
      b.queue = name.rfind("a-busy", 0) == 0 ? 5 : 0;
      self->send(sel, b);
    }
  };
  for (int round = 0; round < 40; ++round) {
    announce();
    self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{1})
        .receive(
            [&](std::vector<caf::actor>& v, std::vector<std::uint64_t>& ids) {
              ASSERT_EQ(v.size(), 1u);
              EXPECT_EQ(name_of[v[0]].rfind("b-idle", 0), 0u) << "picked " << name_of[v[0]];
              self->send(sel, proto::forget_atom::value, ids[0]);
            },
            [](caf::error&) { ADD_FAILURE() << "no answer"; });
  }
  for (auto& h : handles) caf::anon_send_exit(h, caf::exit_reason::kill);
  caf::anon_send_exit(sel, caf::exit_reason::kill);
}

/// The selector's (worker -> samples dispatched and not yet reported) table, for one worker.
std::int32_t assigned_to(caf::scoped_actor& self, const proto::selector_actor& sel, const std::string& worker) {
  std::int32_t n = -1;
  self->request(sel, 5s, proto::status_atom::value)
      .receive(
          [&](std::vector<std::string>& names, std::vector<std::int32_t>& assigned) {
            for (std::size_t i = 0; i < names.size(); ++i)
              if (names[i] == worker) n = assigned[i];
          },
          [](caf::error&) { ADD_FAILURE() << "no answer"; });
  return n;
}

TEST(SelectorActor, AWorkerSilentPastItsStaleBoundIsNotCountedOnTheInjectedClock) {
  // Time comes from the injected clock: the beacon goes stale without the test sleeping.
  caf::actor_system sys{config()};
  caf::scoped_actor self{sys};
  ManualClock clock;
  SelectorOptions so;
  so.beacon_interval_s = 1;
  so.stale_after_intervals = 4;
  so.clock = &clock;
  auto sel = spawn_selector(sys, so);
  auto idle = [](caf::event_based_actor*) -> caf::behavior { return {[](proto::stop_atom) {}}; };
  auto worker = sys.spawn(idle);
  proto::beacon b;
  b.worker = "w";
  b.model = "m";
  b.handle = worker;
  self->send(sel, b);
  auto alive = [&] {
    std::int32_t n = -1;
    self->request(sel, 5s, proto::workers_atom::value, std::string("m"))
        .receive([&](std::int32_t k) { n = k; }, [](caf::error&) { ADD_FAILURE() << "no answer"; });
    return n;
  };
  EXPECT_EQ(alive(), 1);
  clock.advance(3s);
  EXPECT_EQ(alive(), 1);  // 3 s of silence < 4 intervals
  clock.advance(2s);
  EXPECT_EQ(alive(), 0);  // 5 s > 4 intervals: presumed dead
  caf::anon_send_exit(worker, caf::exit_reason::kill);
  caf::anon_send_exit(sel, caf::exit_reason::kill);
}

TEST(SelectorActor, SettlesEachDispatchOnceByItsIdAndForgetsADeadWorkersDispatches) {
  caf::actor_system sys{config()};
  caf::scoped_actor self{sys};
  SelectorOptions so;
  so.beacon_interval_s = 10;
  auto sel = spawn_selector(sys, so);
  auto w = sys.spawn([](caf::event_based_actor*) -> caf::behavior { return {[](proto::stop_atom) {}}; });
  proto::beacon b;
  b.worker = "w";
  b.model = "m";
  b.handle = w;
  self->send(sel, b);
  std::vector<std::uint64_t> ids;
  self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{4})
      .receive([&](std::vector<caf::actor>&, std::vector<std::uint64_t>& v) { ids = v; },
               [](caf::error&) { ADD_FAILURE() << "no answer"; });
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(std::set<std::uint64_t>(ids.begin(), ids.end()).size(), 4u);  // one id per sample
  EXPECT_EQ(assigned_to(self, sel, "w"), 4);
  self->send(sel, proto::outcome_atom::value, ids[2], true, 1.0);  // out of order: fine
  EXPECT_EQ(assigned_to(self, sel, "w"), 3);
  self->send(sel, proto::outcome_atom::value, ids[2], true, 1.0);  // a duplicate settles nothing
  self->send(sel, proto::forget_atom::value, ids[0]);              // a cancelled sample
  EXPECT_EQ(assigned_to(self, sel, "w"), 2);
  caf::anon_send_exit(w, caf::exit_reason::kill);
  ASSERT_TRUE(live_workers_become(self, sel, "m", 0));  // the down_msg arrived: its last two dispatches are forgotten
  EXPECT_EQ(assigned_to(self, sel, "w"), 0);
  caf::anon_send_exit(sel, caf::exit_reason::user_shutdown);
}

TEST(SelectorActor, PrefersAWorkerWithAFreeSlotStillRoutesWhenNoneHasOneAndTellsTheWait) {
  caf::actor_system sys{config()};
  caf::scoped_actor self{sys};
  SelectorOptions so;
  so.beacon_interval_s = 10;
  so.top_l = 1;  // screening alone decides: without slots, the worker with fewer samples is taken
  auto sel = spawn_selector(sys, so);
  auto idle = [](caf::event_based_actor*) -> caf::behavior { return {[](proto::stop_atom) {}}; };
  auto full = sys.spawn(idle), roomy = sys.spawn(idle);
  // "full": 1 slot, busy; fewer samples, faster and more reliable (otherwise the better one).
  // "roomy": 4 slots, 3 running, 1 free.
  proto::beacon a;
  a.worker = "full", a.model = "m", a.handle = full;
  a.queue = 1, a.free_slots = 0, a.queued = 0, a.load = 1.0, a.latency_ewma_s = 1, a.reputation = 1;
  proto::beacon b;
  b.worker = "roomy", b.model = "m", b.handle = roomy;
  b.queue = 3, b.free_slots = 1, b.queued = 0, b.load = 0.75, b.latency_ewma_s = 5, b.reputation = 0.5;
  auto pick = [&](std::int32_t count) {
    std::vector<caf::actor> got;
    self->request(sel, 5s, proto::pick_atom::value, std::string("m"), count)
        .receive([&](std::vector<caf::actor>& v, std::vector<std::uint64_t>& ids) {
          got = v;
          for (auto id : ids) self->send(sel, proto::forget_atom::value, id);
        },
                 [](caf::error&) { ADD_FAILURE() << "no answer"; });
    return got;
  };
  for (int round = 0; round < 10; ++round) {
    self->send(sel, a), self->send(sel, b);
    const auto one = pick(1);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0], roomy) << "round " << round;
  }
  // A batch of 2: the first takes roomy's last free slot; then no worker has one and the
  // second is still sent, to the one with fewer samples (it will wait in full's queue).
  auto wait = [&](const std::string& model) {
    double w = -1;
    self->request(sel, 5s, proto::wait_atom::value, model).receive([&](double x) { w = x; }, [](caf::error&) { ADD_FAILURE() << "no answer"; });
    return w;
  };
  self->send(sel, a), self->send(sel, b);
  EXPECT_EQ(wait("m"), 0.0);  // roomy has a free slot
  const auto two = pick(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], roomy);
  EXPECT_EQ(two[1], full);
  // Now (the picks counted): full has 1 waiting on its 1 slot -> 2 x 1 s; roomy none waiting on
  // 4 busy slots -> 1 x 5 s / 4. The expected wait is the shorter.
  EXPECT_DOUBLE_EQ(wait("m"), 1.25);
  EXPECT_TRUE(std::isinf(wait("unknown")));
  self->request(sel, 5s, proto::models_atom::value)  // asking about a model does not add it
      .receive([&](std::vector<std::string>& models, std::vector<std::int32_t>&) { EXPECT_EQ(models, std::vector<std::string>{"m"}); },
               [](caf::error&) { ADD_FAILURE() << "no answer"; });
  caf::anon_send_exit(full, caf::exit_reason::kill);
  caf::anon_send_exit(roomy, caf::exit_reason::kill);
  caf::anon_send_exit(sel, caf::exit_reason::kill);
}

}  // namespace
}  // namespace concord::actors
