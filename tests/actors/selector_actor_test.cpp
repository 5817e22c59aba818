// The selector actor: LinUCB learns from outcomes which worker to prefer, and a
// worker that died is never picked again.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "messages.hpp"
#include "selector_actor.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

caf::actor_system_config& config() { return testing::quiet_config(); }

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
    self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{1})
        .receive([&](std::vector<caf::actor>& v) {
          ASSERT_EQ(v.size(), 1u);
          pick = v[0];
        }, [](caf::error&) { ADD_FAILURE() << "no answer"; });
    const bool is_good = pick == good;
    if (round >= 250) good_late += is_good ? 1 : 0;
    self->send(sel, proto::outcome_atom::value, std::string(is_good ? "good" : "bad"), is_good, 1.0);
  }
  EXPECT_GE(good_late, 45) << "of the last 50 picks";  // LinUCB has learned the bad worker fails
  caf::anon_send_exit(good, caf::exit_reason::kill);
  std::this_thread::sleep_for(50ms);  // the selector's monitor delivers the down_msg
  for (int i = 0; i < 20; ++i)
    self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{1})
        .receive([&](std::vector<caf::actor>& v) {
          ASSERT_EQ(v.size(), 1u);
          EXPECT_EQ(v[0], bad);
        },
                 [](caf::error&) { ADD_FAILURE() << "no answer"; });
  caf::anon_send_exit(bad, caf::exit_reason::kill);
  std::this_thread::sleep_for(50ms);
  self->request(sel, 5s, proto::pick_atom::value, std::string("m"), std::int32_t{2})
      .receive([&](std::vector<caf::actor>& v) { EXPECT_TRUE(v.empty()); }, [](caf::error&) { ADD_FAILURE() << "no answer"; });
  caf::anon_send_exit(sel, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace concord::actors
