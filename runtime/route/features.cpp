#include "route/features.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace concord::route {

void FeatureConfig::validate() const {
  if (!(latency_scale_s > 0)) throw std::invalid_argument("features.latency_scale_s: must be > 0");
  if (!(queue_scale > 0)) throw std::invalid_argument("features.queue_scale: must be > 0");
}

std::size_t feature_dim(const FeatureConfig& f) { return kBaseFeatures + f.model_slots + f.interaction_slots; }

std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

void joint_features(const FeatureConfig& f, std::span<const double> req, const Beacon& b, double match, double* out) {
  const double m = std::clamp(match, -1.0, 1.0);
  const double free = 1.0 - std::clamp(b.load, 0.0, 1.0);
  const double rep = std::clamp(b.reputation, 0.0, 1.0);
  out[0] = 1.0;
  out[1] = m;
  out[2] = free;
  out[3] = 1.0 / (1.0 + std::max(0, b.queue_length) / f.queue_scale);
  out[4] = std::exp(-std::max(0.0, b.latency_ewma_s) / f.latency_scale_s);
  out[5] = rep;
  out[6] = m * rep;
  out[7] = free * rep;
  double* slots = out + kBaseFeatures;
  for (std::size_t i = 0; i < f.model_slots; ++i) slots[i] = 0.0;
  if (f.model_slots > 0) slots[stable_hash(b.model_id) % f.model_slots] = 1.0;
  double* inter = slots + f.model_slots;
  for (std::size_t i = 0; i < f.interaction_slots; ++i)
    inter[i] = (i < req.size() && i < b.capability.size()) ? std::clamp(req[i] * b.capability[i], -1.0, 1.0) : 0.0;
}

}  // namespace concord::route
