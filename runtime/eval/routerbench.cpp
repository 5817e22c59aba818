#include "eval/routerbench.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/input_error.hpp"
#include "eval/csv.hpp"

namespace concord::route {

namespace {

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e && std::isfinite(out);
}

}  // namespace

RouterBenchData load_routerbench_file(const std::string& path) {
  const auto rows = read_csv_file(path);
  if (rows.empty()) throw InputError(path, "header", "empty file");
  const auto& h = rows[0];
  auto col = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < h.size(); ++i)
      if (h[i] == name) return i;
    throw InputError(path, "header", fmt::format("missing column \"{}\"", name));
  };
  const std::size_t c_id = col("sample_id"), c_prompt = col("prompt"), c_eval = col("eval_name");
  RouterBenchData d;
  std::vector<std::size_t> c_correct, c_cost;
  // Models: the columns X for which "X|total_cost" exists, in header order.
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i].empty() || h[i].find('|') != std::string::npos) continue;
    bool has_cost = false, has_other = false;  // X|total_cost; any other X|... column (X is a model)
    for (const auto& o : h) {
      has_cost = has_cost || o == h[i] + "|total_cost";
      has_other = has_other || (o.size() > h[i].size() + 1 && o.compare(0, h[i].size() + 1, h[i] + "|") == 0);
    }
    if (!has_cost && has_other)  // a model without costs would be dropped without a word: refuse
      throw InputError(path, "header", fmt::format("model \"{}\" has no column \"{}|total_cost\"", h[i], h[i]));
    if (!has_cost) continue;
    d.models.push_back(h[i]);
    c_correct.push_back(i);
    c_cost.push_back(col(h[i] + "|total_cost"));
  }
  if (d.models.empty()) throw InputError(path, "header", "no model columns (expected MODEL and MODEL|total_cost)");
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() == 1 && row[0].empty()) continue;  // blank line
    if (row.size() != h.size())
      throw InputError(path, fmt::format("record {}", r + 1),
                       fmt::format("{} fields, the header has {}", row.size(), h.size()));
    RouterBenchQuery q;
    q.sample_id = row[c_id];
    q.dataset = row[c_eval];
    q.prompt = row[c_prompt];
    for (std::size_t m = 0; m < d.models.size(); ++m) {
      double v = 0, c = 0;
      const std::string& cell = row[c_correct[m]];
      if (cell.empty()) {
        ++d.missing_outcomes;
      } else if (!parse_double(cell, v) || v < 0 || v > 1) {
        throw InputError(path, fmt::format("record {} column \"{}\"", r + 1, d.models[m]),
                         fmt::format("expected a score in [0, 1], got \"{}\"", cell));
      }
      if (!parse_double(row[c_cost[m]], c) || c < 0)
        throw InputError(path, fmt::format("record {} column \"{}|total_cost\"", r + 1, d.models[m]),
                         fmt::format("expected a non-negative number, got \"{}\"", row[c_cost[m]]));
      q.correct.push_back(v);
      q.cost_usd.push_back(c);
    }
    d.queries.push_back(std::move(q));
  }
  if (d.queries.empty()) throw InputError(path, "records", "no query (an empty split)");
  return d;
}

std::vector<std::string> list_routerbench(const std::string& dir, const std::string& split) {
  const std::string folder = dir + "/routerbench";
  const std::string suffix = "_" + split + ".csv";
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
    const std::string f = e.path().filename().string();
    if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  if (ec) throw InputError(folder, "", "cannot list the folder: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

RouterBenchData load_routerbench(const std::string& dir, const std::string& split,
                                 const std::vector<std::string>& only) {
  const std::string folder = dir + "/routerbench";
  const std::string suffix = "_" + split + ".csv";
  std::vector<std::string> names = list_routerbench(dir, split);
  if (!only.empty()) {
    for (const auto& name : only)
      if (std::find(names.begin(), names.end(), name) == names.end())
        throw InputError(fmt::format("{}/{}{}", folder, name, suffix), fmt::format("split \"{}\"", name),
                         "no such file (a split is a NAME_train.csv / NAME_test.csv pair)");
    names.erase(std::remove_if(names.begin(), names.end(),
                               [&](const std::string& n) { return std::find(only.begin(), only.end(), n) == only.end(); }),
                names.end());
  }
  if (names.empty()) throw InputError(folder, "", fmt::format("no RouterBench file NAME{} in it", suffix));
  RouterBenchData all;
  for (const auto& name : names) {
    const std::string path = fmt::format("{}/{}{}", folder, name, suffix);
    RouterBenchData d = load_routerbench_file(path);
    all.datasets.push_back(name);
    if (all.models.empty()) {
      all.models = d.models;
    } else if (all.models != d.models) {
      throw InputError(path, "header", "its models differ from those of the other RouterBench file");
    }
    all.missing_outcomes += d.missing_outcomes;
    for (auto& q : d.queries) all.queries.push_back(std::move(q));
  }
  return all;
}

void check_train_test(const RouterBenchData& train, const RouterBenchData& test, const std::string& dir) {
  for (const auto& [have, other, missing] : {std::tuple{&train, &test, "test"}, std::tuple{&test, &train, "train"}})
    for (const auto& name : have->datasets)
      if (std::find(other->datasets.begin(), other->datasets.end(), name) == other->datasets.end())
        throw InputError(fmt::format("{}/routerbench/{}_{}.csv", dir, name, missing), "", "missing: every split needs a train and a test file");
  if (train.models != test.models)
    throw InputError(fmt::format("{}/routerbench/{}_test.csv", dir, test.datasets.front()), "header",
                     fmt::format("its models ({}) differ from the train files' ({})", fmt::join(test.models, ", "),
                                 fmt::join(train.models, ", ")));
}

}  // namespace concord::route
