// The simulated kind (workers/simulated_backend.hpp): the same draw as the in-process simulated
// worker for the same seed, scaled sleep, cancel and time limit cut short, unknown profile a
// failed sample.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "model/workflow_json.hpp"
#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"
#include "simulated_backend.hpp"

namespace concord::workers {
namespace {

std::shared_ptr<const FlatWorkflow> workflow() {
  return std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(parse_workflow_json(R"({
    "format": "concord.workflow/1", "name": "sim", "models": [{"id": "m", "usd_per_mtok_out": 1, "max_tokens": 1000}],
    "subtasks": [{"id": "s", "deps": [], "profiles": {"m": {"samples": [
      {"latency_s": 10, "success": true, "output_tokens": 100}, {"latency_s": 20, "success": false, "output_tokens": 300},
      {"latency_s": 30, "success": true, "output_tokens": 5000}]}}}]})", "sim.json")));
}

SampleJob job(std::uint64_t seed, double time_scale = 1000) {
  SampleJob j;
  j.sample_id = 1;
  j.model = "m";
  j.subtask = "s";
  j.seed = seed;
  j.token_cap = 1000;
  j.time_scale = time_scale;
  return j;
}

TEST(SimulatedBackend, DrawsWhatTheSimulatorDrawsForTheSameSeed) {
  SimulatedBackend b(workflow());
  const auto wf = workflow();
  std::atomic<bool> cancel{false};
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    LazyRng rng(seed);
    const auto e = exec::apply_token_cap(wf->draw(0, 0, rng), 1000);
    const auto out = b.run(job(seed), cancel);
    EXPECT_EQ(out.output_tokens, e.tokens) << seed;
    EXPECT_EQ(out.success, e.success) << seed;
    EXPECT_EQ(out.error == ErrorClass::truncated, e.truncated) << seed;
    EXPECT_GE(out.latency_s, e.latency_s / 1000 * 0.99) << "it runs for its latency / time scale";
    if (out.success) EXPECT_EQ(out.output, "simulated output of s by m");
  }
}

TEST(SimulatedBackend, ACancelOrTheTimeLimitCutsTheSampleShort) {
  SimulatedBackend b(workflow());
  std::atomic<bool> cancel{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  const auto out = b.run(job(1, 1), cancel);  // latency >= 10 real seconds at time scale 1
  t.join();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
  EXPECT_EQ(out.error, ErrorClass::cancelled);
  EXPECT_FALSE(out.success);
  std::atomic<bool> never{false};
  auto limited = job(1, 1);
  limited.time_limit_s = 0.1;
  const auto late = b.run(limited, never);
  EXPECT_EQ(late.error, ErrorClass::timeout);
  EXPECT_LT(late.latency_s, 1.0);
}

TEST(SimulatedBackend, AnUnknownSubtaskOrModelIsAFailedSampleNotACrash) {
  SimulatedBackend b(workflow());
  std::atomic<bool> cancel{false};
  auto j = job(1);
  j.subtask = "nope";
  EXPECT_EQ(b.run(j, cancel).error, ErrorClass::malformed);
  j = job(1);
  j.model = "other";
  EXPECT_EQ(b.run(j, cancel).error, ErrorClass::malformed);
}

}  // namespace
}  // namespace concord::workers
