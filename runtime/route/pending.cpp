#include "route/pending.hpp"

#include <algorithm>
#include <stdexcept>

namespace concord::route {

void PendingTable::insert(PendingDispatch p) {
  const auto id = p.id;
  if (!pending_.emplace(id, std::move(p)).second) throw std::logic_error("pending: duplicate dispatch id");
}

std::optional<PendingDispatch> PendingTable::take(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  PendingDispatch p = std::move(it->second);
  pending_.erase(it);
  return p;
}

std::vector<PendingDispatch> PendingTable::take_expired(double now_s, double timeout_s) {
  std::vector<PendingDispatch> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_s - it->second.dispatched_at_s > timeout_s) {
      out.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

}  // namespace concord::route
