#pragma once
// Delayed feedback: every dispatch waits here, keyed by its dispatch id, with
// the arm it was sent to and the exact feature vector it was scored with, until
// its outcome arrives (take) or its timeout passes (take_expired, credited as a
// failure by the router). Each id is credited at most once: an outcome for an
// unknown, already credited or expired id is ignored.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace concord::route {

struct PendingDispatch {
  std::uint64_t id = 0;
  std::string worker_id;
  std::size_t arm = 0;           // selector arm credited with the outcome
  double dispatched_at_s = 0;    // seconds
  std::vector<double> features;  // x used at selection time
};

class PendingTable {
 public:
  /// REQUIRES: id not already pending.
  void insert(PendingDispatch p);
  /// Removes and returns the dispatch, or nullopt when unknown.
  std::optional<PendingDispatch> take(std::uint64_t id);
  /// Removes and returns every dispatch with now_s - dispatched_at_s > timeout_s, by id ascending.
  std::vector<PendingDispatch> take_expired(double now_s, double timeout_s);
  std::size_t size() const { return pending_.size(); }
  bool contains(std::uint64_t id) const { return pending_.count(id) != 0; }

 private:
  std::unordered_map<std::uint64_t, PendingDispatch> pending_;
};

}  // namespace concord::route
