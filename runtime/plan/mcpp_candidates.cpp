#include "plan/mcpp_candidates.hpp"

#include <string>
#include <string_view>
#include <unordered_set>

namespace concord::mcpp {

namespace {

class CandidateBuilder {
 public:
  CandidateBuilder(CandidateSet& out, std::size_t cap) : out_(out), cap_(cap) {}
  bool full() const { return out_.count() >= cap_; }
  /// Adds a row unless it is a duplicate or the cap is reached.
  void add(const std::vector<Choice>& row) {
    if (full()) return;
    const std::string_view key(reinterpret_cast<const char*>(row.data()), row.size() * sizeof(Choice));
    if (!seen_.emplace(key).second) return;
    out_.choices.insert(out_.choices.end(), row.begin(), row.end());
  }

 private:
  CandidateSet& out_;
  std::size_t cap_;
  std::unordered_set<std::string> seen_;
};

std::vector<Choice> levels_of(const PlanModel& model, int s, const std::vector<int>& ks) {
  std::vector<Choice> levels;
  for (int m = 0; m < model.num_models(); ++m)
    if (model.pair(s, m).can_run)
      for (int k : ks) levels.push_back({m, k});
  return levels;
}

/// Enumerates the product of `levels` (first position slowest) into `row` at `positions`.
template <class Emit>
void for_each_product(const std::vector<std::vector<Choice>>& levels, const std::vector<std::size_t>& positions,
                      std::vector<Choice>& row, Emit emit) {
  std::vector<std::size_t> idx(levels.size(), 0);
  while (true) {
    for (std::size_t j = 0; j < levels.size(); ++j) row[positions[j]] = levels[j][idx[j]];
    if (!emit()) return;
    std::size_t j = levels.size();
    while (j > 0) {
      --j;
      if (++idx[j] < levels[j].size()) break;
      idx[j] = 0;
      if (j == 0) return;
    }
    if (levels.empty()) return;
  }
}

}  // namespace

CandidateSet generate_candidates(const PlanModel& model, const std::vector<int>& ready, const McppConfig& config, Rng& rng) {
  CandidateSet out;
  out.ready = ready;
  if (ready.empty()) return out;
  const std::size_t r = ready.size();
  CandidateBuilder builder(out, static_cast<std::size_t>(std::max(config.max_candidates, 1)));
  std::vector<Choice> row(r);

  for (int k : config.k_levels) {  // 1. uniform actions
    for (std::size_t i = 0; i < r; ++i) row[i] = {model.first_model(ready[i]), k};
    builder.add(row);
    for (int m = 0; m < model.num_models(); ++m) {
      if (!model.can_run_all(m, ready)) continue;
      for (std::size_t i = 0; i < r; ++i) row[i] = {m, k};
      builder.add(row);
    }
  }

  std::vector<std::vector<Choice>> levels;
  std::size_t n_full = 1;
  for (int s : ready) {
    levels.push_back(levels_of(model, s, config.k_levels));
    n_full *= levels.back().size();
    if (n_full > static_cast<std::size_t>(config.max_exact_actions)) break;
  }
  if (r <= static_cast<std::size_t>(config.random_free) && levels.size() == r &&
      n_full <= static_cast<std::size_t>(config.max_exact_actions)) {  // 2. the full product
    std::vector<std::size_t> positions(r);
    for (std::size_t i = 0; i < r; ++i) positions[i] = i;
    for_each_product(levels, positions, row, [&] { builder.add(row); return !builder.full(); });
    return out;
  }

  // 3. random free subtasks (a uniformly random ordered subset, as numpy's choice
  // without replacement), the others at a shared level.
  const std::size_t free_width = std::min<std::size_t>(r, static_cast<std::size_t>(std::max(config.random_free, 1)));
  std::vector<std::size_t> order(r);
  for (std::size_t i = 0; i < r; ++i) order[i] = i;
  for (std::size_t i = 0; i < free_width; ++i) std::swap(order[i], order[i + rng.below(r - i)]);
  std::vector<std::size_t> free_pos(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(free_width));
  std::vector<bool> is_free(r, false);
  for (std::size_t p : free_pos) is_free[p] = true;
  std::vector<std::vector<Choice>> free_levels;
  for (std::size_t p : free_pos) free_levels.push_back(levels_of(model, ready[p], config.k_levels));
  const bool has_fixed = free_width < r;
  const std::vector<int> shared = has_fixed ? config.k_levels : std::vector<int>{config.k_levels.front()};
  for (int shared_k : shared) {
    for (std::size_t i = 0; i < r; ++i)
      if (!is_free[i]) row[i] = {model.first_model(ready[i]), shared_k};
    for_each_product(free_levels, free_pos, row, [&] { builder.add(row); return !builder.full(); });
    if (builder.full()) break;
  }
  return out;
}

void add_deferrals(CandidateSet& set, std::size_t uniform, std::size_t cap) {
  const std::size_t r = set.ready.size();
  if (r < 2) return;
  uniform = std::min(uniform, set.count());
  for (std::size_t c = 0; c < uniform && set.count() < cap; ++c)
    for (std::size_t i = 0; i < r && set.count() < cap; ++i) {
      std::vector<Choice> row(set.row(c), set.row(c) + r);
      row[i].k = 0;
      set.choices.insert(set.choices.end(), row.begin(), row.end());
    }
}

}  // namespace concord::mcpp
