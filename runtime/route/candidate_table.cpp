#include "route/candidate_table.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace concord::route {

void CandidateTableConfig::validate() const {
  if (!(beacon_interval_s > 0) || !std::isfinite(beacon_interval_s))
    throw std::invalid_argument("table.beacon_interval_s: must be > 0");
  if (!(stale_after_intervals > 0) || !std::isfinite(stale_after_intervals))
    throw std::invalid_argument("table.stale_after_intervals: must be > 0");
}

const char* to_string(Liveness l) {
  switch (l) {
    case Liveness::live: return "live";
    case Liveness::unavailable: return "unavailable";
    case Liveness::stale: return "stale";
    case Liveness::dead: return "dead";
  }
  return "?";
}

CandidateTable::CandidateTable(CandidateTableConfig cfg) : cfg_(cfg) { cfg_.validate(); }

CandidateTable::Entry& CandidateTable::slot(const std::string& worker) {
  auto it = index_.find(worker);
  if (it != index_.end()) return entries_[it->second];
  index_.emplace(worker, entries_.size());
  Entry e;
  e.beacon.worker_id = worker;
  e.beacon.timestamp_s = -std::numeric_limits<double>::infinity();
  entries_.push_back(std::move(e));
  return entries_.back();
}

bool CandidateTable::upsert(Beacon b) {
  Entry& e = slot(b.worker_id);
  if (e.has_beacon && b.timestamp_s < e.beacon.timestamp_s) return false;
  if (e.dead_at && b.timestamp_s > *e.dead_at) e.dead_at.reset();
  e.beacon = std::move(b);
  e.has_beacon = true;
  return true;
}

void CandidateTable::mark_dead(const std::string& worker, double at_s) {
  Entry& e = slot(worker);
  if (!e.dead_at || at_s > *e.dead_at) e.dead_at = at_s;
}

void CandidateTable::mark_alive(const std::string& worker) {
  auto it = index_.find(worker);
  if (it != index_.end()) entries_[it->second].dead_at.reset();
}

void CandidateTable::erase(const std::string& worker) {
  auto it = index_.find(worker);
  if (it == index_.end()) return;
  const std::size_t i = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
  for (auto& [w, j] : index_)
    if (j > i) --j;
}

Liveness CandidateTable::liveness(const Entry& e, double now_s) const {
  if (cfg_.honor_failure_detector && e.dead_at) return Liveness::dead;
  if (!e.has_beacon) return Liveness::stale;
  if (cfg_.exclude_stale && now_s - e.beacon.timestamp_s > cfg_.stale_after_s()) return Liveness::stale;
  if (!e.beacon.available) return Liveness::unavailable;
  return Liveness::live;
}

std::optional<Liveness> CandidateTable::liveness(const std::string& worker, double now_s) const {
  const Entry* e = find(worker);
  if (!e) return std::nullopt;
  return liveness(*e, now_s);
}

const CandidateTable::Entry* CandidateTable::find(const std::string& worker) const {
  auto it = index_.find(worker);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

}  // namespace concord::route
