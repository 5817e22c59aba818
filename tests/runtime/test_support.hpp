#pragma once
// Shared helpers for unit tests: dataset location and tiny workflow builders.
#include <cstdlib>
#include <string>

#include "model/workflow.hpp"

namespace concord::testing {

/// ../shared/datasets, or $CONCORD_DATASETS when set.
inline std::string datasets_dir() {
  if (const char* env = std::getenv("CONCORD_DATASETS"); env && *env) return env;
  return CONCORD_DATASETS_DIR;
}

inline std::string source_dir() { return CONCORD_SOURCE_DIR; }

/// A model with a price ($ per 1M output tokens).
inline ModelSpec model(const std::string& id, double usd_per_mtok, std::optional<std::int64_t> cap = std::nullopt) {
  ModelSpec m;
  m.id = id;
  m.usd_per_mtok_out = usd_per_mtok;
  m.max_tokens = cap;
  return m;
}

/// A subtask whose profile for `model_id` is exactly `samples`.
inline Subtask subtask(const std::string& id, std::vector<std::string> deps, const std::string& model_id,
                       std::vector<Sample> samples) {
  Subtask s;
  s.id = id;
  s.deps = std::move(deps);
  s.profiles[model_id].samples = std::move(samples);
  return s;
}

}  // namespace concord::testing
