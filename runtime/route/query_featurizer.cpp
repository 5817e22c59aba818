#include "route/query_featurizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "route/features.hpp"
#include "route/prompt_text.hpp"
#include "sim/rng.hpp"

namespace concord::route {

void QueryFeaturizerConfig::validate() const {
  tfidf.validate();
  if (projection_dim == 0 || projection_dim > 256)
    throw std::invalid_argument("featurizer.projection_dim: must be in [1, 256]");
  if (!(text_weight >= 0) || !std::isfinite(text_weight))
    throw std::invalid_argument("featurizer.text_weight: must be finite and >= 0");
}

QueryFeaturizer QueryFeaturizer::fit(std::span<const QueryText> train, std::span<const std::string> datasets,
                                     const QueryFeaturizerConfig& cfg) {
  cfg.validate();
  std::vector<std::string> index;
  for (const auto& d : datasets)
    if (std::find(index.begin(), index.end(), d) == index.end()) index.push_back(d);
  std::vector<std::string> corpus;
  corpus.reserve(train.size());
  for (const auto& q : train) corpus.push_back(decode_prompt(q.prompt));
  return QueryFeaturizer(cfg, std::move(index), HashedTfIdf::fit(corpus, cfg.tfidf));
}

void QueryFeaturizer::features(const QueryText& q, double* out) const {
  const std::size_t k = datasets_.size();
  std::fill(out, out + dim(), 0.0);
  out[0] = 1.0;
  for (std::size_t i = 0; i < k; ++i)
    if (datasets_[i] == q.dataset) out[1 + i] = 1.0;
  const std::string text = decode_prompt(q.prompt);
  out[1 + k] = cfg_.text_weight * std::log1p(static_cast<double>(text.size())) / 10.0;
  double* t = out + projection_offset();
  projection_.project(tfidf_.weights(text), t);
  double n2 = 0;
  for (std::size_t j = 0; j < projection_.dim(); ++j) n2 += t[j] * t[j];
  if (n2 > 0)
    for (std::size_t j = 0; j < projection_.dim(); ++j) t[j] *= cfg_.text_weight / std::sqrt(n2);
}

std::vector<double> QueryFeaturizer::features(const QueryText& q) const {
  std::vector<double> x(dim());
  features(q, x.data());
  return x;
}

std::uint64_t QueryFeaturizer::fingerprint() const {
  std::uint64_t h = splitmix_mix(cfg_.seed ^ projection_.dim());
  for (const auto& d : datasets_) h = splitmix_mix(h ^ stable_hash(d));
  for (std::size_t i = 0; i < tfidf_.buckets(); ++i) {
    const float v = static_cast<float>(tfidf_.idf(static_cast<std::uint32_t>(i)));
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    if (bits != 0) h = splitmix_mix(h ^ (static_cast<std::uint64_t>(i) << 32 | bits));
  }
  return splitmix_mix(h ^ tfidf_.documents());
}

}  // namespace concord::route
