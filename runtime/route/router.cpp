#include "route/router.hpp"

#include <cmath>
#include <stdexcept>

namespace concord::route {

void RouterConfig::validate() const {
  table.validate();
  screen.validate();
  features.validate();
  selector.linucb.validate();
  reward.validate();
  if (!(outcome_timeout_s > 0)) throw std::invalid_argument("router.outcome_timeout_s: must be > 0");
}

Router::Router(RouterConfig cfg, std::uint64_t seed)
    : cfg_((cfg.validate(), std::move(cfg))),
      table_(cfg_.table),
      selector_(feature_dim(cfg_.features), cfg_.selector, seed),
      dim_(feature_dim(cfg_.features)),
      tiebreak_(derive_seed(seed, 0x5C5E)) {}

std::optional<Dispatch> Router::route(std::span<const double> requirement, double now_s) {
  screen(table_, requirement, now_s, cfg_.screen, cands_, &counts_, tiebreak_.next());
  if (cands_.empty()) return std::nullopt;
  const std::size_t n = cands_.size();
  x_.resize(n * dim_);
  arms_.resize(n);
  const auto& entries = table_.entries();
  for (std::size_t i = 0; i < n; ++i) {
    const Beacon& b = entries[cands_[i].entry].beacon;
    joint_features(cfg_.features, requirement, b, cands_[i].match, x_.data() + i * dim_);
    arms_[i] = selector_.arm_for(b.worker_id);
  }
  const std::size_t pick = selector_.select(arms_, x_.data(), n);
  const Beacon& b = entries[cands_[pick].entry].beacon;
  PendingDispatch p;
  p.id = next_id_++;
  p.worker_id = b.worker_id;
  p.arm = arms_[pick];
  p.dispatched_at_s = now_s;
  p.features.assign(x_.begin() + static_cast<std::ptrdiff_t>(pick * dim_),
                    x_.begin() + static_cast<std::ptrdiff_t>((pick + 1) * dim_));
  Dispatch d{p.id, b.worker_id, b.model_id, cands_[pick].match, n};
  pending_.insert(std::move(p));
  return d;
}

OutcomeStatus Router::on_outcome(std::uint64_t id, const Outcome& o) {
  auto p = pending_.take(id);
  if (!p) return OutcomeStatus::ignored;
  selector_.update(p->arm, p->features.data(), reward(cfg_.reward, o));
  return OutcomeStatus::credited;
}

bool Router::forget(std::uint64_t id) { return pending_.take(id).has_value(); }

std::size_t Router::expire(double now_s) {
  auto expired = pending_.take_expired(now_s, cfg_.outcome_timeout_s);
  for (const auto& p : expired) selector_.update(p.arm, p.features.data(), 0.0);
  return expired.size();
}

}  // namespace concord::route
