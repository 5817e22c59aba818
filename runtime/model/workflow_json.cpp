#include "model/workflow_json.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "model/json_fields.hpp"
#include "model/validate.hpp"

namespace concord {

using json_fields::FieldReader;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

Sample read_sample(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  r.only_keys(j, f, {"latency_s", "success", "output_tokens"});
  Sample s;
  s.latency_s = r.number(r.require(j, f, "latency_s"), FieldReader::join(f, "latency_s"));
  s.success = r.boolean(r.require(j, f, "success"), FieldReader::join(f, "success"));
  s.output_tokens = r.integer(r.require(j, f, "output_tokens"), FieldReader::join(f, "output_tokens"));
  return s;
}

ParametricProfile read_parametric(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  r.only_keys(j, f, {"p_success", "latency_mean_s", "latency_std_s", "output_tokens_mean"});
  ParametricProfile p;
  p.p_success = r.number(r.require(j, f, "p_success"), FieldReader::join(f, "p_success"));
  p.latency_mean_s = r.number(r.require(j, f, "latency_mean_s"), FieldReader::join(f, "latency_mean_s"));
  p.latency_std_s = r.number(r.require(j, f, "latency_std_s"), FieldReader::join(f, "latency_std_s"));
  p.output_tokens_mean = r.number(r.require(j, f, "output_tokens_mean"), FieldReader::join(f, "output_tokens_mean"));
  return p;
}

Profile read_profile(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  r.only_keys(j, f, {"samples", "parametric"});
  Profile p;
  if (const json* s = r.find(j, "samples")) {
    const auto sf = FieldReader::join(f, "samples");
    r.array(*s, sf);
    p.samples.reserve(s->size());
    for (std::size_t i = 0; i < s->size(); ++i) p.samples.push_back(read_sample(r, (*s)[i], FieldReader::at(sf, i)));
  }
  if (const json* q = r.find(j, "parametric")) p.parametric = read_parametric(r, *q, FieldReader::join(f, "parametric"));
  return p;
}

ModelSpec read_model(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  r.only_keys(j, f, {"id", "usd_per_mtok_out", "usd_per_mtok_in", "max_tokens"});
  ModelSpec m;
  m.id = r.string(r.require(j, f, "id"), FieldReader::join(f, "id"));
  // A missing price is reported by validation (with the model's id in the field).
  if (const json* v = r.find(j, "usd_per_mtok_out")) m.usd_per_mtok_out = r.number(*v, FieldReader::join(f, "usd_per_mtok_out"));
  if (const json* v = r.find(j, "usd_per_mtok_in")) m.usd_per_mtok_in = r.number(*v, FieldReader::join(f, "usd_per_mtok_in"));
  if (const json* v = r.find(j, "max_tokens")) m.max_tokens = r.integer(*v, FieldReader::join(f, "max_tokens"));
  return m;
}

Subtask read_subtask(const FieldReader& r, const json& j, const std::string& f) {
  r.object(j, f);
  r.only_keys(j, f, {"id", "deps", "input_tokens", "label", "layer", "profiles", "prompt", "check", "time_limit_s"});
  Subtask s;
  s.id = r.string(r.require(j, f, "id"), FieldReader::join(f, "id"));
  if (const json* d = r.find(j, "deps")) {
    const auto df = FieldReader::join(f, "deps");
    r.array(*d, df);
    for (std::size_t i = 0; i < d->size(); ++i) s.deps.push_back(r.string((*d)[i], FieldReader::at(df, i)));
  }
  if (const json* v = r.find(j, "input_tokens")) s.input_tokens = r.integer(*v, FieldReader::join(f, "input_tokens"));
  if (const json* v = r.find(j, "label")) s.label = r.string(*v, FieldReader::join(f, "label"));
  if (const json* v = r.find(j, "layer")) {
    const auto lf = FieldReader::join(f, "layer");
    const std::int64_t layer = r.integer(*v, lf);
    if (layer < INT32_MIN || layer > INT32_MAX) r.fail(lf, fmt::format("out of range (got {})", layer));
    s.layer = static_cast<int>(layer);
  }
  if (const json* v = r.find(j, "prompt")) s.prompt = r.string(*v, FieldReader::join(f, "prompt"));
  if (const json* v = r.find(j, "time_limit_s")) s.time_limit_s = r.number(*v, FieldReader::join(f, "time_limit_s"));
  if (const json* c = r.find(j, "check")) {
    const auto cf = FieldReader::join(f, "check");
    r.object(*c, cf);
    r.only_keys(*c, cf, {"command", "regex", "time_limit_s"});
    OutputCheck check;
    if (const json* v = r.find(*c, "command")) check.command = r.string(*v, FieldReader::join(cf, "command"));
    if (const json* v = r.find(*c, "regex")) check.regex = r.string(*v, FieldReader::join(cf, "regex"));
    if (const json* v = r.find(*c, "time_limit_s")) check.time_limit_s = r.number(*v, FieldReader::join(cf, "time_limit_s"));
    s.check = std::move(check);
  }
  if (const json* p = r.find(j, "profiles")) {
    const auto pf = FieldReader::join(f, "profiles");
    r.object(*p, pf);
    for (const auto& [model, prof] : p->items()) s.profiles.emplace(model, read_profile(r, prof, FieldReader::join(pf, model)));
  }
  return s;
}

}  // namespace

Workflow parse_workflow_json(std::string_view text, const std::string& source) {
  const json root = json_fields::parse_json(text, source);
  FieldReader r(source);
  r.object(root, "(top level)");
  r.only_keys(root, "", {"format", "name", "description", "profile_source", "dag_kind", "budget_usd", "deadline_s", "models", "subtasks"});
  const std::string format = r.string(r.require(root, "", "format"), "format");
  if (format != kWorkflowFormat)
    r.fail("format", fmt::format("unsupported format \"{}\" (this version reads \"{}\")", format, kWorkflowFormat));
  Workflow wf;
  if (const json* v = r.find(root, "name")) wf.name = r.string(*v, "name");
  if (const json* v = r.find(root, "description")) wf.description = r.string(*v, "description");
  if (const json* v = r.find(root, "profile_source")) wf.profile_source = r.string(*v, "profile_source");
  if (const json* v = r.find(root, "dag_kind")) wf.dag_kind = r.string(*v, "dag_kind");
  if (const json* v = r.find(root, "budget_usd")) wf.budget_usd = r.number(*v, "budget_usd");
  if (const json* v = r.find(root, "deadline_s")) wf.deadline_s = r.number(*v, "deadline_s");
  const json& models = r.array(r.require(root, "", "models"), "models");
  for (std::size_t i = 0; i < models.size(); ++i) wf.models.push_back(read_model(r, models[i], FieldReader::at("models", i)));
  const json& subtasks = r.array(r.require(root, "", "subtasks"), "subtasks");
  for (std::size_t i = 0; i < subtasks.size(); ++i)
    wf.subtasks.push_back(read_subtask(r, subtasks[i], FieldReader::at("subtasks", i)));
  validate_workflow(wf, source);
  return wf;
}

Workflow read_workflow_file(const std::string& path) { return parse_workflow_json(json_fields::read_file(path), path); }

std::string write_workflow_json(const Workflow& wf) {
  ojson root = ojson::object();
  root["format"] = kWorkflowFormat;
  if (!wf.name.empty()) root["name"] = wf.name;
  if (!wf.description.empty()) root["description"] = wf.description;
  if (!wf.profile_source.empty()) root["profile_source"] = wf.profile_source;
  if (!wf.dag_kind.empty()) root["dag_kind"] = wf.dag_kind;
  if (wf.budget_usd) root["budget_usd"] = *wf.budget_usd;
  if (wf.deadline_s) root["deadline_s"] = *wf.deadline_s;
  ojson models = ojson::array();
  for (const auto& m : wf.models) {
    ojson jm = {{"id", m.id}};
    if (m.usd_per_mtok_out) jm["usd_per_mtok_out"] = *m.usd_per_mtok_out;
    if (m.usd_per_mtok_in) jm["usd_per_mtok_in"] = *m.usd_per_mtok_in;
    if (m.max_tokens) jm["max_tokens"] = *m.max_tokens;
    models.push_back(std::move(jm));
  }
  root["models"] = std::move(models);
  ojson subtasks = ojson::array();
  for (const auto& s : wf.subtasks) {
    ojson js = {{"id", s.id}, {"deps", s.deps}};
    if (!s.label.empty()) js["label"] = s.label;
    if (s.input_tokens) js["input_tokens"] = s.input_tokens;
    if (s.layer) js["layer"] = *s.layer;
    if (!s.prompt.empty()) js["prompt"] = s.prompt;
    if (s.time_limit_s) js["time_limit_s"] = *s.time_limit_s;
    if (s.check) {
      ojson jc = ojson::object();
      if (!s.check->command.empty()) jc["command"] = s.check->command;
      if (!s.check->regex.empty()) jc["regex"] = s.check->regex;
      jc["time_limit_s"] = s.check->time_limit_s;
      js["check"] = std::move(jc);
    }
    ojson profiles = ojson::object();
    for (const auto& [model, p] : s.profiles) {
      ojson jp = ojson::object();
      if (!p.samples.empty()) {
        ojson samples = ojson::array();
        for (const auto& x : p.samples)
          samples.push_back({{"latency_s", x.latency_s}, {"success", x.success}, {"output_tokens", x.output_tokens}});
        jp["samples"] = std::move(samples);
      }
      if (p.parametric) {
        const auto& q = *p.parametric;
        jp["parametric"] = {{"p_success", q.p_success}, {"latency_mean_s", q.latency_mean_s},
                            {"latency_std_s", q.latency_std_s}, {"output_tokens_mean", q.output_tokens_mean}};
      }
      profiles[model] = std::move(jp);
    }
    js["profiles"] = std::move(profiles);
    subtasks.push_back(std::move(js));
  }
  root["subtasks"] = std::move(subtasks);
  return json_fields::pretty_dump(root);
}

void write_workflow_file(const Workflow& wf, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path, "", fmt::format("cannot write file: {}", std::strerror(errno)));
  out << write_workflow_json(wf);
  if (!out) throw InputError(path, "", "write error");
}

}  // namespace concord
