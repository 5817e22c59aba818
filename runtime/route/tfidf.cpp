#include "route/tfidf.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "route/features.hpp"
#include "route/prompt_text.hpp"
#include "sim/rng.hpp"

namespace concord::route {

void TfIdfConfig::validate() const {
  if (hash_bits < 8 || hash_bits > 26) throw std::invalid_argument("tfidf.hash_bits: must be in [8, 26]");
  if (char_ngram > 16) throw std::invalid_argument("tfidf.char_ngram: must be <= 16");
}

std::vector<std::uint32_t> HashedTfIdf::term_buckets(std::string_view text) const {
  const std::uint64_t mask = (std::uint64_t{1} << cfg_.hash_bits) - 1;
  auto bucket = [&](char kind, std::string_view term) {
    std::string key(1, kind);
    key.append(term);
    return static_cast<std::uint32_t>(splitmix_mix(stable_hash(key)) & mask);
  };
  const std::vector<std::string> ws = words(text);
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    out.push_back(bucket('w', ws[i]));
    if (cfg_.word_bigrams && i + 1 < ws.size()) out.push_back(bucket('b', ws[i] + ' ' + ws[i + 1]));
    if (cfg_.char_ngram > 0) {
      const std::string padded = '<' + ws[i] + '>';
      if (padded.size() <= cfg_.char_ngram) {
        out.push_back(bucket('c', padded));
      } else {
        for (std::size_t p = 0; p + cfg_.char_ngram <= padded.size(); ++p)
          out.push_back(bucket('c', std::string_view(padded).substr(p, cfg_.char_ngram)));
      }
    }
  }
  return out;
}

HashedTfIdf HashedTfIdf::fit(std::span<const std::string> corpus, const TfIdfConfig& cfg) {
  cfg.validate();
  HashedTfIdf t;
  t.cfg_ = cfg;
  t.documents_ = corpus.size();
  std::vector<std::uint32_t> df(std::size_t{1} << cfg.hash_bits, 0);
  for (const std::string& doc : corpus) {
    std::vector<std::uint32_t> b = t.term_buckets(doc);
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    for (std::uint32_t x : b) ++df[x];
  }
  t.idf_.assign(df.size(), 0.0f);
  const double n = static_cast<double>(corpus.size());
  for (std::size_t i = 0; i < df.size(); ++i)
    if (df[i] > 0) t.idf_[i] = static_cast<float>(std::log((1.0 + n) / (1.0 + df[i])));
  return t;
}

SparseVector HashedTfIdf::weights(std::string_view text) const {
  std::vector<std::uint32_t> b = term_buckets(text);
  std::sort(b.begin(), b.end());
  SparseVector v;
  for (std::size_t i = 0; i < b.size();) {
    std::size_t j = i;
    while (j < b.size() && b[j] == b[i]) ++j;
    const double w = (1.0 + std::log(static_cast<double>(j - i))) * idf_[b[i]];
    if (w > 0) v.emplace_back(b[i], w);
    i = j;
  }
  double n2 = 0;
  for (const auto& e : v) n2 += e.second * e.second;
  if (n2 > 0)
    for (auto& e : v) e.second /= std::sqrt(n2);
  return v;
}

double sparse_cosine(const SparseVector& a, const SparseVector& b) {
  double dot = 0, na = 0, nb = 0;
  for (const auto& e : a) na += e.second * e.second;
  for (const auto& e : b) nb += e.second * e.second;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i].first < b[j].first) ++i;
    else if (b[j].first < a[i].first) ++j;
    else dot += a[i++].second * b[j++].second;
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

}  // namespace concord::route
