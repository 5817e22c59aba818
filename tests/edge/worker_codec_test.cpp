// The worker protocol's codec (protocols/edge/worker_codec.hpp): every message survives the
// round trip field for field, hostile bytes become an error naming the problem, and the
// WorkerSocket answers a frame it cannot decode with RegisterRefused instead of passing it on.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include <zmq.hpp>

#include "edge/worker_codec.hpp"
#include "edge/worker_socket.hpp"

namespace concord::edge {
namespace {

using namespace concord::service;

TEST(WorkerCodec, EveryMessageRoundTrips) {
  const std::vector<WorkerMessage> up{
      WorkerRegister{"gpu-1", {{"coder", 0.5, 2.0}, {"small", 0, 0.1}}, 8, "openai"},
      WorkerHeartbeat{3, 5},
      WorkerSampleResult{42, true, "def f(): pass", 12, 34, 0.75, SampleError::none, "", true},
      WorkerSampleResult{43, false, "", 0, 0, 2.0, SampleError::rate_limited, "HTTP 429, Retry-After 3", false},
  };
  for (const auto& m : up) {
    auto back = decode_worker_message(encode(m));
    ASSERT_TRUE(std::holds_alternative<WorkerMessage>(back)) << std::get<std::string>(back);
    EXPECT_EQ(std::get<WorkerMessage>(back), m);
  }
  const std::vector<NodeMessage> down{
      WorkerRegistered{"node-a", 0.5, 3},
      WorkerRegisterRefused{"name: taken"},
      WorkerSampleRequest{7, "coder", "code", 99, {{"system", "be brief"}, {"user", "write is_prime"}}, 400, 30, 1},
      WorkerCancel{7},
      WorkerUnknown{},
  };
  for (const auto& m : down) {
    auto back = decode_node_message(encode(m));
    ASSERT_TRUE(std::holds_alternative<NodeMessage>(back)) << std::get<std::string>(back);
    EXPECT_EQ(std::get<NodeMessage>(back), m);
  }
}

TEST(WorkerCodec, HostileBytesAreAnErrorNeverACrash) {
  for (std::string bytes : {std::string(), std::string("abc"), std::string(8, '\xff'), std::string(64, '\0'), std::string(4096, 'x')}) {
    auto w = decode_worker_message(bytes);
    auto n = decode_node_message(bytes);
    if (auto* e = std::get_if<std::string>(&w)) EXPECT_FALSE(e->empty());
    if (auto* e = std::get_if<std::string>(&n)) EXPECT_FALSE(e->empty());
  }
  // A client Request is not a WorkerMessage of a known kind in a known version... and a big one is refused.
  EXPECT_TRUE(std::holds_alternative<std::string>(decode_worker_message(std::string((16u << 20) + 8, '\0'))));
}

TEST(WorkerSocket, PassesGoodMessagesOnAndRefusesUndecodableFrames) {
  std::mutex mx;
  std::vector<std::pair<std::string, WorkerMessage>> got;
  WorkerSocketOptions o;
  o.endpoint = "tcp://127.0.0.1:0";
  WorkerSocket socket(o, [&](std::string peer, WorkerMessage m) {
    std::lock_guard lock(mx);
    got.emplace_back(std::move(peer), std::move(m));
  });
  zmq::context_t ctx;
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::rcvtimeo, 5000);
  dealer.connect(socket.bound_endpoint());
  dealer.send(zmq::buffer(encode(WorkerMessage{WorkerHeartbeat{1, 2}})));
  dealer.send(zmq::str_buffer("not capnp"));
  zmq::message_t reply;
  ASSERT_TRUE(dealer.recv(reply));
  auto decoded = decode_node_message(reply.to_string_view());
  ASSERT_TRUE(std::holds_alternative<NodeMessage>(decoded));
  const auto* refused = std::get_if<WorkerRegisterRefused>(&std::get<NodeMessage>(decoded));
  ASSERT_NE(refused, nullptr);
  EXPECT_NE(refused->reason.find("not a WorkerMessage"), std::string::npos) << refused->reason;
  std::string peer;
  for (int i = 0; i < 250; ++i) {  // bounded: 5 s
    {
      std::lock_guard lock(mx);
      if (!got.empty()) {
        peer = got.front().first;
        EXPECT_EQ(got.front().second, (WorkerMessage{WorkerHeartbeat{1, 2}}));
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(peer.empty());
  EXPECT_EQ(socket.counters().undecodable.load(), 1u);
  // And the node can talk back to that peer.
  socket.send(peer, NodeMessage{WorkerCancel{5}});
  ASSERT_TRUE(dealer.recv(reply));
  EXPECT_EQ(std::get<NodeMessage>(decode_node_message(reply.to_string_view())), (NodeMessage{WorkerCancel{5}}));
}

}  // namespace
}  // namespace concord::edge
