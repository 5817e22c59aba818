#include "eval/report.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "model/input_error.hpp"

namespace concord::bench {

namespace {

std::string trim_number(double v) {
  std::string s = fmt::format("{:.6g}", v);
  return s;
}

std::string interval(const Proportion& p) { return fmt::format("{:.3f} [{:.3f}, {:.3f}]", p.rate(), p.lower, p.upper); }

std::string pad(const std::string& s, std::size_t w) {
  // Display width: count UTF-8 code points.
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n >= w ? s : s + std::string(w - n, ' ');
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string budget_label(const Axis& axis, std::size_t i) {
  return axis.ratio ? trim_number(axis.values[i]) + "x" : "$" + trim_number(axis.values[i]);
}

std::string deadline_label(const Axis& axis, std::size_t i) {
  return axis.ratio ? trim_number(axis.values[i]) + "x" : trim_number(axis.values[i]) + "s";
}

std::string format_table(const BenchResult& r) {
  const std::size_t nb = r.budgets.values.size(), nd = r.deadlines.values.size();
  const bool any_mcpp = !r.cells.empty() && r.cells.front().has_mcpp;
  const bool any_base = !r.cells.empty() && r.cells.front().best_baseline >= 0;
  std::size_t col = 22;
  for (const auto& c : r.cells)
    if (c.best_baseline >= 0) {
      const auto& b = c.baselines[static_cast<std::size_t>(c.best_baseline)];
      col = std::max(col, b.spec.name().size() + 1 + b.model.size());
    }
  col += 2;
  const std::size_t head = 22;
  std::string out;
  const std::string corner = fmt::format("budget {} \\ deadline {}", r.budgets.ratio ? "(x nominal)" : "(USD)",
                                         r.deadlines.ratio ? "(x nominal)" : "(s)");
  out += pad(corner, head + 1);
  out += '\n';
  out += pad("", head);
  for (std::size_t d = 0; d < nd; ++d) out += "| " + pad(deadline_label(r.deadlines, d), col);
  out += '\n';
  auto rule = [&] {
    std::string s(head, '-');
    for (std::size_t d = 0; d < nd; ++d) s += "+" + std::string(col + 1, '-');
    return s + '\n';
  };
  out += rule();
  for (std::size_t b = 0; b < nb; ++b) {
    std::vector<std::pair<std::string, std::vector<std::string>>> lines;
    if (any_mcpp) {
      std::vector<std::string> v;
      for (std::size_t d = 0; d < nd; ++d) v.push_back(interval(r.cell(b, d).mcpp));
      lines.emplace_back("MCPP", v);
    }
    if (any_base) {
      std::vector<std::string> names, rates;
      for (std::size_t d = 0; d < nd; ++d) {
        const Cell& c = r.cell(b, d);
        const auto& bc = c.baselines[static_cast<std::size_t>(c.best_baseline)];
        names.push_back(bc.spec.name() + "@" + bc.model);
        rates.push_back(interval(bc.p));
      }
      lines.emplace_back("best baseline", names);
      lines.emplace_back("", rates);
    }
    if (any_mcpp && any_base) {
      std::vector<std::string> v;
      for (std::size_t d = 0; d < nd; ++d) v.push_back(fmt::format("{:+.3f}", r.cell(b, d).gain()));
      lines.emplace_back("gain", v);
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string label = (i == 0 ? pad(budget_label(r.budgets, b), 8) : std::string(8, ' ')) + lines[i].first;
      out += pad(label, head);
      for (const auto& v : lines[i].second) out += "| " + pad(v, col);
      out += '\n';
    }
    out += rule();
  }
  return out;
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> cols{
      "workload",     "budget_index", "deadline_index",    "budget",         "budget_unit",
      "deadline",     "deadline_unit", "method",           "model",          "trials",
      "successes",    "rate",          "wilson_lo",        "wilson_hi",      "best_model_of_baseline",
      "best_baseline", "gain_over_best_baseline", "decisions", "decision_mean_s", "decision_p50_s",
      "decision_p95_s"};
  return cols;
}

std::string format_csv(const BenchResult& r, const std::string& workload) {
  std::string out;
  for (std::size_t i = 0; i < csv_columns().size(); ++i) out += (i ? "," : "") + csv_columns()[i];
  out += '\n';
  const std::string bunit = r.budgets.ratio ? "x_nominal" : "usd";
  const std::string dunit = r.deadlines.ratio ? "x_nominal" : "s";
  for (const Cell& c : r.cells) {
    const std::string prefix =
        fmt::format("{},{},{},{},{},{},{}", csv_field(workload), c.budget_index, c.deadline_index,
                    trim_number(r.budgets.values[c.budget_index]), bunit,
                    trim_number(r.deadlines.values[c.deadline_index]), dunit);
    auto stats = [](const Proportion& p) {
      return fmt::format("{},{},{:.6f},{:.6f},{:.6f}", p.trials, p.successes, p.rate(), p.lower, p.upper);
    };
    if (c.has_mcpp) {
      const bool gain = c.best_baseline >= 0;
      out += fmt::format("{},mcpp,,{},,,{},{},{:.6g},{:.6g},{:.6g}\n", prefix, stats(c.mcpp),
                         gain ? fmt::format("{:.6f}", c.gain()) : "", c.mcpp_decisions.count, c.mcpp_decisions.mean_s,
                         c.mcpp_decisions.p50_s, c.mcpp_decisions.p95_s);
    }
    for (std::size_t i = 0; i < c.baselines.size(); ++i) {
      const auto& b = c.baselines[i];
      const bool best_model = std::find(c.best_model_of.begin(), c.best_model_of.end(), static_cast<int>(i)) != c.best_model_of.end();
      out += fmt::format("{},{},{},{},{},{},,,,,\n", prefix, b.spec.name(), csv_field(b.model), stats(b.p),
                         best_model ? 1 : 0, static_cast<int>(i) == c.best_baseline ? 1 : 0);
    }
  }
  return out;
}

std::string format_workflow_csv(const BenchResult& r, const std::string& workload) {
  std::string out =
      "workload,workflow_index,workflow,budget_index,deadline_index,budget,budget_unit,deadline,deadline_unit,method,"
      "trials,successes\n";
  const std::string bunit = r.budgets.ratio ? "x_nominal" : "usd";
  const std::string dunit = r.deadlines.ratio ? "x_nominal" : "s";
  for (const Cell& c : r.cells)
    for (std::size_t w = 0; w < c.mcpp_by_workflow.size(); ++w)
      out += fmt::format("{},{},{},{},{},{},{},{},{},mcpp,{},{}\n", csv_field(workload), w, csv_field(r.workflows[w]),
                         c.budget_index, c.deadline_index, trim_number(r.budgets.values[c.budget_index]), bunit,
                         trim_number(r.deadlines.values[c.deadline_index]), dunit, r.trials_per_workflow,
                         c.mcpp_by_workflow[w]);
  return out;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw InputError(path, "", "cannot open the file for writing");
  f << text;
  f.close();
  if (!f) throw InputError(path, "", "cannot write the file");
}

}  // namespace concord::bench
