#include "plan/mcpp_config.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace concord {

namespace {

McppConfig best_preset() {
  // Racing (rollouts go to the pairs that can still win, up to 256 each) and the k-levels
  // {1, 2, 4, 8, 16, 64}: +0.09 completion over faithful on the same seeds; a cap of 260
  // candidates (the reference's own default) keeps that quality 2.8x faster (docs/mcpp.md).
  McppConfig c;
  c.racing = true;
  c.k_levels = {1, 2, 4, 8, 16, 64};
  c.max_candidates = 260;
  return c;
}

/// The N of a part "<prefix>N", N in [lo, hi]; nullopt-like -1 when the part has another prefix.
int numeric_part(std::string_view part, std::string_view prefix, int lo, int hi, const std::string& spec) {
  if (part.substr(0, prefix.size()) != prefix) return -1;
  const std::string_view digits = part.substr(prefix.size());
  int n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || n < lo || n > hi)
    throw std::invalid_argument("MCPP configuration \"" + spec + "\": \"" + std::string(part) + "\" needs an integer " +
                                std::string(prefix) + "N with N in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return n;
}

}  // namespace

McppConfig mcpp_preset(const std::string& spec) {
  McppConfig c;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= spec.size()) {
    const std::size_t plus = std::min(spec.find('+', pos), spec.size());
    const std::string_view part = std::string_view(spec).substr(pos, plus - pos);
    pos = plus + 1;
    int n = 0;
    if (part.empty()) {
      throw std::invalid_argument("MCPP configuration \"" + spec + "\": empty part (expected faithful, best or " +
                                  "options joined with '+')");
    } else if (part == "faithful" || part == "best") {
      if (!first)
        throw std::invalid_argument("MCPP configuration \"" + spec + "\": the preset \"" + std::string(part) +
                                    "\" must come first");
      c = part == "best" ? best_preset() : McppConfig{};
    } else if (part == "crn") {
      c.common_random_numbers = true;
    } else if (part == "racing") {
      c.racing = true;
    } else if (part == "k6") {
      c.k_levels = {1, 2, 4, 8, 16, 64};
    } else if (part == "defer") {
      c.deferral = true;
    } else if ((n = numeric_part(part, "cap", 1, 1 << 20, spec)) >= 0) {
      c.max_candidates = n;
    } else if ((n = numeric_part(part, "reuse", 1, 1 << 20, spec)) >= 0) {
      c.reuse_continuations = n;
    } else if ((n = numeric_part(part, "refresh", 1, 1 << 20, spec)) >= 0) {
      c.reuse_refresh = n;
    } else if ((n = numeric_part(part, "rmax", 2, 1 << 20, spec)) >= 0) {
      c.racing = true;
      c.racing_max = n;
    } else if ((n = numeric_part(part, "M", 1, 1 << 20, spec)) >= 0) {
      c.rollouts = n;
    } else if ((n = numeric_part(part, "work", 1, 1 << 30, spec)) >= 0) {
      c.work_budget = std::int64_t{n} * 1'000;
    } else if ((n = numeric_part(part, "wall", 1, 3'600'000, spec)) >= 0) {
      c.max_decision_seconds = n / 1000.0;
    } else {
      throw std::invalid_argument("MCPP configuration \"" + spec + "\": unknown part \"" + std::string(part) +
                                  "\" (expected faithful or best, then options: " + mcpp_option_help() + ")");
    }
    first = false;
  }
  return c;
}

std::vector<std::string> mcpp_preset_names() { return {"faithful", "best"}; }

std::string mcpp_option_help() {
  return "crn, racing, rmaxN, k6, capN, MN, defer, reuseN, refreshN, workN (work budget: N thousand samples drawn per decision), "
         "wallN (wall-time cap: N ms per decision)";
}

}  // namespace concord
