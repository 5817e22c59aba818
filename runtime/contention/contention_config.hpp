#pragma once
// Parameters of one contention run (issue 13, docs/negotiation.md "The contention simulator"):
// many workflows of several tenants arrive by a Poisson process on a shared pool of workers
// with finite slots, and plan under one of three policies.
//
// Units: seconds (simulated clock; a run starts at 0), dollars (configuration; the ledgers keep
// exact picodollars), slots (concurrent samples).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/mcpp_config.hpp"

namespace concord::contention {

/// How workflows share the tenant's money and the workers.
///  fcfs         today's behaviour: each workflow plans alone with MCPP as if no queue existed,
///               with its own budget, and draws from its tenant on demand (first come, first served).
///  static_split each workflow's ledger gets min(its own budget, the tenant's share): the tenant
///               budget divided by the workflows expected to arrive for it in the window
///               (ContentionConfig::static_share_usd); plans like fcfs otherwise.
///  negotiation  the tenant posts a money price and each model's slots a slot price (dual
///               mirror descent on demand vs pace, contention/price_board.hpp); MCPP plans with
///               the expected queueing delay in its rollouts and the priced choice
///               (plan/mcpp_outlook.hpp); planners read only the posted prices and beacons.
enum class ContentionPolicy : std::uint8_t { fcfs, static_split, negotiation };

std::string_view to_string(ContentionPolicy p);
/// nullopt-like: false when `name` is none of fcfs, static_split, negotiation.
bool parse_policy(std::string_view name, ContentionPolicy& out);
std::vector<ContentionPolicy> all_policies();

struct ContentionConfig {
  ContentionPolicy policy = ContentionPolicy::fcfs;
  std::uint64_t seed = 1;          // arrivals and every sample draw derive from it (and the replicate)
  int replicate = 0;

  // -- arrivals --
  double arrival_rate_per_s = 0.05;  // lambda, all tenants together (workflows per second)
  double window_s = 1200;            // workflows arrive in [0, window_s); the run lasts until all end
  int tenants = 2;                   // each workflow belongs to one, uniformly at random
  std::vector<double> budget_ratios{0.1, 0.2, 0.5};     // a workflow's budget: one of these x its nominal budget
  std::vector<double> deadline_ratios{0.4, 0.55, 0.75};  // its deadline: one of these x its nominal deadline

  // -- the shared pool --
  int workers_per_model = 2;
  int slots_per_worker = 4;          // concurrent samples per worker; more wait in its FIFO queue

  // -- tenants --
  double tenant_budget_usd = 1.0;    // per tenant for the run (one period: the run)
  double lease_s = 3600;             // tenant leases (renewed at every decision; longer than any deadline)
  double retry_s = 2.0;              // a workflow refused by its tenant with nothing running asks again after this

  // -- negotiation --
  double tick_s = 5.0;               // the owners update their prices every tick
  double price_step = 0.05;          // kappa (dimensionless): eta = kappa / (pace per tick x scale), see price_board.hpp
  double slot_target = 1.0;          // slot pace = capacity x tick x this (utilisation the price aims at)
  double max_price_x = 20.0;         // prices are capped at this / scale
  bool price_signals = true;         // negotiation: planners see the posted prices (false: an ablation, queue view only)
  bool queue_view = true;            // negotiation: rollouts include the queueing delay (false: an ablation, prices only)
  bool adaptive_pace = true;         // money pace = what is left of the budget over what is left of the
                                     // window (else the fixed budget / window); price_board.hpp

  // -- planning --
  McppConfig planner;                // every workflow's MCPP (threads: set 1 when runs go in parallel)

  /// The static split's share (dollars): tenant_budget_usd / (arrival_rate_per_s x window_s / tenants).
  double static_share_usd() const;
  /// Empty when valid, else "field: reason" for the first bad field.
  std::string validate() const;
};

}  // namespace concord::contention
