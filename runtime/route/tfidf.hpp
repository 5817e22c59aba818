#pragma once
// Hashed TF-IDF of prompt text, with the IDF learned once from a training corpus.
//
// Terms of a text (after decode_prompt + words, see prompt_text.hpp): every word,
// every pair of consecutive words (if word_bigrams), and every character n-gram
// of "<word>" (n = char_ngram; a padded word shorter than n is one term). A term
// is hashed (FNV-1a, then a SplitMix mix) into 2^hash_bits buckets.
//
// Invariants (the object is immutable after fit(): every method is const and
// thread-safe):
//   1. idf(bucket) = ln((1 + N) / (1 + df)) for a bucket seen in df >= 1 of the N
//      training documents, and 0 for a bucket never seen in training: a term in
//      every training prompt (a shared few-shot prefix) weighs 0, and so does a
//      term only test data contain (nothing is learned from them).
//   2. weights(text) is the L2-normalised vector of (1 + ln tf) x idf over the
//      text's buckets (sublinear term frequency), sorted by bucket; empty when
//      every term weighs 0.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord::route {

struct TfIdfConfig {
  unsigned hash_bits = 20;     // 2^hash_bits buckets, in [8, 26]
  bool word_bigrams = true;
  std::size_t char_ngram = 4;  // 0 = no character n-grams
  void validate() const;       // throws std::invalid_argument naming the field
};

using SparseVector = std::vector<std::pair<std::uint32_t, double>>;  // (bucket, weight), sorted by bucket

class HashedTfIdf {
 public:
  /// Learns the IDF from `corpus` (decoded texts). REQUIRES: cfg valid.
  static HashedTfIdf fit(std::span<const std::string> corpus, const TfIdfConfig& cfg);

  const TfIdfConfig& config() const { return cfg_; }
  std::size_t documents() const { return documents_; }
  std::size_t buckets() const { return idf_.size(); }
  double idf(std::uint32_t bucket) const { return idf_[bucket]; }

  /// Invariant 2, for a decoded text.
  SparseVector weights(std::string_view text) const;

  /// The buckets of a text's terms, with repetitions (for fitting and tests).
  std::vector<std::uint32_t> term_buckets(std::string_view text) const;

 private:
  TfIdfConfig cfg_;
  std::size_t documents_ = 0;
  std::vector<float> idf_;
};

/// Cosine of two sparse vectors (0 when either is empty).
double sparse_cosine(const SparseVector& a, const SparseVector& b);

}  // namespace concord::route
