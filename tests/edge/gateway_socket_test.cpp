// The gateway's socket thread (protocols/edge/gateway_socket.hpp) with a real ZeroMQ client on
// loopback: a client that reads too slowly loses events, is told exactly which (Lost before its
// next event of that workflow), and never receives one twice; the node's queue stays bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <zmq.hpp>

#include "edge/gateway_socket.hpp"
#include "edge/wire_codec.hpp"

namespace concord::edge {
namespace {

using namespace concord::service;

TEST(GatewaySocket, ASlowWatcherIsToldWhichEventsItLostAndGetsNoneTwice) {
  std::mutex mx;
  std::string peer;
  GatewaySocketOptions o;
  o.endpoint = "tcp://127.0.0.1:0";
  o.send_hwm = 16;
  GatewaySocket gw(o, [&](std::string p, Request) {
    std::lock_guard lock(mx);
    peer = std::move(p);
  });
  zmq::context_t ctx(1);
  zmq::socket_t client(ctx, zmq::socket_type::dealer);
  client.set(zmq::sockopt::rcvhwm, 16);
  client.set(zmq::sockopt::rcvbuf, 4096);
  client.set(zmq::sockopt::linger, 0);
  client.connect(gw.bound_endpoint());
  const std::string hello = encode(Request{StatusRequest{}});
  client.send(zmq::buffer(hello), zmq::send_flags::none);
  for (int i = 0; i < 500; ++i) {  // bounded: 5 s for the request to arrive
    {
      std::lock_guard lock(mx);
      if (!peer.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string who;
  {
    std::lock_guard lock(mx);
    who = peer;
  }
  ASSERT_FALSE(who.empty());
  // The client does not read while the node sends far more than the buffers on the way hold.
  constexpr Seq kBurst = 200'000;
  for (Seq s = 1; s <= kBurst; ++s) gw.send(who, Event{7, s, 0.0, SpendUpdate{static_cast<Money>(s), 0, 0}, 0});
  for (int i = 0; i < 1000 && gw.counters().sent + gw.counters().dropped_slow < kBurst; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GT(gw.counters().dropped_slow.load(), 0u) << "the burst should overflow the high-water marks";
  // Now it reads everything; then one more event arrives, which the Lost must precede.
  std::vector<Seq> got;
  std::vector<Lost> lost;
  auto drain = [&](int idle_ms) {
    for (int i = 0; i < 1'000'000; ++i) {
      zmq::pollitem_t item{static_cast<void*>(client), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(idle_ms)) == 0) return;
      zmq::message_t m;
      if (!client.recv(m)) return;
      auto r = decode_response(m.to_string_view());
      ASSERT_TRUE(std::holds_alternative<Response>(r));
      const auto& e = std::get<Event>(std::get<Response>(r));
      if (const auto* l = std::get_if<Lost>(&e.body)) lost.push_back(*l);
      else got.push_back(e.seq);
    }
  };
  drain(500);
  gw.send(who, Event{7, kBurst + 1, 0.0, SpendUpdate{}, 0});
  drain(1000);
  ASSERT_FALSE(lost.empty()) << "the client was never told what it lost";
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), kBurst + 1);
  // Every sequence number exactly once: received, or inside one reported Lost range.
  std::vector<int> seen(kBurst + 2, 0);
  for (Seq s : got) ++seen[s];
  for (const Lost& l : lost)
    for (Seq s = l.from_seq; s <= l.to_seq; ++s) ++seen[s];
  for (Seq s = 1; s <= kBurst + 1; ++s) ASSERT_EQ(seen[s], 1) << "sequence number " << s;
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
}

}  // namespace
}  // namespace concord::edge
