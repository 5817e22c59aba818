#pragma once
// Stage 1 of routing: from every known worker keep the L best live matches.
// match(requirement, capability) is the cosine (default) or the dot product;
// an empty requirement matches every worker with score 1. Workers that are
// stale, dead or unavailable (CandidateTable::liveness) or whose match is below
// `min_match` are dropped; the rest are sorted by match, descending, ties broken
// by worker id ascending (deterministic), and the first `top_l` are kept.
#include <cstddef>
#include <span>
#include <vector>

#include "route/candidate_table.hpp"

namespace concord::route {

enum class MatchKind { cosine, dot };

struct ScreenConfig {
  std::size_t top_l = 4;   // L: candidates passed to the bandit (recommended 3..5), in [1, 64]
  double min_match = 0.0;  // drop workers whose match score is below this
  MatchKind match = MatchKind::cosine;
  void validate() const;  // throws std::invalid_argument naming the field
};

/// Cosine or dot of two vectors; the shorter is zero-padded. Cosine of a zero vector is 0.
double match_score(std::span<const double> requirement, std::span<const double> capability, MatchKind kind);

struct Candidate {
  std::size_t entry;  // index into CandidateTable::entries()
  double match;
};

struct ScreenCounts {
  std::size_t considered = 0, stale = 0, dead = 0, unavailable = 0, low_match = 0, beyond_top_l = 0;
};

/// Fills `out` (cleared first; its capacity is reused) with at most top_l candidates.
void screen(const CandidateTable& table, std::span<const double> requirement, double now_s, const ScreenConfig& cfg,
            std::vector<Candidate>& out, ScreenCounts* counts = nullptr);

}  // namespace concord::route
