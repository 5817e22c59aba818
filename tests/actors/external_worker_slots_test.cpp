// External workers' slots (issue 13, `concord worker --capacity N`): the node-side proxy of an
// external worker process runs N samples at once, queues the rest, says so in its beacons, and
// returns what a dead requester's samples held (waiting ones dropped, sent ones cancelled at the
// process). The process is played by the test (ExternalWorkerOptions::send).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "external_worker.hpp"
#include "messages.hpp"

namespace concord::actors {
namespace {

using namespace std::chrono_literals;

proto::sample_request request(std::uint64_t id, double latency_s) { return testing::simple_sample(id, latency_s); }

TEST(ExternalWorkerSlots, ItsCapacityIsItsSlotsInItsBeacons) {
  // `concord worker --capacity N`: the node's proxy runs N samples at once and queues the rest.
  caf::actor_system sys{testing::quiet_config()};
  caf::scoped_actor self{sys}, probe{sys};
  ExternalWorkerOptions eo;
  eo.name = "n/ext";
  eo.model = "m";
  eo.capacity = 2;
  eo.beacon_interval_s = 0;
  auto sent = std::make_shared<std::atomic<int>>(0);
  eo.send = [sent](const service::NodeMessage&) { sent->fetch_add(1); };
  auto w = spawn_external_worker(sys, eo);
  auto beacon = [&] {
    probe->send(w, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(probe));
    proto::beacon out;
    probe->receive([&](proto::beacon& b) { out = b; }, caf::after(5s) >> [] { ADD_FAILURE() << "no beacon"; });
    return out;
  };
  proto::beacon b = beacon();
  EXPECT_EQ(b.free_slots, 2);
  EXPECT_EQ(b.queued, 0);
  for (std::uint64_t id = 1; id <= 3; ++id) self->send(w, request(id, 10));
  self->send(w, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(probe));  // after the requests (same sender)
  probe->receive([&](proto::beacon& x) { b = x; }, caf::after(5s) >> [] { ADD_FAILURE() << "no beacon"; });
  EXPECT_EQ(b.free_slots, 0);
  EXPECT_EQ(b.queued, 1);
  EXPECT_EQ(b.queue, 3);
  self->send(w, proto::cancel_atom::value, std::uint64_t{3}, -1.0);  // the waiting one: answered at once
  self->receive([&](proto::sample_result& r) {
    EXPECT_EQ(r.sample_id, 3u);
    EXPECT_TRUE(r.cancelled);
    EXPECT_EQ(r.cost, 0);
  }, caf::after(5s) >> [] { ADD_FAILURE() << "no answer"; });
  b = beacon();
  EXPECT_EQ(b.free_slots, 0);
  EXPECT_EQ(b.queued, 0);
  EXPECT_EQ(b.queue, 2);
  EXPECT_EQ(sent->load(), 2);  // only two samples went to the process
  caf::anon_send_exit(w, caf::exit_reason::kill);
}

// An external worker's capacity is held while its requesters live: capacity 1, a requester's A
// is sent to the process and its B waits, our C waits behind B; the requester dies: B leaves the
// queue, A is cancelled at the process, and when the process answers A's cancel, C is sent.
TEST(ExternalWorkerSlots, ARequesterThatDiesCancelsItsSentSamplesAndDropsItsWaitingOnes) {
  caf::actor_system sys{testing::quiet_config()};
  caf::scoped_actor self{sys};
  ExternalWorkerOptions eo;
  eo.name = "n/ext";
  eo.model = "m";
  eo.capacity = 1;
  eo.beacon_interval_s = 0;
  struct Seen {
    std::mutex mx;
    std::vector<std::uint64_t> requests, cancels;
  };
  auto seen = std::make_shared<Seen>();
  eo.send = [seen](const service::NodeMessage& m) {
    std::lock_guard lock(seen->mx);
    if (const auto* r = std::get_if<service::WorkerSampleRequest>(&m)) seen->requests.push_back(r->sample_id);
    if (const auto* c = std::get_if<service::WorkerCancel>(&m)) seen->cancels.push_back(c->sample_id);
  };
  auto w = spawn_external_worker(sys, eo);
  auto requester = sys.spawn([](caf::event_based_actor* a) -> caf::behavior {
    return {[=](const caf::actor& to, proto::sample_request& r) { a->send(to, std::move(r)); }, [](proto::sample_result&) {}};
  });
  auto counts = [&] {
    std::lock_guard lock(seen->mx);
    return std::pair{seen->requests.size(), seen->cancels.size()};
  };
  auto wait_for = [&](std::size_t requests, std::size_t cancels) {  // at most 2 000 x 1 ms
    for (int i = 0; i < 2000 && counts() != std::pair{requests, cancels}; ++i) std::this_thread::sleep_for(1ms);
    return counts() == std::pair{requests, cancels};
  };
  self->send(requester, caf::actor_cast<caf::actor>(w), request(1, 10));
  self->send(requester, caf::actor_cast<caf::actor>(w), request(2, 10));
  ASSERT_TRUE(wait_for(1, 0));
  self->send(w, request(3, 10));
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  ASSERT_TRUE(wait_for(1, 1));  // A cancelled at the process; B never sent
  caf::scoped_actor probe{sys};
  probe->send(w, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(probe));
  probe->receive(
      [&](proto::beacon& b) {
        EXPECT_EQ(b.queue, 2);  // A (until the process answers) and C: B is gone
        EXPECT_EQ(b.queued, 1);
      },
      caf::after(5s) >> [] { ADD_FAILURE() << "no beacon"; });
  std::uint64_t a_wire = 0;
  {
    std::lock_guard lock(seen->mx);
    a_wire = seen->requests[0];
    EXPECT_EQ(seen->cancels[0], a_wire);
  }
  proto::external_result done;
  done.result.sample_id = a_wire;
  done.result.error = service::SampleError::cancelled;
  self->send(w, done);
  ASSERT_TRUE(wait_for(2, 1));  // C goes to the process once A's capacity is back (B never does)
  proto::external_result c_done;
  {
    std::lock_guard lock(seen->mx);
    c_done.result.sample_id = seen->requests[1];
  }
  c_done.result.success = true;
  c_done.result.latency_s = 1;
  self->send(w, c_done);
  std::uint64_t answered = 0;
  self->receive([&](proto::sample_result& r) { answered = r.sample_id; }, caf::after(5s) >> [] {});
  EXPECT_EQ(answered, 3u);
  caf::anon_send_exit(w, caf::exit_reason::kill);
}

}  // namespace
}  // namespace concord::actors
