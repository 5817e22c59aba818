#pragma once
// The price a resource owner posts (DESIGN.md §7 "Decentralized planning", issue 13): a dual
// multiplier mu >= 0 updated by dual mirror descent, after Balseiro, Lu and Mirrokni, "The Best
// of Many Worlds: Dual Mirror Descent for Online Allocation Problems" (Operations Research 2023;
// arXiv 2011.10124), Algorithm 1.
//
// The owner has a pace rho: the resource it may hand out per step (a tenant: dollars of its
// period budget per step; a model's workers: slot-seconds per second). After each step it
// observes the consumption b_t (same unit) and takes a mirror-descent step on the dual
// gradient g_t = rho - b_t (spend behind pace lowers the price, spend ahead of pace raises it):
//
//   euclidean (h = mu^2/2, projected subgradient):  mu <- clamp(mu - eta * g, 0, max_price)
//   entropic  (h = mu log mu - mu, multiplicative): mu <- clamp(mu * exp(-eta * g), floor, max_price)
//
// Units: price = value per resource unit (e.g. completion probability per dollar). Euclidean
// eta: price per resource unit per step (eta * g is a price); entropic eta: 1 / resource unit
// (eta * g is dimensionless). The entropic price never reaches 0: it starts from and stays
// above a positive `floor`.
//
// Step size (the paper, Theorem 1): regret <= C1 + C2 * eta * T + C3 / eta over T steps, so
// eta = Theta(1/sqrt(T)) gives O(sqrt(T)) regret; the usual tuning of the mirror-descent bound
// V_h(mu*, mu_1)/eta + eta G^2 T/2 is eta = |mu* - mu_1| / (G sqrt(T)) (euclidean), G = max |rho - b_t|.
// Budget pace: while max_price never binds, sum_t b_t <= rho * T + (mu_{T+1} - mu_1) / eta
// (euclidean) or rho * T + ln(mu_{T+1} / mu_1) / eta (entropic) -- exactly, every run -- so
// spend runs ahead of pace by at most O(1/eta). The price does not enforce a budget: the
// ledger does (ledger/tenant_ledger.hpp); the price only steers demand toward the pace.
//
// Pure, deterministic, single-threaded; doubles (planner-side; the ledger keeps exact money).
#include <cstdint>
#include <limits>
#include <string>

namespace concord::negotiate {

enum class MirrorMap : std::uint8_t { euclidean, entropic };

struct DualPriceConfig {
  MirrorMap map = MirrorMap::euclidean;
  double pace = 0;        // rho: resource units per step, >= 0
  double step_size = 0;   // eta > 0 (units above)
  double initial_price = 0;  // mu_1 >= 0 (entropic: >= floor)
  double floor = 1e-6;    // entropic only: smallest price, > 0 (price per resource unit)
  double max_price = std::numeric_limits<double>::infinity();  // >= initial_price; projection bound
};

/// Empty when the config is valid, else the first bad field ("step_size: must be > 0 and finite").
std::string validate(const DualPriceConfig& c);

class DualPrice {
 public:
  /// REQUIRES validate(config).empty() (throws std::invalid_argument with that text otherwise).
  explicit DualPrice(const DualPriceConfig& config);

  /// The price for the coming step: mu_t.
  double price() const { return price_; }

  /// Records the step's consumption b_t (resource units, finite, >= 0) and moves the price.
  /// Returns the new price mu_{t+1}. A negative or non-finite b_t is not a step: nothing
  /// changes (a price must never be moved by garbage).
  double update(double consumption);

  // -- observers (over the steps taken so far) --
  std::int64_t steps() const { return steps_; }
  /// (1/T) sum_{t=1..T} mu_t: the prices that were posted (not the one after the last update).
  double average_price() const { return steps_ == 0 ? price_ : price_sum_ / static_cast<double>(steps_); }
  double total_consumption() const { return consumption_sum_; }
  /// Steps where max_price cut the update (the pace bound above assumes none).
  std::int64_t capped_steps() const { return capped_; }
  const DualPriceConfig& config() const { return config_; }

 private:
  DualPriceConfig config_;
  double price_;
  std::int64_t steps_ = 0;
  std::int64_t capped_ = 0;
  double price_sum_ = 0;
  double consumption_sum_ = 0;
};

}  // namespace concord::negotiate
