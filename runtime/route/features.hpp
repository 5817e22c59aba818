#pragma once
// Joint (subtask, worker) feature vectors for the LinUCB selector. Every entry
// is dimensionless and in [0, 1] (interaction terms in [-1, 1] for signed
// requirement/capability components). Layout, for FeatureConfig f:
//   [0] bias = 1
//   [1] match score (screening's cosine or dot, clamped to [-1, 1])
//   [2] 1 - load
//   [3] 1 / (1 + queue_length / queue_scale)
//   [4] exp(-latency_ewma_s / latency_scale_s)
//   [5] reputation
//   [6] match x reputation
//   [7] (1 - load) x reputation
//   [8, 8 + model_slots)  one-hot of the model id, hashed (FNV-1a 64 mod model_slots)
//   [8 + model_slots, dim) requirement[i] x capability[i], i < interaction_slots (0 past either end)
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "route/beacon.hpp"

namespace concord::route {

struct FeatureConfig {
  std::size_t model_slots = 8;        // hashed one-hot of the model id (0 = none)
  std::size_t interaction_slots = 4;  // per-dimension requirement x capability products (0 = none)
  double latency_scale_s = 10.0;      // latency giving feature exp(-1), seconds, > 0
  double queue_scale = 4.0;           // queue length giving feature 1/2, > 0
  void validate() const;              // throws std::invalid_argument naming the field
};

inline constexpr std::size_t kBaseFeatures = 8;

std::size_t feature_dim(const FeatureConfig& f);

/// Stable across platforms and runs (FNV-1a, 64 bits).
std::uint64_t stable_hash(std::string_view s);

/// Writes feature_dim(f) values into `out`. No allocation.
void joint_features(const FeatureConfig& f, std::span<const double> requirement, const Beacon& b, double match,
                    double* out);

}  // namespace concord::route
