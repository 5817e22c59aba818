#include "model/validate.hpp"

#include <regex.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "model/limits.hpp"
#include "model/money.hpp"
#include "model/prompt_template.hpp"

namespace concord {

std::string subtask_field(std::size_t index, const std::string& id) {
  return fmt::format("subtasks[{}] \"{}\"", index, id);
}

namespace {

class IssueCollector {
 public:
  void add(std::string field, std::string reason) { issues_.push_back({std::move(field), std::move(reason)}); }
  // Checks x is finite and in [0, max].
  void non_negative(const std::string& field, double x, double max) {
    if (!std::isfinite(x)) add(field, fmt::format("must be a finite number (got {})", x));
    else if (x < 0) add(field, fmt::format("must not be negative (got {})", x));
    else if (x > max) add(field, fmt::format("must be at most {:g} (got {:g})", max, x));
  }
  // Checks an integer is in [lo, hi].
  void in_range(const std::string& field, std::int64_t x, std::int64_t lo, std::int64_t hi) {
    if (x < lo && lo == 0) add(field, fmt::format("must not be negative (got {})", x));
    else if (x < lo) add(field, fmt::format("must be at least {} (got {})", lo, x));
    else if (x > hi) add(field, fmt::format("must be at most {} (got {})", hi, x));
  }
  std::vector<InputIssue> take() { return std::move(issues_); }

 private:
  std::vector<InputIssue> issues_;
};

void check_models(const Workflow& wf, IssueCollector& out) {
  if (wf.models.empty()) out.add("models", "empty: a workflow needs at least one model");
  if (wf.models.size() > static_cast<std::size_t>(limits::kMaxModels))
    out.add("models", fmt::format("{} models: at most {} are accepted", wf.models.size(), limits::kMaxModels));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < wf.models.size(); ++i) {
    const auto& m = wf.models[i];
    const auto f = fmt::format("models[{}] \"{}\"", i, m.id);
    if (m.id.empty()) out.add(fmt::format("models[{}].id", i), "empty id");
    else if (!seen.insert(m.id).second) out.add(f + ".id", "duplicate model id");
    if (!m.usd_per_mtok_out) out.add(f + ".usd_per_mtok_out", "missing: every model needs a price ($ per 1M output tokens)");
    else out.non_negative(f + ".usd_per_mtok_out", *m.usd_per_mtok_out, limits::kMaxUsdPerMtok);
    if (m.usd_per_mtok_in) out.non_negative(f + ".usd_per_mtok_in", *m.usd_per_mtok_in, limits::kMaxUsdPerMtok);
    if (m.max_tokens) out.in_range(f + ".max_tokens", *m.max_tokens, 1, limits::kMaxTokens);
  }
}

/// A subtask's content: its prompt's references are dependencies, its check is one thing that works.
void check_content(const std::string& f, const Subtask& s, IssueCollector& out) {
  if (s.prompt.size() > limits::kMaxPromptBytes)
    out.add(f + ".prompt", fmt::format("{} bytes: at most {} are accepted", s.prompt.size(), limits::kMaxPromptBytes));
  for (const auto& ref : prompt_references(s.prompt))
    if (std::find(s.deps.begin(), s.deps.end(), ref) == s.deps.end())
      out.add(f + ".prompt", fmt::format("{{{{{}}}}} is not one of the subtask's deps: a prompt can only use its parents' outputs", ref));
  if (s.time_limit_s && !(*s.time_limit_s > 0 && *s.time_limit_s <= limits::kMaxSeconds))
    out.add(f + ".time_limit_s", fmt::format("must be in (0, {}] seconds (got {})", limits::kMaxSeconds, *s.time_limit_s));
  if (!s.check) return;
  const auto& c = *s.check;
  const auto cf = f + ".check";
  if (c.command.empty() == c.regex.empty()) out.add(cf, "give exactly one of \"command\" and \"regex\"");
  if (!(c.time_limit_s > 0 && c.time_limit_s <= limits::kMaxSeconds))
    out.add(cf + ".time_limit_s", fmt::format("must be in (0, {}] seconds (got {})", limits::kMaxSeconds, c.time_limit_s));
  if (!c.regex.empty()) {
    regex_t re;
    const int rc = regcomp(&re, c.regex.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char why[256] = {};
      regerror(rc, &re, why, sizeof why);
      out.add(cf + ".regex", fmt::format("does not compile as a POSIX extended regular expression: {}", why));
    } else {
      regfree(&re);
    }
  }
}

void check_profile(const std::string& f, const Profile& p, IssueCollector& out) {
  if (p.empty()) out.add(f, "empty profile: give samples or a parametric summary");
  if (p.samples.size() > static_cast<std::size_t>(limits::kMaxSamplesPerProfile))
    out.add(f + ".samples", fmt::format("{} samples: at most {} per profile are accepted", p.samples.size(),
                                        limits::kMaxSamplesPerProfile));
  for (std::size_t j = 0; j < p.samples.size(); ++j) {
    const auto& s = p.samples[j];
    const auto sf = fmt::format("{}.samples[{}]", f, j);
    out.non_negative(sf + ".latency_s", s.latency_s, limits::kMaxSeconds);
    out.in_range(sf + ".output_tokens", s.output_tokens, 0, limits::kMaxTokens);
  }
  if (p.parametric) {
    const auto& q = *p.parametric;
    const auto pf = f + ".parametric";
    out.non_negative(pf + ".p_success", q.p_success, 1.0);
    out.non_negative(pf + ".latency_mean_s", q.latency_mean_s, limits::kMaxSeconds);
    out.non_negative(pf + ".latency_std_s", q.latency_std_s, limits::kMaxSeconds);
    out.non_negative(pf + ".output_tokens_mean", q.output_tokens_mean, static_cast<double>(limits::kMaxTokens));
  }
}

void check_subtasks(const Workflow& wf, IssueCollector& out) {
  if (wf.subtasks.empty()) out.add("subtasks", "empty: a workflow needs at least one subtask");
  if (wf.subtasks.size() > static_cast<std::size_t>(limits::kMaxSubtasks))
    out.add("subtasks", fmt::format("{} subtasks: at most {} are accepted", wf.subtasks.size(), limits::kMaxSubtasks));
  std::int64_t total_samples = 0;
  std::set<std::string> ids;
  for (const auto& s : wf.subtasks) ids.insert(s.id);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < wf.subtasks.size(); ++i) {
    const auto& s = wf.subtasks[i];
    const auto f = subtask_field(i, s.id);
    if (s.id.empty()) out.add(fmt::format("subtasks[{}].id", i), "empty id");
    else if (!seen.insert(s.id).second) out.add(f + ".id", "duplicate subtask id");
    std::set<std::string> deps;
    for (std::size_t d = 0; d < s.deps.size(); ++d) {
      const auto df = fmt::format("{}.deps[{}]", f, d);
      if (s.deps[d] == s.id) out.add(df, "self-dependency: a subtask cannot depend on itself");
      else if (!ids.count(s.deps[d])) out.add(df, fmt::format("unknown subtask \"{}\"", s.deps[d]));
      else if (!deps.insert(s.deps[d]).second) out.add(df, fmt::format("duplicate dependency \"{}\"", s.deps[d]));
    }
    out.in_range(f + ".input_tokens", s.input_tokens, 0, limits::kMaxTokens);
    check_content(f, s, out);
    if (s.profiles.empty()) out.add(f + ".profiles", "empty: no model can run this subtask");
    for (const auto& [model, profile] : s.profiles) {
      const auto pf = fmt::format("{}.profiles.{}", f, model);
      if (!wf.find_model(model)) out.add(pf, fmt::format("profile for unknown model \"{}\"", model));
      check_profile(pf, profile, out);
      total_samples += static_cast<std::int64_t>(profile.samples.size());
    }
  }
  if (total_samples > limits::kMaxSamplesTotal)
    out.add("subtasks", fmt::format("{} samples in all: at most {} are accepted", total_samples, limits::kMaxSamplesTotal));
}

}  // namespace

std::vector<std::string> find_cycle(const Workflow& wf) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < wf.subtasks.size(); ++i) index.emplace(wf.subtasks[i].id, i);
  // Iterative DFS with colours: 0 unvisited, 1 on stack, 2 done. Edges child -> parent.
  std::vector<int> colour(wf.subtasks.size(), 0);
  for (std::size_t root = 0; root < wf.subtasks.size(); ++root) {
    if (colour[root]) continue;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
    colour[root] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& deps = wf.subtasks[node].deps;
      if (next == deps.size()) {
        colour[node] = 2;
        stack.pop_back();
        continue;
      }
      auto it = index.find(deps[next++]);
      if (it == index.end()) continue;
      const std::size_t dep = it->second;
      if (colour[dep] == 1) {  // back edge: the cycle is dep -> ... -> node -> dep
        std::vector<std::string> cycle{wf.subtasks[dep].id};
        std::size_t pos = stack.size();
        while (pos > 0 && stack[pos - 1].first != dep) --pos;
        for (std::size_t k = pos; k < stack.size(); ++k) cycle.push_back(wf.subtasks[stack[k].first].id);
        cycle.push_back(wf.subtasks[dep].id);
        return cycle;
      }
      if (colour[dep] == 0) {
        colour[dep] = 1;
        stack.emplace_back(dep, 0);
      }
    }
  }
  return {};
}

std::vector<InputIssue> find_workflow_issues(const Workflow& wf) {
  IssueCollector out;
  if (wf.budget_usd) out.non_negative("budget_usd", *wf.budget_usd, limits::kMaxBudgetUsd);
  if (wf.deadline_s) out.non_negative("deadline_s", *wf.deadline_s, limits::kMaxSeconds);
  check_models(wf, out);
  check_subtasks(wf, out);
  auto cycle = find_cycle(wf);
  if (cycle.size() > 2) {  // self-dependencies are reported above, with their field
    std::string path;
    for (const auto& id : cycle) path += (path.empty() ? "" : " -> ") + id;
    out.add("subtasks", "dependency cycle: " + path);
  }
  return out.take();
}

void validate_workflow(const Workflow& wf, const std::string& source) {
  auto issues = find_workflow_issues(wf);
  if (!issues.empty()) throw InputError(source, std::move(issues));
}

}  // namespace concord
