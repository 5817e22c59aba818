// Proves the five build dependencies are found and link as later issues need them:
// CAF 0.17 (core, io, openssl), Cap'n Proto, cppzmq/libzmq, TBB, GoogleTest.
// Kept out of libconcord_core: this is the only translation unit that pays for CAF headers now.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <tbb/parallel_reduce.h>
#include <tbb/blocked_range.h>
#include <tbb/version.h>
#include <zmq.hpp>

TEST(Dependencies, CafIsTheDebianVersionAndItsNetworkModulesLoad) {
  EXPECT_EQ(CAF_VERSION, 1706);
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  caf::actor_system sys{cfg};
  EXPECT_TRUE(sys.has_middleman());
  EXPECT_TRUE(sys.has_openssl_manager());
  auto echo = sys.spawn([]() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  caf::scoped_actor self{sys};
  int got = 0;
  self->request(echo, std::chrono::seconds(5), 41).receive([&](int x) { got = x; }, [](caf::error&) {});
  EXPECT_EQ(got, 42);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

TEST(Dependencies, ZeroMqPairTalksOverInproc) {
  zmq::context_t ctx;
  zmq::socket_t a(ctx, zmq::socket_type::pair), b(ctx, zmq::socket_type::pair);
  a.bind("inproc://probe");
  b.connect("inproc://probe");
  a.send(zmq::str_buffer("ping"), zmq::send_flags::none);
  zmq::message_t msg;
  ASSERT_TRUE(b.recv(msg, zmq::recv_flags::none));
  EXPECT_EQ(msg.to_string(), "ping");
}

TEST(Dependencies, CapnProtoBuildsAMessage) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<capnp::AnyPointer>().setAs<capnp::Text>("hello");
  auto words = capnp::messageToFlatArray(builder);
  EXPECT_GT(words.size(), 0u);
}

TEST(Dependencies, TbbReduces) {
  const long sum = tbb::parallel_reduce(
      tbb::blocked_range<long>(0, 1000), 0L,
      [](const tbb::blocked_range<long>& r, long acc) {
        for (long i = r.begin(); i != r.end(); ++i) acc += i;
        return acc;
      },
      std::plus<>());
  EXPECT_EQ(sum, 499500);
  EXPECT_GE(TBB_VERSION_MAJOR, 2021);
}
