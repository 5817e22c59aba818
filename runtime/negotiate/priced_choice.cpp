#include "negotiate/priced_choice.hpp"

#include <cassert>

namespace concord::negotiate {

double priced_score(double value, std::span<const double> uses, std::span<const double> prices) {
  assert(uses.size() == prices.size() && "one use per priced resource");
  double score = value;
  for (std::size_t resource = 0; resource < prices.size(); ++resource) score -= prices[resource] * uses[resource];
  return score;
}

std::optional<std::size_t> priced_choice(std::span<const double> values, std::span<const double> uses,
                                         double price) {
  return priced_choice(values, uses, std::span<const double>(&price, 1));
}

std::optional<std::size_t> priced_choice(std::span<const double> values, std::span<const double> uses,
                                         std::span<const double> prices) {
  if (values.empty() || uses.size() != values.size() * prices.size()) return std::nullopt;
  const std::size_t resources = prices.size();
  std::size_t best = 0;
  double best_score = priced_score(values[0], uses.subspan(0, resources), prices);
  for (std::size_t candidate = 1; candidate < values.size(); ++candidate) {
    const double score = priced_score(values[candidate], uses.subspan(candidate * resources, resources), prices);
    if (score > best_score + kTieTolerance) best_score = score, best = candidate;
  }
  return best;
}

}  // namespace concord::negotiate
