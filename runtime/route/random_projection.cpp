#include "route/random_projection.hpp"

#include <cmath>
#include <stdexcept>

#include "sim/rng.hpp"

namespace concord::route {

RandomProjection::RandomProjection(std::size_t dim, std::uint64_t seed) : dim_(dim), seed_(seed) {
  if (dim == 0 || dim > 256) throw std::invalid_argument("projection.dim: must be in [1, 256]");
}

void RandomProjection::project(const SparseVector& v, double* out) const {
  for (std::size_t j = 0; j < dim_; ++j) out[j] = 0.0;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim_));
  for (const auto& [bucket, w] : v) {
    std::uint64_t bits = 0;
    for (std::size_t j = 0; j < dim_; ++j) {
      if (j % 64 == 0) bits = splitmix_mix(derive_seed(seed_, bucket) + j / 64);
      out[j] += ((bits >> (j % 64)) & 1u) ? w * scale : -w * scale;
    }
  }
}

}  // namespace concord::route
