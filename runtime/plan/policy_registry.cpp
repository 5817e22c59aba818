#include "plan/policy_registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "model/input_error.hpp"
#include "plan/mcpp_planner.hpp"
#include "plan/simple_policies.hpp"

namespace concord {

std::unique_ptr<Policy> make_policy(const std::string& name, const FlatWorkflow& wf, std::uint64_t seed) {
  if (name == "mcpp" || name.rfind("mcpp:", 0) == 0) {
    const std::string preset = name == "mcpp" ? "best" : name.substr(5);
    McppConfig cfg;
    try {
      cfg = mcpp_preset(preset);
    } catch (const std::invalid_argument& e) {
      throw InputError("--policy", "", fmt::format("\"{}\": {}", name, e.what()));
    }
    cfg.seed = seed;
    try {
      return std::make_unique<McppPlanner>(wf, cfg);
    } catch (const std::invalid_argument& e) {
      throw InputError("--policy", "", e.what());
    }
  }
  if (name == "greedy" || name == "cheapest" || name.rfind("seq:", 0) == 0) return make_simple_policy(name, wf);
  throw InputError("--policy", "", fmt::format("unknown policy \"{}\" (expected mcpp, mcpp:PRESET[+OPTIONS], greedy, cheapest or seq:MODEL:K)", name));
}

std::string policy_help() {
  return "mcpp (default): MCPP, the best preset; mcpp:faithful: MCPP exactly as the paper;\n"
         "mcpp:PRESET+OPTIONS: a preset with options (" + mcpp_option_help() + "), e.g. mcpp:best+crn;\n"
         "greedy: per subtask the cheapest (model, k) reaching 90% success per attempt;\n"
         "cheapest: one sample of the cheapest model; seq:MODEL:K: K samples of MODEL, retried alike";
}

}  // namespace concord
