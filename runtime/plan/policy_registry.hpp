#pragma once
// Policies by name, for the command line (`concord run --policy`, `concord bench`).
#include <memory>
#include <string>

#include "sim/policy.hpp"

namespace concord {

/// Accepted names:
///   mcpp               MCPP with the "best" preset (the default of `concord run`)
///   mcpp:PRESET        MCPP with a named preset (faithful, best)
///   greedy, cheapest, seq:MODEL:K    the simple policies of plan/simple_policies.hpp
/// `seed` seeds the planner's decisions. Throws InputError(source "--policy") on a bad name.
std::unique_ptr<Policy> make_policy(const std::string& name, const FlatWorkflow& wf, std::uint64_t seed = 1);

/// One paragraph for --help.
std::string policy_help();

}  // namespace concord
