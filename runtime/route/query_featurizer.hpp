#pragma once
// Context features of a query (what a router knows before choosing a model),
// learned from a training split only. Layout, for K training datasets and
// projection dim k (dim() = 2 + K + k):
//   [0]            bias = 1
//   [1, 1 + K)     one-hot of the query's dataset (its eval_name), in the order of
//                  `datasets` given to fit(); a dataset training never saw: all 0
//   [1 + K]        text_weight x ln(1 + characters of the decoded prompt) / 10
//   [2 + K, dim)   text_weight x unit-norm random projection (k dims) of the
//                  prompt's hashed TF-IDF (tfidf.hpp), 0 when no term has weight
// The query-content block [text_offset(), dim) = [1 + K, dim) is everything that
// varies between queries of one dataset; text_weight 0 leaves bias + dataset only.
//
// Invariants:
//   1. Everything learned (dataset index, IDF) comes from fit()'s arguments: the
//      train split. The object is immutable afterwards (every method const,
//      thread-safe); features of a test query never change what it computes
//      for another (fingerprint() summarises the fitted state for tests).
//   2. Prompts are decoded (decode_prompt) before tokenising.
//   3. Terms present in every training prompt (a shared few-shot prefix) weigh
//      0, so two queries that differ only after such a prefix are told apart
//      by what differs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "route/random_projection.hpp"
#include "route/tfidf.hpp"

namespace concord::route {

struct QueryFeaturizerConfig {
  TfIdfConfig tfidf;
  std::size_t projection_dim = 16;  // k, in [1, 256]
  double text_weight = 1.0;         // scale of the query-content block (length + projected text), >= 0
  std::uint64_t seed = 1;           // projection signs
  void validate() const;            // throws std::invalid_argument naming the field
};

struct QueryText {
  std::string_view dataset;  // eval_name
  std::string_view prompt;   // raw (as stored; decoded here)
};

class QueryFeaturizer {
 public:
  /// Fits on the training queries. `datasets` fixes the one-hot order (duplicates
  /// are ignored). REQUIRES: cfg valid.
  static QueryFeaturizer fit(std::span<const QueryText> train, std::span<const std::string> datasets,
                             const QueryFeaturizerConfig& cfg);

  std::size_t dim() const { return 2 + datasets_.size() + projection_.dim(); }
  std::size_t text_offset() const { return 1 + datasets_.size(); }        // query-content block
  std::size_t projection_offset() const { return 2 + datasets_.size(); }  // projected TF-IDF
  const std::vector<std::string>& datasets() const { return datasets_; }
  const QueryFeaturizerConfig& config() const { return cfg_; }
  const HashedTfIdf& tfidf() const { return tfidf_; }

  /// Writes dim() values. Allocates (tokenising); not for a hot path.
  void features(const QueryText& q, double* out) const;
  std::vector<double> features(const QueryText& q) const;

  /// A hash of everything fit() learned (dataset index, IDF table, projection seed).
  std::uint64_t fingerprint() const;

 private:
  QueryFeaturizer(QueryFeaturizerConfig cfg, std::vector<std::string> datasets, HashedTfIdf tfidf)
      : cfg_(std::move(cfg)), datasets_(std::move(datasets)), tfidf_(std::move(tfidf)),
        projection_(cfg_.projection_dim, cfg_.seed) {}

  QueryFeaturizerConfig cfg_;
  std::vector<std::string> datasets_;
  HashedTfIdf tfidf_;
  RandomProjection projection_;
};

}  // namespace concord::route
