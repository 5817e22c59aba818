#pragma once
// The latest beacon of every known worker, with liveness:
//  - stale: silent for more than stale_after_intervals x beacon_interval_s
//    (now - timestamp > that horizon): presumed dead;
//  - dead: marked by the failure detector at time t; stays dead until an
//    explicit alive signal or a beacon with timestamp > t arrives;
//  - unavailable: its latest beacon says available = false.
// Only `live` workers may be screened in (each exclusion can be switched off,
// which is how the reference configuration, without staleness or failure
// detector, is reproduced).
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "route/beacon.hpp"

namespace concord::route {

struct CandidateTableConfig {
  double beacon_interval_s = 1.0;      // expected period between two beacons of a worker, > 0
  double stale_after_intervals = 3.0;  // silence (in intervals) after which a worker is presumed dead, > 0
  bool exclude_stale = true;           // false: never age beacons out (the reference)
  bool honor_failure_detector = true;  // false: ignore dead/alive signals (the reference)

  double stale_after_s() const { return beacon_interval_s * stale_after_intervals; }
  void validate() const;  // throws std::invalid_argument naming the field
};

enum class Liveness { live, unavailable, stale, dead };
const char* to_string(Liveness l);

class CandidateTable {
 public:
  struct Entry {
    Beacon beacon;                  // latest beacon (timestamp_s = -inf when none received yet)
    bool has_beacon = false;
    std::optional<double> dead_at;  // failure detector's dead mark, seconds
  };

  explicit CandidateTable(CandidateTableConfig cfg = {});

  /// Keeps `b` when it is not older than the stored beacon of its worker
  /// (returns false and ignores it otherwise). A beacon newer than a dead mark clears it.
  bool upsert(Beacon b);
  /// Failure detector: `worker` is dead as of `at_s` (unknown workers are remembered).
  void mark_dead(const std::string& worker, double at_s);
  /// Failure detector: `worker` is alive again (clears a dead mark).
  void mark_alive(const std::string& worker);
  /// Removes a worker entirely (e.g. it left the cluster for good).
  void erase(const std::string& worker);

  Liveness liveness(const Entry& e, double now_s) const;
  /// nullopt for an unknown worker.
  std::optional<Liveness> liveness(const std::string& worker, double now_s) const;

  /// Every entry, in insertion order (stable indices until erase()).
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& worker) const;
  const CandidateTableConfig& config() const { return cfg_; }

 private:
  Entry& slot(const std::string& worker);
  CandidateTableConfig cfg_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace concord::route
