#pragma once
// A seeded sparse-to-dense random projection (Achlioptas: entries +-1/sqrt(k)),
// computed on the fly from a hash of (seed, bucket): no matrix is stored.
//
// Invariants:
//   1. Deterministic: the same (seed, dim) maps the same sparse vector to the
//      same output on every platform (SplitMix64 mixing, no std distributions).
//   2. project() writes dim values; for unit inputs the expected squared norm of
//      the output is 1 and inner products are preserved in expectation
//      (Johnson–Lindenstrauss), with a spread of about 1/sqrt(dim).
//   3. Immutable after construction; project() is const and thread-safe.
#include <cstddef>
#include <cstdint>

#include "route/tfidf.hpp"

namespace concord::route {

class RandomProjection {
 public:
  /// REQUIRES: dim in [1, 256].
  RandomProjection(std::size_t dim, std::uint64_t seed);

  std::size_t dim() const { return dim_; }
  std::uint64_t seed() const { return seed_; }

  /// out[j] = sum over (bucket, w) of w x sign(seed, bucket, j) / sqrt(dim).
  void project(const SparseVector& v, double* out) const;

 private:
  std::size_t dim_;
  std::uint64_t seed_;
};

}  // namespace concord::route
