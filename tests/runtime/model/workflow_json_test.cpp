// The Concord workflow file: lossless round trips and a clear error (file, field,
// reason) for every kind of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/input_error.hpp"
#include "model/validate.hpp"
#include "model/workflow_json.hpp"
#include "sim/rng.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json minimal() {
  return json::parse(R"({
    "format": "concord.workflow/1",
    "name": "tiny",
    "models": [{"id": "m", "usd_per_mtok_out": 1.5}],
    "subtasks": [
      {"id": "a", "deps": [], "profiles": {"m": {"samples": [{"latency_s": 1.0, "success": true, "output_tokens": 10}]}}},
      {"id": "b", "deps": ["a"], "profiles": {"m": {"parametric": {"p_success": 0.5, "latency_mean_s": 2, "latency_std_s": 1, "output_tokens_mean": 100}}}}
    ]})");
}

/// The InputError message for `doc`, or "" if it parsed.
std::string error_of(const std::string& text) {
  try {
    parse_workflow_json(text, "wf.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
std::string error_of(const json& doc) { return error_of(doc.dump()); }

TEST(WorkflowJson, MinimalFileParses) {
  const Workflow wf = parse_workflow_json(minimal().dump(), "wf.json");
  EXPECT_EQ(wf.name, "tiny");
  ASSERT_EQ(wf.subtasks.size(), 2u);
  EXPECT_EQ(wf.subtasks[1].deps, std::vector<std::string>{"a"});
  EXPECT_DOUBLE_EQ(*wf.models[0].usd_per_mtok_out, 1.5);
  EXPECT_EQ(wf.subtasks[0].profiles.at("m").samples[0].output_tokens, 10);
  EXPECT_DOUBLE_EQ(wf.subtasks[1].profiles.at("m").parametric->p_success, 0.5);
}

TEST(WorkflowJson, RejectsACycleNamingIt) {
  json d = minimal();
  d["subtasks"][0]["deps"] = {"b"};
  EXPECT_THAT(error_of(d), HasSubstr("wf.json: subtasks: dependency cycle: "));
  EXPECT_THAT(error_of(d), AnyOf(HasSubstr("a -> b -> a"), HasSubstr("b -> a -> b")));
}

TEST(WorkflowJson, RejectsASelfDependency) {
  json d = minimal();
  d["subtasks"][1]["deps"] = {"b"};
  EXPECT_THAT(error_of(d), HasSubstr("wf.json: subtasks[1] \"b\".deps[0]: self-dependency"));
}

TEST(WorkflowJson, RejectsADanglingDependency) {
  json d = minimal();
  d["subtasks"][1]["deps"] = {"zz"};
  EXPECT_THAT(error_of(d), HasSubstr("wf.json: subtasks[1] \"b\".deps[0]: unknown subtask \"zz\""));
}

TEST(WorkflowJson, RejectsDuplicateIds) {
  json d = minimal();
  d["subtasks"][1]["id"] = "a";
  d["subtasks"][1]["deps"] = json::array();
  EXPECT_THAT(error_of(d), HasSubstr("subtasks[1] \"a\".id: duplicate subtask id"));
  json e = minimal();
  e["models"].push_back({{"id", "m"}, {"usd_per_mtok_out", 2}});
  EXPECT_THAT(error_of(e), HasSubstr("models[1] \"m\".id: duplicate model id"));
  json f = minimal();
  f["subtasks"][1]["deps"] = {"a", "a"};
  EXPECT_THAT(error_of(f), HasSubstr("subtasks[1] \"b\".deps[1]: duplicate dependency \"a\""));
}

TEST(WorkflowJson, RejectsAModelWithoutAPrice) {
  json d = minimal();
  d["models"][0].erase("usd_per_mtok_out");
  EXPECT_THAT(error_of(d), HasSubstr("wf.json: models[0] \"m\".usd_per_mtok_out: missing: every model needs a price"));
}

TEST(WorkflowJson, RejectsAProfileForAnUnknownModel) {
  json d = minimal();
  d["subtasks"][0]["profiles"]["ghost"] = d["subtasks"][0]["profiles"]["m"];
  EXPECT_THAT(error_of(d), HasSubstr("subtasks[0] \"a\".profiles.ghost: profile for unknown model \"ghost\""));
}

TEST(WorkflowJson, RejectsNegativeNumbers) {
  json d = minimal();
  d["subtasks"][0]["profiles"]["m"]["samples"][0]["latency_s"] = -1;
  EXPECT_THAT(error_of(d), HasSubstr("subtasks[0] \"a\".profiles.m.samples[0].latency_s: must not be negative (got -1)"));
  json e = minimal();
  e["models"][0]["usd_per_mtok_out"] = -0.5;
  EXPECT_THAT(error_of(e), HasSubstr("models[0] \"m\".usd_per_mtok_out: must not be negative"));
  json f = minimal();
  f["subtasks"][0]["profiles"]["m"]["samples"][0]["output_tokens"] = -3;
  EXPECT_THAT(error_of(f), HasSubstr("samples[0].output_tokens: must not be negative (got -3)"));
  json g = minimal();
  g["budget_usd"] = -2;
  EXPECT_THAT(error_of(g), HasSubstr("wf.json: budget_usd: must not be negative"));
}

TEST(WorkflowJson, RejectsNonFiniteNumbers) {
  std::string text = minimal().dump();
  const std::string from = "\"latency_mean_s\":2";
  text.replace(text.find(from), from.size(), "\"latency_mean_s\":1e999");
  EXPECT_THAT(error_of(text), HasSubstr("wf.json: invalid JSON: [json.exception.out_of_range.406] number overflow"));
  // Built in code (JSON cannot spell them), NaN and infinity are named by validation.
  Workflow wf = parse_workflow_json(minimal().dump(), "wf.json");
  wf.subtasks[1].profiles["m"].parametric->latency_mean_s = std::numeric_limits<double>::infinity();
  wf.models[0].usd_per_mtok_out = std::nan("");
  std::string all;
  for (const auto& issue : find_workflow_issues(wf)) all += format_issue("wf", issue) + "\n";
  EXPECT_THAT(all, HasSubstr("wf: subtasks[1] \"b\".profiles.m.parametric.latency_mean_s: must be a finite number (got inf)"));
  EXPECT_THAT(all, HasSubstr("wf: models[0] \"m\".usd_per_mtok_out: must be a finite number"));
}

TEST(WorkflowJson, RejectsAProbabilityAboveOne) {
  json d = minimal();
  d["subtasks"][1]["profiles"]["m"]["parametric"]["p_success"] = 1.2;
  EXPECT_THAT(error_of(d), HasSubstr("parametric.p_success: must be at most 1"));
}

TEST(WorkflowJson, RejectsUnknownFieldsSoTyposAreNotIgnored) {
  json d = minimal();
  d["subtasks"][0]["dependencies"] = {"x"};
  EXPECT_THAT(error_of(d), HasSubstr("wf.json: subtasks[0].dependencies: unknown field (expected one of: id, deps"));
}

TEST(WorkflowJson, RejectsWrongTypesAndMissingFields) {
  json d = minimal();
  d["subtasks"][0]["deps"] = "a";
  EXPECT_THAT(error_of(d), HasSubstr("subtasks[0].deps: expected an array, got string"));
  json e = minimal();
  e["subtasks"][0].erase("id");
  EXPECT_THAT(error_of(e), HasSubstr("subtasks[0].id: missing required field"));
  json f = minimal();
  f["subtasks"][0]["profiles"]["m"]["samples"][0]["output_tokens"] = 1.5;
  EXPECT_THAT(error_of(f), HasSubstr("samples[0].output_tokens: expected an integer, got 1.5"));
  json g = minimal();
  g.erase("format");
  EXPECT_THAT(error_of(g), HasSubstr("wf.json: format: missing required field"));
  json h = minimal();
  h["format"] = "concord.workflow/9";
  EXPECT_THAT(error_of(h), HasSubstr("format: unsupported format"));
}

TEST(WorkflowJson, RejectsASubtaskNoModelCanRun) {
  json d = minimal();
  d["subtasks"][0]["profiles"] = json::object();
  EXPECT_THAT(error_of(d), HasSubstr("subtasks[0] \"a\".profiles: empty: no model can run this subtask"));
}

TEST(WorkflowJson, ReportsSyntaxErrorsWithLineAndColumn) {
  EXPECT_THAT(error_of(std::string("{\n  \"format\": \"concord.workflow/1\",\n  \"models\": [,]\n}")),
              HasSubstr("wf.json: invalid JSON at line 3, column 14"));
}

TEST(WorkflowJson, ReportsEveryProblemNotJustTheFirst) {
  json d = minimal();
  d["models"][0].erase("usd_per_mtok_out");
  d["subtasks"][1]["deps"] = {"zz"};
  const std::string msg = error_of(d);
  EXPECT_THAT(msg, HasSubstr("usd_per_mtok_out: missing"));
  EXPECT_THAT(msg, HasSubstr("unknown subtask \"zz\""));
}

TEST(WorkflowJson, MissingFileIsAnInputErrorNamingIt) {
  try {
    read_workflow_file("/nonexistent/wf.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("/nonexistent/wf.json: cannot open file"));
  }
}

Workflow random_workflow(std::uint64_t seed) {
  Rng rng(seed);
  Workflow wf;
  wf.name = "random-" + std::to_string(seed);
  wf.description = "ünïcode \"quoted\" \\ text";
  wf.profile_source = "synthetic";
  if (rng.bernoulli(0.5)) wf.budget_usd = rng.uniform() * 10;
  if (rng.bernoulli(0.5)) wf.deadline_s = rng.uniform() * 100;
  const int nm = 1 + static_cast<int>(rng.below(3));
  for (int m = 0; m < nm; ++m) {
    ModelSpec spec = testing::model("model/" + std::to_string(m), rng.uniform() * 3);
    if (rng.bernoulli(0.5)) spec.usd_per_mtok_in = rng.uniform();
    if (rng.bernoulli(0.5)) spec.max_tokens = static_cast<std::int64_t>(rng.below(100000)) + 1;
    wf.models.push_back(spec);
  }
  const int n = 1 + static_cast<int>(rng.below(10));
  for (int i = 0; i < n; ++i) {
    Subtask s;
    s.id = "t" + std::to_string(i);
    for (int j = 0; j < i; ++j)
      if (rng.bernoulli(0.3)) s.deps.push_back("t" + std::to_string(j));
    s.label = "label " + std::to_string(rng.next());
    s.input_tokens = static_cast<std::int64_t>(rng.below(1000));
    if (rng.bernoulli(0.5)) s.layer = static_cast<int>(rng.below(5));
    for (const auto& m : wf.models) {
      Profile& p = s.profiles[m.id];
      const int count = static_cast<int>(rng.below(5));
      for (int k = 0; k < count; ++k)
        p.samples.push_back({rng.uniform() * 30 + 1e-7 * rng.uniform(), rng.bernoulli(0.5), static_cast<std::int64_t>(rng.below(1u << 20))});
      if (count == 0 || rng.bernoulli(0.5)) p.parametric = ParametricProfile{rng.uniform(), rng.uniform() * 9, rng.uniform(), rng.uniform() * 5000};
    }
    wf.subtasks.push_back(std::move(s));
  }
  validate_workflow(wf, "random");
  return wf;
}

TEST(WorkflowJson, RoundTripIsLossless) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const Workflow wf = random_workflow(seed);
    const std::string text = write_workflow_json(wf);
    const Workflow back = parse_workflow_json(text, "roundtrip");
    ASSERT_EQ(back, wf) << "seed " << seed;         // every double bit-exact, every field kept
    ASSERT_EQ(write_workflow_json(back), text);     // and the text is stable
  }
}

}  // namespace
}  // namespace concord
