// Faithful mode and *best* decide exactly as before issue 12's options existed: whole episodes on
// ProofFlow DAGs (recorded samples and parametric profiles, both semantics) give the traces they
// gave at 3798ea9 (main before issue 12's learning work), digested. The values were printed by this
// test built from 3798ea9's sources (CONCORD_PRINT_GOLDEN=1) and pasted here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "plan/mcpp_config.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"
#include "workloads/proofflow.hpp"

namespace concord {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t x) { return (h ^ x) * 0x100000001b3ull + (h >> 29); }
std::uint64_t bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

/// Digest of an episode: every batch (subtask, model, k, start, end, cost), spend, makespan, and the
/// last decision's Q and trajectory count.
std::uint64_t digest(const EpisodeResult& r, const McppDecisionStats& last) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& a : r.attempts) {
    h = mix(h, static_cast<std::uint64_t>(a.subtask));
    h = mix(h, static_cast<std::uint64_t>(a.model));
    h = mix(h, static_cast<std::uint64_t>(a.k));
    h = mix(h, bits(a.start_s));
    h = mix(h, bits(a.end_s));
    h = mix(h, static_cast<std::uint64_t>(a.cost));
  }
  h = mix(h, static_cast<std::uint64_t>(r.spend));
  h = mix(h, bits(r.makespan_s));
  h = mix(h, bits(last.best_q));
  h = mix(h, static_cast<std::uint64_t>(last.trajectories));
  return h;
}

struct Case {
  const char* preset;
  int samples;  // samples per profile (0: parametric)
  Semantics sem;
  std::size_t dag;
  std::uint64_t expected;
};

TEST(McppGolden, FaithfulAndBestDecideExactlyAsBeforeIssue12) {
  const Case cases[] = {
      {"faithful", 32, Semantics::reference, 4, 0xa2e7ad75f31d10f5ull},
      {"faithful", 32, Semantics::runtime, 4, 0xd08ab352353da0beull},
      {"faithful", 0, Semantics::runtime, 2, 0xea98e539c20850d8ull},
      {"best", 32, Semantics::runtime, 2, 0x213a8add47d569cbull},
      {"best", 0, Semantics::reference, 4, 0x5b7284320e1a8df6ull},
      {"best", 0, Semantics::runtime, 9, 0xe924de5ef9900f9bull},
  };
  const bool print = std::getenv("CONCORD_PRINT_GOLDEN") != nullptr;
  for (const Case& c : cases) {
    WorkloadOptions o;
    o.datasets_dir = testing::datasets_dir();
    o.samples_per_profile = c.samples;
    const Workflow wf = build_proofflow(o).workflows.at(c.dag);
    const FlatWorkflow flat = FlatWorkflow::compile(wf);
    McppConfig cfg = mcpp_preset(c.preset);
    cfg.threads = 2;
    McppPlanner p(flat, cfg);
    EpisodeConfig ec;
    ec.semantics = c.sem;
    ec.budget = nominal_budget(flat) / 5;
    ec.deadline_s = nominal_deadline_s(flat) * 0.55;
    ec.seed = 17;
    Simulator sim(flat);
    const EpisodeResult r = sim.run(p, ec);
    const std::uint64_t d = digest(r, p.last_decision());
    if (print) std::cout << "GOLDEN " << c.preset << " " << c.samples << " " << static_cast<int>(c.sem) << " " << c.dag << " 0x" << std::hex << d << std::dec << "\n";
    else EXPECT_EQ(d, c.expected) << c.preset << " samples " << c.samples << " dag " << c.dag;
  }
}

}  // namespace
}  // namespace concord
