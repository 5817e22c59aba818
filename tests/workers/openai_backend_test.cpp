// workers/openai_backend against the real stub (tests/support/openai_stub.py) on 127.0.0.1.
#include "openai_backend.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "workers/error_class_printer.hpp"
#include "workers/stub_server.hpp"

namespace concord::workers {
namespace {

using testing_support::StubServer;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

SampleJob job_with(const std::string& prompt, double limit_s = 10, std::int64_t cap = 0) {
  SampleJob job;
  job.sample_id = 1;
  job.model = "concord-model-id";
  job.messages = {{"system", "you are terse"}, {"user", prompt}};
  job.time_limit_s = limit_s;
  job.token_cap = cap;
  return job;
}

class OpenAi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stub_ = std::make_unique<StubServer>(); }
  static void TearDownTestSuite() { stub_.reset(); }
  void SetUp() override { ASSERT_GT(stub_->port(), 0) << "the stub did not start"; }

  SampleOutcome run(const SampleJob& job) {
    std::atomic<bool> cancel{false};
    return backend().run(job, cancel);
  }
  OpenAiBackend backend(std::string suffix = "") { return OpenAiBackend({stub_->base_url() + suffix, "served-model", "", 2}); }

  static std::unique_ptr<StubServer> stub_;
};
std::unique_ptr<StubServer> OpenAi::stub_;

TEST_F(OpenAi, OkTakesContentAndTokensFromUsage) {
  const auto out = run(job_with("#stub:ok four words of answer"));
  EXPECT_TRUE(out.success) << out.detail;
  EXPECT_EQ(out.error, ErrorClass::none);
  EXPECT_TRUE(out.usage_known);
  EXPECT_EQ(out.output, "four words of answer");
  EXPECT_EQ(out.input_tokens, 3 + 5);  // words of both messages, the directive included
  EXPECT_EQ(out.output_tokens, 4);
  EXPECT_GT(out.latency_s, 0);
}

TEST_F(OpenAi, BaseUrlWithOrWithoutV1) {
  EXPECT_EQ(OpenAiBackend({"http://h:1", "m", "", 1}).endpoint(), "http://h:1/v1/chat/completions");
  EXPECT_EQ(OpenAiBackend({"http://h:1/v1/", "m", "", 1}).endpoint(), "http://h:1/v1/chat/completions");
  std::atomic<bool> cancel{false};
  const auto out = backend("/v1/").run(job_with("#stub:ok x"), cancel);
  EXPECT_TRUE(out.success) << out.detail;
}

TEST_F(OpenAi, DefaultReplyIsDeterministic) {
  const auto out = run(job_with("one two three"));
  EXPECT_TRUE(out.success) << out.detail;
  EXPECT_EQ(out.output, "stub reply: three two one");
}

TEST_F(OpenAi, RateLimitedCarriesRetryAfter) {
  const auto out = run(job_with("#stub:429"));
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.error, ErrorClass::rate_limited);
  EXPECT_TRUE(out.usage_known) << "a refusal generated nothing";
  EXPECT_NE(out.detail.find("Retry-After: 1"), std::string::npos) << out.detail;
}

TEST_F(OpenAi, ServerErrorIsHttpStatusWithBody) {
  const auto out = run(job_with("#stub:500"));
  EXPECT_EQ(out.error, ErrorClass::http_status);
  EXPECT_NE(out.detail.find("HTTP 500"), std::string::npos) << out.detail;
  EXPECT_NE(out.detail.find("internal error (stub)"), std::string::npos) << out.detail;
}

TEST_F(OpenAi, NotJsonIsMalformed) {
  const auto out = run(job_with("#stub:malformed"));
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.error, ErrorClass::malformed) << out.detail;
  EXPECT_FALSE(out.usage_known);
}

TEST_F(OpenAi, MissingUsageIsMalformed) {
  const auto out = run(job_with("#stub:no-usage,ok fine"));
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.error, ErrorClass::malformed) << out.detail;
  EXPECT_FALSE(out.usage_known);
}

TEST_F(OpenAi, FinishReasonLengthIsTruncated) {
  const auto out = run(job_with("#stub:length partial answer"));
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.error, ErrorClass::truncated) << out.detail;
  EXPECT_EQ(out.output, "partial answer");
  EXPECT_EQ(out.output_tokens, 2);
}

TEST_F(OpenAi, TokenCapIsSentAsMaxTokens) {
  const auto out = run(job_with("#stub:ok a b c d e f", 10, 3));  // the stub cuts to max_tokens words
  EXPECT_EQ(out.error, ErrorClass::truncated) << out.detail;
  EXPECT_EQ(out.output, "a b c");
  EXPECT_EQ(out.output_tokens, 3);
}

TEST_F(OpenAi, HangPastTheTimeLimitIsATimeout) {
  const auto t0 = Clock::now();
  const auto out = run(job_with("#stub:hang", 1.0));
  const double took = since(t0);
  EXPECT_EQ(out.error, ErrorClass::timeout) << out.detail;
  EXPECT_FALSE(out.usage_known) << "cut short: the provider may bill it";
  EXPECT_GE(took, 0.95);
  EXPECT_LT(took, 1.5);
}

TEST_F(OpenAi, CancelClosesTheRequestQuickly) {
  std::atomic<bool> cancel{false};
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled_at = Clock::now();
    cancel = true;
  });
  const auto t0 = Clock::now();
  const auto out = backend().run(job_with("#stub:hang", 30), cancel);
  const auto returned = Clock::now();
  canceller.join();
  EXPECT_EQ(out.error, ErrorClass::cancelled) << out.detail;
  EXPECT_FALSE(out.usage_known);
  EXPECT_LT(std::chrono::duration<double>(returned - t0).count(), 0.3 + 0.2);
  EXPECT_LT(std::chrono::duration<double>(returned - cancelled_at).count(), 0.3);
}

TEST_F(OpenAi, ARefusedConnectionIsTransport) {
  // A port that was just bound and closed on loopback: nothing listens there.
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(s);
  OpenAiBackend closed({"http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "m", "", 2});
  std::atomic<bool> cancel{false};
  const auto t0 = Clock::now();
  const auto out = closed.run(job_with("#stub:ok x", 5), cancel);
  EXPECT_EQ(out.error, ErrorClass::transport) << out.detail;
  EXPECT_TRUE(out.usage_known) << "never connected: nothing to bill";
  EXPECT_LT(since(t0), 2.5);
}

TEST_F(OpenAi, ApiKeyIsSentAsBearer) {
  StubServer keyed({"--api-key", "sekret"});
  ASSERT_GT(keyed.port(), 0);
  std::atomic<bool> cancel{false};
  const auto with_key = OpenAiBackend({keyed.base_url(), "m", "sekret", 2}).run(job_with("#stub:ok x"), cancel);
  EXPECT_TRUE(with_key.success) << with_key.detail;
  const auto without = OpenAiBackend({keyed.base_url(), "m", "", 2}).run(job_with("#stub:ok x"), cancel);
  EXPECT_EQ(without.error, ErrorClass::http_status);
  EXPECT_NE(without.detail.find("HTTP 401"), std::string::npos) << without.detail;
}

TEST_F(OpenAi, ScriptRulesAnswerPromptsWithoutADirective) {
  const std::string path = ::testing::TempDir() + "openai_stub_script.json";
  {
    std::ofstream f(path);
    f << R"([{"match": "add two numbers", "reply": "def add(a, b):\n    return a + b\n"}, {"match": ".", "reply": "fallback"}])";
  }
  StubServer scripted({"--script", path});
  ASSERT_GT(scripted.port(), 0);
  OpenAiBackend b({scripted.base_url(), "m", "", 2});
  std::atomic<bool> cancel{false};
  const auto code = b.run(job_with("Write Python: add two numbers."), cancel);
  EXPECT_TRUE(code.success) << code.detail;
  EXPECT_EQ(code.output, "def add(a, b):\n    return a + b\n");
  EXPECT_EQ(b.run(job_with("something else"), cancel).output, "fallback");
  std::remove(path.c_str());
}

TEST_F(OpenAi, EightThreadsAtOnce) {
  const OpenAiBackend shared = backend();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::atomic<bool> cancel{false};
        const std::string word = "t" + std::to_string(t) + "i" + std::to_string(i);
        const auto out = const_cast<OpenAiBackend&>(shared).run(job_with("#stub:delay=0.05,ok " + word), cancel);
        if (out.success && out.output == word && out.output_tokens == 1) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
}

}  // namespace
}  // namespace concord::workers

namespace concord::workers {
namespace {

TEST(OpenAiStub, ExitsSoonAfterItsStdinCloses) {
  // The destructor closes the stub's stdin and waits up to 2 s before SIGKILL: a stub that ignored
  // EOF would take the full 2 s.
  auto stub = std::make_unique<testing_support::StubServer>();
  ASSERT_GT(stub->port(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  stub.reset();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.5);
}

}  // namespace
}  // namespace concord::workers
