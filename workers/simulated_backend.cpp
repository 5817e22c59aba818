#include "simulated_backend.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"

namespace concord::workers {

SimulatedBackend::SimulatedBackend(std::shared_ptr<const FlatWorkflow> workflow) : workflow_(std::move(workflow)) {}

SampleOutcome SimulatedBackend::run(const SampleJob& job, const std::atomic<bool>& cancel) {
  using clock = std::chrono::steady_clock;
  SampleOutcome out;
  const int s = workflow_->subtask_index(job.subtask), m = workflow_->model_index(job.model);
  if (s < 0 || m < 0 || !workflow_->can_run(s, m)) {
    out.error = ErrorClass::malformed;
    out.detail = fmt::format("no profile for subtask \"{}\" and model \"{}\" in the simulated workflow", job.subtask, job.model);
    return out;
  }
  LazyRng rng(job.seed);
  const exec::Effective e = exec::apply_token_cap(workflow_->draw(s, m, rng), job.token_cap > 0 ? job.token_cap : INT64_MAX);
  const double scale = job.time_scale > 0 ? job.time_scale : 1.0;
  const double real_s = e.latency_s / scale;
  const auto start = clock::now();
  const double limit_s = job.time_limit_s > 0 ? job.time_limit_s : real_s + 1;
  for (int i = 0; i < 100'000'000; ++i) {  // bounded: ~20 ms per turn
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if (elapsed >= real_s || elapsed >= limit_s || cancel.load()) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min({0.02, real_s - elapsed, limit_s - elapsed})));
  }
  const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
  out.latency_s = elapsed;
  out.input_tokens = 0;
  if (elapsed + 1e-9 < real_s) {  // cut short: cancelled or out of time, charged what it generated
    out.error = cancel.load() ? ErrorClass::cancelled : ErrorClass::timeout;
    out.output_tokens = exec::tokens_after(e, elapsed * scale);
    return out;
  }
  out.output_tokens = e.tokens;
  if (e.truncated) {
    out.error = ErrorClass::truncated;
    return out;
  }
  out.success = e.success;
  out.output = fmt::format("simulated output of {} by {}", job.subtask, job.model);
  return out;
}

}  // namespace concord::workers
