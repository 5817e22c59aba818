// workers/output_check: regex and command checks.
#include "output_check.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace concord::workers {
namespace {

CheckSpec regex(std::string text) { return {CheckSpec::Kind::regex, std::move(text), 30}; }
CheckSpec command(std::string text, double limit_s = 10) { return {CheckSpec::Kind::command, std::move(text), limit_s}; }

TEST(OutputCheck, NonePassesEverything) { EXPECT_TRUE(run_check(CheckSpec{}, "anything").passed); }

TEST(OutputCheck, RegexMatchesAnywhere) {
  EXPECT_TRUE(run_check(regex("def [a-z_]+\\("), "x = 1\ndef add_two(a):\n").passed);
  EXPECT_TRUE(run_check(regex("^ok$"), "ok").passed);
}

TEST(OutputCheck, RegexNoMatchFails) {
  const auto v = run_check(regex("^[0-9]+$"), "forty-two");
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "no match");
}

TEST(OutputCheck, AnInvalidRegexIsReportedAndFails) {
  EXPECT_EQ(regex_error("a+b"), "");
  EXPECT_NE(regex_error("a(b"), "");
  EXPECT_NE(regex_error("[z-a]"), "");
  const auto v = run_check(regex("a(b"), "a(b");
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("invalid regex"), std::string::npos) << v.detail;
}

TEST(OutputCheck, RegexSeesOnlyTheFirstMiB) {
  std::string big(2 << 20, 'a');
  big += "NEEDLE";
  EXPECT_FALSE(run_check(regex("NEEDLE"), big).passed);
  EXPECT_TRUE(run_check(regex("NEEDLE"), "a NEEDLE").passed);
}

TEST(OutputCheck, CommandGetsTheOutputOnStdinAndPassesOnExitZero) {
  EXPECT_TRUE(run_check(command("grep -q '^42$'"), "41\n42\n").passed);
  const auto v = run_check(command("grep -q '^42$'"), "41\n");
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("exit code 1"), std::string::npos) << v.detail;
}

TEST(OutputCheck, CommandPastItsTimeLimitFails) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto v = run_check(command("sleep 30", 0.3), "x");
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("time limit"), std::string::npos) << v.detail;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.5);
}

}  // namespace
}  // namespace concord::workers
