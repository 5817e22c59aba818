#include "route/screening.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "route/slot_wait.hpp"
#include "sim/rng.hpp"

namespace concord::route {

void ScreenConfig::validate() const {
  if (top_l < 1 || top_l > 64) throw std::invalid_argument("screen.top_l: must be in [1, 64]");
  if (!std::isfinite(min_match)) throw std::invalid_argument("screen.min_match: must be finite");
}

double match_score(std::span<const double> q, std::span<const double> c, MatchKind kind) {
  if (q.empty()) return 1.0;
  const std::size_t n = std::min(q.size(), c.size());
  double d = 0;
  for (std::size_t i = 0; i < n; ++i) d += q[i] * c[i];
  if (kind == MatchKind::dot) return d;
  double nq = 0, nc = 0;
  for (double v : q) nq += v * v;
  for (double v : c) nc += v * v;
  if (nq <= 0 || nc <= 0) return 0.0;
  return d / std::sqrt(nq * nc);
}

void screen(const CandidateTable& table, std::span<const double> requirement, double now_s, const ScreenConfig& cfg,
            std::vector<Candidate>& out, ScreenCounts* counts, std::uint64_t tiebreak) {
  out.clear();
  ScreenCounts c;
  const auto& entries = table.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ++c.considered;
    switch (table.liveness(entries[i], now_s)) {
      case Liveness::stale: ++c.stale; continue;
      case Liveness::dead: ++c.dead; continue;
      case Liveness::unavailable: ++c.unavailable; continue;
      case Liveness::live: break;
    }
    const double m = match_score(requirement, entries[i].beacon.capability, cfg.match);
    if (!(m >= cfg.min_match)) {
      ++c.low_match;
      continue;
    }
    // SplitMix64 of (tiebreak + i x golden ratio): a bijection of i, so keys never tie.
    std::uint64_t state = tiebreak + 0x9E3779B97F4A7C15ull * i;
    out.push_back({i, m, splitmix64(state)});
    if (entries[i].beacon.free_slots == 0) ++c.full;
  }
  // Slots first: a worker with a free slot beats every one without, which stay only when no
  // candidate has a free slot (then c.full counts none dropped).
  if (c.full > 0 && c.full < out.size()) {
    out.erase(std::remove_if(out.begin(), out.end(), [&](const Candidate& x) { return entries[x.entry].beacon.free_slots == 0; }),
              out.end());
  } else if (c.full > 0) {  // every candidate full: where the sample waits least (the told wait)
    c.full = 0;
    double least = std::numeric_limits<double>::infinity();
    for (const Candidate& x : out) least = std::min(least, worker_wait_s(entries[x.entry].beacon));
    const double bound = least + 1e-9 * std::max(1.0, least);
    const std::size_t before = out.size();
    out.erase(std::remove_if(out.begin(), out.end(), [&](const Candidate& x) { return worker_wait_s(entries[x.entry].beacon) > bound; }),
              out.end());
    c.longer_wait = before - out.size();
  }
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (a.match != b.match) return a.match > b.match;
    const Beacon& x = entries[a.entry].beacon;
    const Beacon& y = entries[b.entry].beacon;
    if (x.queue_length != y.queue_length) return x.queue_length < y.queue_length;
    if (x.load != y.load) return x.load < y.load;
    return a.order < b.order;
  };
  if (out.size() > cfg.top_l) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(cfg.top_l), out.end(), better);
    c.beyond_top_l = out.size() - cfg.top_l;
    out.resize(cfg.top_l);
  } else {
    std::sort(out.begin(), out.end(), better);
  }
  if (counts) *counts = c;
}

}  // namespace concord::route
