// workers/exec_backend: prompt format on stdin, output, error classes, token estimate and cap.
#include "exec_backend.hpp"
#include "error_class_printer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace concord::workers {
namespace {

SampleJob job_with(std::vector<ChatMessage> messages, double limit_s = 10, std::int64_t cap = 0) {
  SampleJob job;
  job.sample_id = 7;
  job.model = "exec";
  job.messages = std::move(messages);
  job.time_limit_s = limit_s;
  job.token_cap = cap;
  return job;
}

SampleOutcome run(const std::string& command, const SampleJob& job) {
  std::atomic<bool> cancel{false};
  return ExecBackend(command).run(job, cancel);
}

TEST(ExecBackend, OneMessageIsTheStdinVerbatim) {
  const auto out = run("cat", job_with({{"user", "write a haiku\n"}}));
  EXPECT_TRUE(out.success) << out.detail;
  EXPECT_EQ(out.error, ErrorClass::none);
  EXPECT_EQ(out.output, "write a haiku\n");
  EXPECT_GE(out.latency_s, 0);
}

TEST(ExecBackend, SeveralMessagesAreRoleBlocksSeparatedByABlankLine) {
  const std::vector<ChatMessage> messages = {{"system", "be brief"}, {"user", "hi"}};
  EXPECT_EQ(render_exec_prompt(messages), "system: be brief\n\nuser: hi");
  const auto out = run("cat", job_with(messages));
  EXPECT_EQ(out.output, "system: be brief\n\nuser: hi");
}

TEST(ExecBackend, TokensAreBytesOverFourRoundedUp) {
  EXPECT_EQ(estimate_tokens(""), 0);
  EXPECT_EQ(estimate_tokens("abcd"), 1);
  EXPECT_EQ(estimate_tokens("abcde"), 2);
  const auto out = run("printf 123456789", job_with({{"user", "12345678"}}));
  EXPECT_EQ(out.input_tokens, 2);
  EXPECT_EQ(out.output_tokens, 3);
}

TEST(ExecBackend, NonZeroExitIsExitStatusWithTheCode) {
  const auto out = run("echo broken >&2; exit 4", job_with({{"user", "x"}}));
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.error, ErrorClass::exit_status);
  EXPECT_NE(out.detail.find("exit code 4"), std::string::npos) << out.detail;
  EXPECT_NE(out.detail.find("broken"), std::string::npos) << out.detail;
  EXPECT_EQ(to_string(out.error), "exit_status");
}

TEST(ExecBackend, AMissingProgramIsExecFailed) {
  const auto out = run("/nonexistent/program --flag", job_with({{"user", "x"}}));
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.error, ErrorClass::exec_failed) << out.detail;
}

TEST(ExecBackend, TheTimeLimitIsATimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = run("sleep 30", job_with({{"user", "x"}}, 0.3));
  EXPECT_EQ(out.error, ErrorClass::timeout);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.5);
}

TEST(ExecBackend, CancelIsCancelledWithinTheBound) {
  std::atomic<bool> cancel{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = ExecBackend("sleep 30").run(job_with({{"user", "x"}}), cancel);
  t.join();
  EXPECT_EQ(out.error, ErrorClass::cancelled);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.1 + 0.2);
}

TEST(ExecBackend, OutputAboveTheTokenCapIsTruncated) {
  const auto over = run("printf '%040d' 0", job_with({{"user", "x"}}, 10, 5));  // 40 bytes = 10 tokens
  EXPECT_FALSE(over.success);
  EXPECT_EQ(over.error, ErrorClass::truncated);
  const auto within = run("printf '%040d' 0", job_with({{"user", "x"}}, 10, 10));
  EXPECT_TRUE(within.success) << within.detail;
}

TEST(ErrorClassNames, AreTheEnumeratorsNames) {
  EXPECT_EQ(to_string(ErrorClass::none), "none");
  EXPECT_EQ(to_string(ErrorClass::http_status), "http_status");
  EXPECT_EQ(to_string(ErrorClass::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(ErrorClass::timeout), "timeout");
  EXPECT_EQ(to_string(ErrorClass::malformed), "malformed");
  EXPECT_EQ(to_string(ErrorClass::transport), "transport");
  EXPECT_EQ(to_string(ErrorClass::cancelled), "cancelled");
  EXPECT_EQ(to_string(ErrorClass::truncated), "truncated");
  EXPECT_EQ(to_string(ErrorClass::exec_failed), "exec_failed");
  EXPECT_EQ(to_string(ErrorClass::exit_status), "exit_status");
}

}  // namespace
}  // namespace concord::workers
