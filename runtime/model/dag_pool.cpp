#include "model/dag_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "model/json_fields.hpp"
#include "model/validate.hpp"

namespace concord {

using json_fields::FieldReader;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

PriceTable paper_price_table() {
  return {{"goedel32b", 2.8}, {"goedel8b", 0.7}, {"kimina7b", 0.5}, {"30B_ins", 0.8},
          {"30B_think", 2.4}, {"4B_ins", 0.42}, {"4B_think", 1.26}};
}

namespace {

// -- JSON text ------------------------------------------------------------

/// nlohmann's message without its "[json.exception.x.n] parse error at line 1, column 5: " prefix.
std::string json_error_detail(const std::string& what) {
  const auto column = what.find(", column ");
  const auto colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
  if (colon != std::string::npos) return what.substr(colon + 2);
  const auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

/// Parses one line, keeping the key order of the file (models are listed in
/// order of first appearance). The source already names the line.
ojson parse_line(std::string_view line, const std::string& source) {
  try {
    return ojson::parse(line.begin(), line.end());
  } catch (const ojson::parse_error& e) {
    throw InputError(source, "", fmt::format("invalid JSON at column {}: {}", e.byte, json_error_detail(e.what())));
  } catch (const ojson::out_of_range& e) {  // a number too large for a double, e.g. 1e999
    throw InputError(source, "", fmt::format("invalid JSON: {} (numbers must be finite)", json_error_detail(e.what())));
  }
}

// -- numbers --------------------------------------------------------------

double non_negative(const FieldReader& r, const json& j, const std::string& f) {
  const double x = r.number(j, f);
  if (!std::isfinite(x)) r.fail(f, fmt::format("must be a finite number (got {})", x));
  if (x < 0) r.fail(f, fmt::format("must not be negative (got {})", x));
  return x;
}

double required_non_negative(const FieldReader& r, const json& obj, const std::string& f, std::string_view key) {
  return non_negative(r, r.require(obj, f, key), FieldReader::join(f, key));
}

/// A token count: an integer, or a float rounded to the nearest integer.
std::int64_t tokens(const FieldReader& r, const json& j, const std::string& f) {
  if (j.is_number_unsigned()) {
    const auto n = j.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(INT64_MAX)) r.fail(f, fmt::format("too large for a token count (got {})", n));
    return static_cast<std::int64_t>(n);
  }
  if (j.is_number_integer()) r.fail(f, fmt::format("must not be negative (got {})", j.get<std::int64_t>()));
  const double x = non_negative(r, j, f);
  if (x > 9e15) r.fail(f, fmt::format("too large for a token count (got {})", x));
  return std::llround(x);
}

// -- nodes ----------------------------------------------------------------

ParametricProfile read_template(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  ParametricProfile p;
  p.p_success = required_non_negative(r, j, f, "success_prob");
  if (p.p_success > 1) r.fail(FieldReader::join(f, "success_prob"), fmt::format("must be at most 1 (got {})", p.p_success));
  p.latency_mean_s = required_non_negative(r, j, f, "lat_mean");
  p.latency_std_s = required_non_negative(r, j, f, "lat_std");
  p.output_tokens_mean = required_non_negative(r, j, f, "cost_mean");  // tokens in the MCPP rollout stats
  // token_cost_mean wins when given; null is Python's None, i.e. absent.
  if (const json* t = r.find(j, "token_cost_mean"); t && !t->is_null())
    p.output_tokens_mean = non_negative(r, *t, FieldReader::join(f, "token_cost_mean"));
  return p;
}

Sample read_sample(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  Sample s;
  s.latency_s = required_non_negative(r, j, f, "latency");
  s.success = r.boolean(r.require(j, f, "success"), FieldReader::join(f, "success"));
  s.output_tokens = tokens(r, r.require(j, f, "token_cost"), FieldReader::join(f, "token_cost"));
  return s;
}

std::vector<Sample> read_samples(const FieldReader& r, const json& j, const std::string& f) {
  r.array(j, f);
  std::vector<Sample> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) out.push_back(read_sample(r, j[i], FieldReader::at(f, i)));
  return out;
}

std::vector<std::int64_t> read_node_ids(const FieldReader& r, const json& j, const std::string& f) {
  r.array(j, f);
  std::vector<std::int64_t> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) out.push_back(r.integer(j[i], FieldReader::at(f, i)));
  return out;
}

struct PoolNode {
  Subtask subtask;
  std::int64_t id = 0;
  std::vector<std::int64_t> parents;
  std::vector<std::int64_t> children;
  bool by_model = false;  // has model_templates or empirical_samples_by_model (else single-model form)
};

PoolNode read_node(const FieldReader& r, const json& j, const std::string& f, const std::string& single_model_id) {
  r.object(j, f);
  PoolNode n;
  n.id = r.integer(r.require(j, f, "node_id"), FieldReader::join(f, "node_id"));
  n.subtask.id = std::to_string(n.id);
  n.parents = read_node_ids(r, r.require(j, f, "parents"), FieldReader::join(f, "parents"));
  for (auto p : n.parents) n.subtask.deps.push_back(std::to_string(p));
  n.children = read_node_ids(r, r.require(j, f, "children"), FieldReader::join(f, "children"));
  const auto lf = FieldReader::join(f, "layer");
  const std::int64_t layer = r.integer(r.require(j, f, "layer"), lf);
  if (layer < INT_MIN || layer > INT_MAX) r.fail(lf, fmt::format("out of range (got {})", layer));
  n.subtask.layer = static_cast<int>(layer);

  const auto tf = FieldReader::join(f, "model_templates");
  const auto sf = FieldReader::join(f, "empirical_samples_by_model");
  const json* templates = r.find(j, "model_templates");
  const json* samples = r.find(j, "empirical_samples_by_model");
  if (templates) r.object(*templates, tf);
  if (samples) r.object(*samples, sf);
  n.by_model = (templates && !templates->empty()) || (samples && !samples->empty());
  auto& profiles = n.subtask.profiles;
  if (n.by_model) {  // "template"/"empirical_samples" are then the reference's aliases: ignored
    if (templates)
      for (const auto& [model, t] : templates->items())
        profiles[model].parametric = read_template(r, t, FieldReader::join(tf, model));
    if (samples)
      for (const auto& [model, s] : samples->items())
        if (auto v = read_samples(r, s, FieldReader::join(sf, model)); !v.empty()) profiles[model].samples = std::move(v);
  } else {
    if (const json* t = r.find(j, "template"))
      profiles[single_model_id].parametric = read_template(r, *t, FieldReader::join(f, "template"));
    if (const json* s = r.find(j, "empirical_samples"))
      if (auto v = read_samples(r, *s, FieldReader::join(f, "empirical_samples")); !v.empty())
        profiles[single_model_id].samples = std::move(v);
  }
  return n;
}

/// Rule 2 of the header: distinct ids, known parents and children, children
/// exactly the inverse of parents. Cycles are left to validate_workflow.
void check_structure(const FieldReader& r, const std::vector<PoolNode>& nodes) {
  std::unordered_map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (!index.emplace(nodes[i].id, i).second)
      r.fail(FieldReader::join(FieldReader::at("nodes", i), "node_id"), fmt::format("duplicate node_id {}", nodes[i].id));
  auto lists = [](const std::vector<std::int64_t>& ids, std::int64_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    const auto pf = FieldReader::join(FieldReader::at("nodes", i), "parents");
    std::unordered_set<std::int64_t> seen;
    for (std::size_t k = 0; k < n.parents.size(); ++k) {
      const auto p = n.parents[k];
      if (p == n.id) r.fail(FieldReader::at(pf, k), "self-dependency: a node cannot be its own parent");
      if (!index.count(p)) r.fail(FieldReader::at(pf, k), fmt::format("unknown node_id {}", p));
      if (!seen.insert(p).second) r.fail(FieldReader::at(pf, k), fmt::format("duplicate parent {}", p));
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    const auto cf = FieldReader::join(FieldReader::at("nodes", i), "children");
    for (std::size_t k = 0; k < n.children.size(); ++k) {
      const auto c = n.children[k];
      if (c == n.id) r.fail(FieldReader::at(cf, k), "self-dependency: a node cannot be its own child");
      const auto it = index.find(c);
      if (it == index.end()) r.fail(FieldReader::at(cf, k), fmt::format("unknown node_id {}", c));
      if (!lists(nodes[it->second].parents, n.id))
        r.fail(FieldReader::at(cf, k), fmt::format("node {} does not list {} among its parents "
                                                   "(children must be the inverse of parents)", c, n.id));
    }
    for (const auto p : n.parents) {
      const std::size_t pi = index.at(p);
      if (!lists(nodes[pi].children, n.id))
        r.fail(FieldReader::join(FieldReader::at("nodes", pi), "children"),
               fmt::format("missing {}: node {} lists {} among its parents (children must be the inverse of parents)",
                           n.id, n.id, p));
    }
  }
}

/// Models in order of first appearance (rule 3), read from the ordered parse.
/// REQUIRES: `nodes` passed read_node, which checked the types.
std::vector<std::string> models_in_order_of_appearance(const ojson& nodes, const std::vector<PoolNode>& read,
                                                       const std::string& single_model_id) {
  std::vector<std::string> order;
  auto add = [&order](const std::string& id) {
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
  };
  for (std::size_t i = 0; i < read.size(); ++i) {
    const ojson& node = nodes[i];
    if (read[i].by_model) {
      for (const char* key : {"model_templates", "empirical_samples_by_model"})
        if (auto it = node.find(key); it != node.end())
          for (const auto& [model, value] : it->items()) add(model);
    } else if (node.contains("template") || node.contains("empirical_samples")) {
      add(single_model_id);
    }
  }
  return order;
}

Workflow parse_line_workflow(std::string_view line, const std::string& source, std::string name,
                             const PriceTable& prices, const DagPoolOptions& options) {
  const ojson ordered = parse_line(line, source);
  const json root = ordered;  // FieldReader reads nlohmann::json; `ordered` keeps the file's key order
  FieldReader r(source);
  r.object(root, "(top level)");
  Workflow wf;
  wf.name = std::move(name);
  wf.dag_kind = r.string(r.require(root, "", "dag_kind"), "dag_kind");
  const std::int64_t n_nodes = r.integer(r.require(root, "", "n_nodes"), "n_nodes");
  std::vector<std::string> model_ids;
  const json* ids = r.find(root, "model_ids");
  if (ids) {
    r.array(*ids, "model_ids");
    for (std::size_t i = 0; i < ids->size(); ++i) model_ids.push_back(r.string((*ids)[i], FieldReader::at("model_ids", i)));
  }
  const std::string single_model_id = model_ids.size() == 1 ? model_ids[0] : options.single_model_id;
  const json& nodes = r.array(r.require(root, "", "nodes"), "nodes");
  if (n_nodes != static_cast<std::int64_t>(nodes.size()))
    r.fail("n_nodes", fmt::format("{} does not match the number of nodes ({})", n_nodes, nodes.size()));
  std::vector<PoolNode> read;
  read.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i)
    read.push_back(read_node(r, nodes[i], FieldReader::at("nodes", i), single_model_id));
  check_structure(r, read);
  if (!ids) model_ids = models_in_order_of_appearance(ordered.at("nodes"), read, single_model_id);
  for (auto& id : model_ids) {
    ModelSpec m;
    m.id = std::move(id);
    // A missing price is reported by validation (with the model's id in the field).
    if (auto it = prices.find(m.id); it != prices.end()) m.usd_per_mtok_out = it->second;
    wf.models.push_back(std::move(m));
  }
  for (auto& n : read) wf.subtasks.push_back(std::move(n.subtask));
  validate_workflow(wf, source);
  return wf;
}

// -- writing --------------------------------------------------------------

/// Longest-path depth from a root (0 for roots). Throws on a cycle.
std::vector<int> depths(const Workflow& wf, const std::vector<std::vector<std::size_t>>& children,
                        const std::vector<std::vector<std::size_t>>& parents) {
  const std::size_t n = parents.size();
  std::vector<int> depth(n, 0);
  std::vector<std::size_t> waiting(n), ready;
  for (std::size_t i = 0; i < n; ++i)
    if ((waiting[i] = parents[i].size()) == 0) ready.push_back(i);
  std::size_t done = 0;
  while (!ready.empty()) {
    const std::size_t u = ready.back();
    ready.pop_back();
    ++done;
    for (const std::size_t c : children[u]) {
      depth[c] = std::max(depth[c], depth[u] + 1);
      if (--waiting[c] == 0) ready.push_back(c);
    }
  }
  if (done != n) throw std::invalid_argument(fmt::format("write_dag_pool_line: workflow \"{}\" has a dependency cycle", wf.name));
  return depth;
}

}  // namespace

std::vector<Workflow> parse_dag_pool(std::string_view text, const PriceTable& prices, const std::string& source,
                                     const DagPoolOptions& options) {
  const std::string base = std::filesystem::path(source).filename().string();
  std::vector<Workflow> out;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
    out.push_back(parse_line_workflow(line, fmt::format("{}:{}", source, line_no), fmt::format("{}:{}", base, line_no),
                                      prices, options));
  }
  return out;
}

std::vector<Workflow> read_dag_pool_file(const std::string& path, const PriceTable& prices,
                                         const DagPoolOptions& options) {
  return parse_dag_pool(json_fields::read_file(path), prices, path, options);
}

std::string write_dag_pool_line(const Workflow& wf) {
  const std::size_t n = wf.subtasks.size();
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index.emplace(wf.subtasks[i].id, i);
  std::vector<std::vector<std::size_t>> parents(n), children(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& dep : wf.subtasks[i].deps) {
      const auto it = index.find(dep);
      if (it == index.end())
        throw std::invalid_argument(fmt::format("write_dag_pool_line: subtask \"{}\" depends on unknown subtask \"{}\"",
                                                wf.subtasks[i].id, dep));
      parents[i].push_back(it->second);
      children[it->second].push_back(i);  // i ascending: children in subtask order
    }
  }
  const std::vector<int> depth = depths(wf, children, parents);

  ojson root = ojson::object();
  root["dag_kind"] = wf.dag_kind;
  root["n_nodes"] = n;
  ojson model_ids = ojson::array();
  for (const auto& m : wf.models) model_ids.push_back(m.id);
  root["model_ids"] = std::move(model_ids);
  ojson nodes = ojson::array();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = wf.subtasks[i];
    ojson node = {{"node_id", i}, {"parents", parents[i]}, {"children", children[i]},
                  {"layer", s.layer ? *s.layer : depth[i]}};
    ojson templates = ojson::object();
    ojson samples = ojson::object();
    auto add_profile = [&](const std::string& model, const Profile& p) {
      const ModelSpec* spec = wf.find_model(model);
      const double usd_per_mtok = spec && spec->usd_per_mtok_out ? *spec->usd_per_mtok_out : 0.0;
      if (p.parametric) {
        const auto& q = *p.parametric;
        templates[model] = {{"success_prob", q.p_success}, {"lat_mean", q.latency_mean_s},
                            {"lat_std", q.latency_std_s}, {"cost_mean", q.output_tokens_mean * usd_per_mtok / 1e6},
                            {"token_cost_mean", q.output_tokens_mean}};
      }
      if (!p.samples.empty()) {
        ojson list = ojson::array();
        for (const auto& x : p.samples)
          list.push_back({{"latency", x.latency_s}, {"success", x.success}, {"token_cost", x.output_tokens},
                          {"cost", static_cast<double>(x.output_tokens) * usd_per_mtok / 1e6}});
        samples[model] = std::move(list);
      }
    };
    // Profiles in the order of Workflow::models, then any of unknown models (invalid workflows).
    for (const auto& m : wf.models)
      if (auto it = s.profiles.find(m.id); it != s.profiles.end()) add_profile(m.id, it->second);
    for (const auto& [model, p] : s.profiles)
      if (!wf.find_model(model)) add_profile(model, p);
    if (!templates.empty()) node["model_templates"] = std::move(templates);
    if (!samples.empty()) node["empirical_samples_by_model"] = std::move(samples);
    nodes.push_back(std::move(node));
  }
  root["nodes"] = std::move(nodes);
  return root.dump();
}

std::string write_dag_pool(const std::vector<Workflow>& wfs) {
  std::string out;
  for (const auto& wf : wfs) {
    out += write_dag_pool_line(wf);
    out += '\n';
  }
  return out;
}

void write_dag_pool_file(const std::vector<Workflow>& wfs, const std::string& path) {
  const std::string text = write_dag_pool(wfs);  // before truncating: the writer may throw
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path, "", fmt::format("cannot write file: {}", std::strerror(errno)));
  out << text;
  if (!out) throw InputError(path, "", "write error");
}

PriceTable read_price_table_file(const std::string& path) {
  const std::string text = json_fields::read_file(path);
  std::string key;  // the top-level key being parsed, to name a number that overflows
  const json::parser_callback_t track = [&key](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) key = parsed.get<std::string>();
    return true;
  };
  json root;
  try {
    root = json::parse(text, track);
  } catch (const json::out_of_range& e) {  // a number too large for a double, e.g. 1e999
    throw InputError(path, key, fmt::format("must be a finite number ({})", json_error_detail(e.what())));
  } catch (const json::exception&) {
    json_fields::parse_json(text, path);  // throws the shared "invalid JSON at line L, column C" error
    throw;
  }
  FieldReader r(path);
  r.object(root, "(top level)");
  PriceTable table;
  for (const auto& [model, value] : root.items()) {
    const double usd_per_mtok = r.number(value, model);
    if (!std::isfinite(usd_per_mtok)) r.fail(model, fmt::format("must be a finite number (got {})", usd_per_mtok));
    if (usd_per_mtok < 0) r.fail(model, fmt::format("must not be negative (got {})", usd_per_mtok));
    table.emplace(model, usd_per_mtok);
  }
  return table;
}

}  // namespace concord
