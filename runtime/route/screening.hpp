#pragma once
// Stage 1 of routing: from every known worker keep the L best live matches.
// match(requirement, capability) is the cosine (default) or the dot product;
// an empty requirement matches every worker with score 1. Workers that are
// stale, dead or unavailable (CandidateTable::liveness) or whose match is below
// `min_match` are dropped; the rest are sorted by match, descending, then by load
// (fewer queued samples first, then lower utilisation), then in a pseudo-random order
// drawn from the caller's `tiebreak` value, and the first `top_l` are kept.
// Load before chance: with more equally matching workers than L, the idle ones are
// offered to the bandit and none is starved for its id or its place in the table.
// Slots first (issue 13): when some live matching worker has a free slot (Beacon::free_slots
// != 0: a free slot, or unlimited), the workers without one are dropped before the top-L cut
// (counted `full`); when none has a free slot, the sample will wait in a queue, and only the
// workers where it would wait least stay (route::worker_wait_s; counted `longer_wait`): the wait
// route::expected_wait_s tells the planner is the wait the sample gets. Without slots
// (free_slots < 0 everywhere) nothing changes.
// Deterministic: the same table, requirement and tiebreak give the same candidates.
#include <cstddef>
#include <cstdint>
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
  std::uint64_t order = 0;  // the random tie-break key (distinct per entry for one tiebreak)
};

struct ScreenCounts {
  std::size_t considered = 0, stale = 0, dead = 0, unavailable = 0, low_match = 0, full = 0, beyond_top_l = 0;
  std::size_t longer_wait = 0;  // every candidate full: dropped for a longer wait than the shortest
};

/// Fills `out` (cleared first; its capacity is reused) with at most top_l candidates.
/// `tiebreak`: a fresh random value per call (Router draws it from its seeded stream).
void screen(const CandidateTable& table, std::span<const double> requirement, double now_s, const ScreenConfig& cfg,
            std::vector<Candidate>& out, ScreenCounts* counts = nullptr, std::uint64_t tiebreak = 0);

}  // namespace concord::route
