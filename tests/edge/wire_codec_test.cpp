// The wire codec (protocols/edge/wire_codec.hpp): every message survives a round trip, and bytes
// that are not a valid Request — garbage, truncated, oversized, another version, a Response —
// become a refusal naming the problem, never a crash.
#include <gtest/gtest.h>

#include <random>

#include "edge/wire_codec.hpp"

namespace concord::edge {
namespace {

using namespace concord::service;

TEST(WireCodec, RequestsSurviveARoundTrip) {
  SubmitRequest s;
  s.workflow_json = R"({"name": "x"})";
  s.tenant = "acme";
  s.idempotency_key = "k-1";
  s.source_name = "x.json";
  s.policy = "greedy";
  s.seed = 42;
  s.budget = 123'456'789;
  s.deadline_s = 12.5;
  s.watch = true;
  const auto r = decode_request(encode(Request{s}));
  ASSERT_TRUE(std::holds_alternative<Request>(r));
  const auto& back = std::get<SubmitRequest>(std::get<Request>(r));
  EXPECT_EQ(back.workflow_json, s.workflow_json);
  EXPECT_EQ(back.tenant, "acme");
  EXPECT_EQ(back.idempotency_key, "k-1");
  EXPECT_EQ(back.source_name, "x.json");
  EXPECT_EQ(back.policy, "greedy");
  EXPECT_EQ(back.seed, 42u);
  EXPECT_EQ(back.budget, 123'456'789);
  EXPECT_EQ(back.deadline_s, 12.5);
  EXPECT_TRUE(back.watch);
  const auto w = std::get<Request>(decode_request(encode(Request{WatchRequest{9, 17}})));
  EXPECT_EQ(std::get<WatchRequest>(w).workflow, 9u);
  EXPECT_EQ(std::get<WatchRequest>(w).from_seq, 17u);
  EXPECT_EQ(std::get<CancelRequest>(std::get<Request>(decode_request(encode(Request{CancelRequest{5}})))).workflow, 5u);
  EXPECT_TRUE(std::holds_alternative<StatusRequest>(std::get<Request>(decode_request(encode(Request{StatusRequest{}})))));
}

TEST(WireCodec, EveryEventKindSurvivesARoundTrip) {
  const std::vector<EventBody> bodies{
      Started{9, 1000, 188.5, "from the file", "nominal", "mcpp", 3},
      BatchLaunched{"l3", "goedel8b", 16, 2, 77},
      SampleSettled{"l3", 77, 4242},
      SubtaskEnded{"l3", "goedel8b", 16, 2, true, true, 5000, 7, 9, "def f():\n  return 1"},
      SpendUpdate{100, 50, 1000},
      Ended{true, EndReason::interrupted, 999, 171.9, 9, "the report\n"},
      Lost{3, 8},
  };
  for (const auto& b : bodies) {
    Event e{11, 4, 2.25, b};
    const auto r = decode_response(encode(Response{e}));
    ASSERT_TRUE(std::holds_alternative<Response>(r)) << std::get<std::string>(r);
    const auto& back = std::get<Event>(std::get<Response>(r));
    EXPECT_EQ(back.workflow, 11u);
    EXPECT_EQ(back.seq, 4u);
    EXPECT_EQ(back.time_s, 2.25);
    EXPECT_EQ(back.body.index(), b.index());
  }
  const auto ended = std::get<Ended>(std::get<Event>(std::get<Response>(decode_response(encode(Response{Event{1, 2, 3, bodies[5]}})))).body);
  EXPECT_EQ(ended.reason, EndReason::interrupted);
  EXPECT_EQ(ended.report, "the report\n");
  EXPECT_EQ(ended.spend, 999);
}

TEST(WireCodec, AnswersSurviveARoundTrip) {
  const auto a = std::get<Accepted>(std::get<Response>(decode_response(encode(Response{Accepted{3, true}}))));
  EXPECT_EQ(a.workflow, 3u);
  EXPECT_TRUE(a.duplicate);
  const auto f = std::get<Refused>(std::get<Response>(decode_response(encode(Response{Refused{RefusalCode::busy, "full", 1.5, 0}}))));
  EXPECT_EQ(f.code, RefusalCode::busy);
  EXPECT_EQ(f.text, "full");
  EXPECT_EQ(f.retry_after_s, 1.5);
  StatusReply s;
  s.node = "a";
  s.nodes = {"a", "b"};
  s.workers = {{"m", 3}};
  s.workflows = {WorkflowStatus{1, "t", "n", WorkflowState::ended, 5, 0, 10, 40}};
  s.max_workflows = 8;
  const auto back = std::get<StatusReply>(std::get<Response>(decode_response(encode(Response{s}))));
  EXPECT_EQ(back.nodes, s.nodes);
  ASSERT_EQ(back.workers.size(), 1u);
  EXPECT_EQ(back.workers[0].live, 3u);
  ASSERT_EQ(back.workflows.size(), 1u);
  EXPECT_EQ(back.workflows[0].state, WorkflowState::ended);
  EXPECT_EQ(back.workflows[0].last_seq, 40u);
  EXPECT_EQ(back.max_workflows, 8u);
}

Refused refusal(std::string_view bytes, const DecodeLimits& limits = {}) {
  auto r = decode_request(bytes, limits);
  EXPECT_TRUE(std::holds_alternative<Refused>(r));
  return std::holds_alternative<Refused>(r) ? std::get<Refused>(r) : Refused{};
}

TEST(WireCodec, HostileBytesAreRefusedNamingTheProblem) {
  EXPECT_NE(refusal("").text.find("empty"), std::string::npos);
  EXPECT_NE(refusal("abc").text.find("8-byte words"), std::string::npos);
  const std::string good = encode(Request{SubmitRequest{std::string(1000, 'x')}});
  const Refused truncated = refusal(good.substr(0, good.size() - 64));
  EXPECT_EQ(truncated.code, RefusalCode::bad_message);
  EXPECT_NE(truncated.text.find("not a Request"), std::string::npos) << truncated.text;
  DecodeLimits small;
  small.max_bytes = 256;
  EXPECT_NE(refusal(good, small).text.find("larger than the limit"), std::string::npos);
  // A Response where a Request belongs: its first field (version) reads as a version, the union
  // as something else; never a crash. Another version is refused as such.
  std::string other = encode(Request{StatusRequest{}});
  other[16] = 2;  // segment table (8 bytes), root pointer (8), then the first data word: version = 2
  const Refused v = refusal(other);
  EXPECT_EQ(v.code, RefusalCode::bad_version);
  EXPECT_NE(v.text.find("version"), std::string::npos);
}

TEST(WireCodec, RandomBytesNeverCrashTheDecoder) {
  std::mt19937_64 rng(1);
  const std::string good = encode(Request{SubmitRequest{"{}", "t", "k"}});
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string b = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<char>(rng());
    if (i % 3 == 0) b.resize(rng() % (b.size() + 1));
    refused += std::holds_alternative<Refused>(decode_request(b)) ? 1 : 0;
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace concord::edge
