// `concord chaos` end to end: a short run holds every invariant while every fault kind is
// injected; each safeguard turned off (the mutation check) is caught, and the replay command a
// violation prints reproduces it exactly (virtual clock); bad options exit 2.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "cli/cli_support.hpp"

namespace concord::cli_testing {
namespace {

TEST(ChaosCli, AShortRunHoldsEveryInvariantWithEveryFaultKindInjected) {
  const Outcome o = concord("chaos --runs 20 --seed 1");  // as README.md shows it
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_NE(o.output.find("invariant violations: 0 in 0 of 20 runs"), std::string::npos) << o.output;
  for (const char* kind : {"crash", "hang", "slow", "lie_tokens", "drop_result", "duplicate_result", "delay_result"}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(o.output, m, std::regex(std::string("\n") + kind + " +([0-9]+) +([0-9]+)\n"))) << kind << o.output;
    EXPECT_GE(std::stoi(m[2]), 1) << kind << " never started before a run ended";
  }
  // The fault points in Concord's own actors: each one armed and fired in some run.
  for (const char* point : {"ledger_request_lost", "ledger_reply_lost", "ledger_request_duplicated", "ledger_request_delayed", "planner_crash"}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(o.output, m, std::regex(std::string("\n") + point + " +([0-9]+) +([0-9]+)\n"))) << point << o.output;
    EXPECT_GE(std::stoi(m[2]), 1) << point << " never fired";
  }
  // Tenant runs: several workflows at once drawing from one tenant, which refuses some of them.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.output, m, std::regex(R"re(\ntenant runs +([0-9]+) \(([0-9]+) workflows, ([0-9]+) of them ended budget_exhausted)re")))
      << o.output;
  EXPECT_GE(std::stoi(m[1]), 5);
  EXPECT_GT(std::stoi(m[2]), std::stoi(m[1]));  // some runs had companions
  EXPECT_GE(std::stoi(m[3]), 1);
}

// The first violating run of seed 1 for each safeguard turned off, found by `concord chaos --runs
// 100 --seed 1 --disable-safeguard NAME` (docs/chaos.md). The same run with every safeguard on
// holds every invariant: it is the missing safeguard that the invariants catch.
struct Mutation {
  const char* safeguard;
  int run;
  const char* invariant;
};

TEST(ChaosCli, EachSafeguardTurnedOffIsCaughtAndTheReplayReproducesIt) {
  for (const Mutation& m : {Mutation{"reservation_check", 19, "spend_within_budget"}, Mutation{"deadline_timer", 6, "ledger_equals_settlements"},
                            Mutation{"overclaim_clamp", 16, "nothing_left_reserved"}, Mutation{"redispatch", 9, "nothing_left_reserved"},
                            Mutation{"settle_once", 73, "ledger_equals_settlements"}, Mutation{"ledger_retry", 6, "ledger_equals_settlements"},
                            Mutation{"tenant_check", 2, "tenant_within_budget"}}) {
    const std::string run = std::to_string(m.run);
    const Outcome off = concord("chaos --seed 1 --run " + run + " --disable-safeguard " + m.safeguard);
    EXPECT_EQ(off.code, 1) << m.safeguard << off.output;
    EXPECT_NE(off.output.find("VIOLATION run " + run + ": " + m.invariant), std::string::npos) << m.safeguard << off.output;
    // The printed replay command is the command that was run.
    EXPECT_NE(off.output.find("replay: concord chaos proofflow --dags 24 --seed 1 --run " + run), std::string::npos) << off.output;
    EXPECT_NE(off.output.find(std::string("--disable-safeguard ") + m.safeguard), std::string::npos) << off.output;
    const Outcome on = concord("chaos --seed 1 --run " + run);
    EXPECT_EQ(on.code, 0) << m.safeguard << on.output;
  }
}

// Run 8 of seed 1 with ledger_retry off: a batch waits forever for a lost ledger answer. The run
// is given up at its limit, and the harness must go on: the workflow actor stops its batches when
// it is stopped (without that the embedded cluster's actor system never shut down: a hang).
TEST(ChaosCli, ARunGivenUpWithABatchWaitingForeverDoesNotHangTheHarness) {
  const Outcome o = concord("chaos --seed 1 --run 8 --disable-safeguard ledger_retry", 120);
  EXPECT_EQ(o.code, 1) << "137: killed after 120 s, the harness hung\n" << o.output;
  EXPECT_NE(o.output.find("VIOLATION run 8: ended_with_a_reason"), std::string::npos) << o.output;
}

TEST(ChaosCli, AReplayedRunEndsExactlyAsInTheFullSequence) {
  const Outcome all = concord("chaos --runs 14 --seed 3 --verbose");
  ASSERT_EQ(all.code, 0) << all.output;
  const Outcome one = concord("chaos --seed 3 --run 11");
  ASSERT_EQ(one.code, 0) << one.output;
  // "run 11: REASON (WORKFLOW), N faults, spend $S of $B, end T s of D s; ..." up to the running totals.
  auto line = [](const std::string& out) {
    const auto at = out.find("\nrun 11: ");
    return at == std::string::npos ? std::string() : out.substr(at + 1, out.find(';', at) - at - 1);
  };
  EXPECT_FALSE(line(one.output).empty()) << one.output;
  EXPECT_EQ(line(all.output), line(one.output));
}

TEST(ChaosCli, BadOptionsExitWith2NamingThem) {
  Outcome o = concord("chaos --runs 1 --disable-safeguard no_such_guard");
  EXPECT_EQ(o.code, 2) << o.output;
  EXPECT_NE(o.output.find("--disable-safeguard: unknown safeguard 'no_such_guard'"), std::string::npos) << o.output;
  o = concord("chaos --runs 0");
  EXPECT_EQ(o.code, 2) << o.output;
  o = concord("chaos --runs 1 --policy no-such-policy");
  EXPECT_EQ(o.code, 2) << o.output;
  o = concord("chaos --help");
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.output.find("--disable-safeguard"), std::string::npos);
}

}  // namespace
}  // namespace concord::cli_testing
