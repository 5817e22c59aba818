#include "contention/contention_config.hpp"

#include <cmath>

#include <fmt/format.h>

namespace concord::contention {

std::string_view to_string(ContentionPolicy p) {
  switch (p) {
    case ContentionPolicy::fcfs: return "fcfs";
    case ContentionPolicy::static_split: return "static_split";
    case ContentionPolicy::negotiation: return "negotiation";
  }
  return "?";
}

bool parse_policy(std::string_view name, ContentionPolicy& out) {
  for (ContentionPolicy p : all_policies())
    if (to_string(p) == name) {
      out = p;
      return true;
    }
  return false;
}

std::vector<ContentionPolicy> all_policies() {
  return {ContentionPolicy::fcfs, ContentionPolicy::static_split, ContentionPolicy::negotiation};
}

double ContentionConfig::static_share_usd() const {
  const double expected = arrival_rate_per_s * window_s / tenants;  // workflows per tenant in the window
  return expected > 1 ? tenant_budget_usd / expected : tenant_budget_usd;
}

std::string ContentionConfig::validate() const {
  const auto positive = [](double x) { return std::isfinite(x) && x > 0; };
  if (!positive(arrival_rate_per_s)) return "arrival_rate_per_s: must be > 0 and finite";
  if (!positive(window_s)) return "window_s: must be > 0 and finite";
  if (tenants < 1 || tenants > 1000) return "tenants: must be in [1, 1000]";
  if (budget_ratios.empty()) return "budget_ratios: need at least one";
  for (double r : budget_ratios)
    if (!positive(r)) return fmt::format("budget_ratios: {} is not > 0", r);
  if (deadline_ratios.empty()) return "deadline_ratios: need at least one";
  for (double r : deadline_ratios)
    if (!positive(r)) return fmt::format("deadline_ratios: {} is not > 0", r);
  if (workers_per_model < 1 || workers_per_model > 10000) return "workers_per_model: must be in [1, 10000]";
  if (slots_per_worker < 1 || slots_per_worker > 10000) return "slots_per_worker: must be in [1, 10000]";
  if (!(std::isfinite(tenant_budget_usd) && tenant_budget_usd >= 0 && tenant_budget_usd <= 1e6))
    return "tenant_budget_usd: must be in [0, 1e6]";
  if (!positive(lease_s)) return "lease_s: must be > 0 and finite";
  if (!positive(retry_s)) return "retry_s: must be > 0 and finite";
  if (!positive(tick_s)) return "tick_s: must be > 0 and finite";
  if (!positive(price_step)) return "price_step: must be > 0 and finite";
  if (!positive(slot_target)) return "slot_target: must be > 0 and finite";
  if (!positive(max_price_x)) return "max_price_x: must be > 0 and finite";
  if (replicate < 0) return "replicate: must be >= 0";
  return {};
}

}  // namespace concord::contention
