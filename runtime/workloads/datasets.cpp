#include "workloads/datasets.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "model/validate.hpp"

namespace concord {

std::string default_datasets_dir() {
  if (const char* env = std::getenv("CONCORD_DATASETS"); env && *env) return env;
#ifdef CONCORD_DEFAULT_DATASETS_DIR
  return CONCORD_DEFAULT_DATASETS_DIR;
#else
  return "../shared/datasets";
#endif
}

std::string synthetic_profile_source(std::uint64_t seed) {
  return fmt::format("synthetic profiles: MCPP rollout statistics x model tiers (seed {})", seed);
}

std::string first_line(std::string_view text, std::size_t max_chars) {
  constexpr std::string_view kBlank = " \t\r\f\v";
  std::string_view line;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto b = line.find_first_not_of(kBlank);
    if (b == std::string_view::npos) {
      line = {};
      continue;
    }
    line = line.substr(b, line.find_last_not_of(kBlank) - b + 1);
    break;
  }
  // Cut after max_chars code points: count bytes that do not continue a UTF-8 sequence.
  std::size_t chars = 0, end = 0;
  for (; end < line.size(); ++end) {
    const auto c = static_cast<unsigned char>(line[end]);
    if ((c & 0xC0) != 0x80 && chars++ == max_chars) break;
  }
  line = line.substr(0, end);
  if (const auto e = line.find_last_not_of(kBlank); e != std::string_view::npos) line = line.substr(0, e + 1);
  return std::string(line);
}

void admit_or_skip(Workload& out, Workflow wf, std::size_t index) {
  auto issues = find_workflow_issues(wf);
  if (issues.empty()) {
    out.workflows.push_back(std::move(wf));
    return;
  }
  std::string reason;
  for (const auto& issue : issues) reason += (reason.empty() ? "" : "; ") + format_issue("", issue);
  out.skipped.push_back({index, std::move(wf.name), std::move(reason)});
}

}  // namespace concord
