// Subtasks with content (issue 12): prompt templates over the parents' outputs, checks, time
// limits — parsed, validated by field, written back, and rendered.
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <map>

#include <nlohmann/json.hpp>

#include "model/input_error.hpp"
#include "model/prompt_template.hpp"
#include "model/workflow_json.hpp"
#include "sim/flat_workflow.hpp"

namespace concord {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json with_content() {
  return json::parse(R"({
    "format": "concord.workflow/1",
    "name": "content",
    "models": [{"id": "m", "usd_per_mtok_out": 1.5, "max_tokens": 100}],
    "subtasks": [
      {"id": "plan", "deps": [], "prompt": "Plan a function.",
       "profiles": {"m": {"parametric": {"p_success": 0.5, "latency_mean_s": 2, "latency_std_s": 1, "output_tokens_mean": 10}}}},
      {"id": "code", "deps": ["plan"], "prompt": "Implement: {{ plan }}\nThen stop.", "time_limit_s": 30,
       "check": {"command": "python3 -c 'import sys; sys.exit(0)'", "time_limit_s": 5},
       "profiles": {"m": {"parametric": {"p_success": 0.5, "latency_mean_s": 2, "latency_std_s": 1, "output_tokens_mean": 10}}}},
      {"id": "review", "deps": ["code"], "prompt": "{{code}}", "check": {"regex": "^ok( [0-9]+)?$"},
       "profiles": {"m": {"parametric": {"p_success": 0.5, "latency_mean_s": 2, "latency_std_s": 1, "output_tokens_mean": 10}}}}
    ]})");
}

std::string error_of(const json& doc) {
  try {
    parse_workflow_json(doc.dump(), "wf.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PromptTemplate, ReplacesEachReferenceByItsOutputAndKeepsEverythingElse) {
  const std::map<std::string, std::string> out{{"a", "A!"}, {"b-2", "B"}};
  auto of = [&](const std::string& id) -> const std::string* {
    auto it = out.find(id);
    return it == out.end() ? nullptr : &it->second;
  };
  EXPECT_EQ(render_prompt("x {{a}} y {{ b-2 }} {{a}}", of), "x A! y B A!");
  EXPECT_EQ(render_prompt("{{unknown}}.", of), ".");
  // Not references: kept as written.
  EXPECT_EQ(render_prompt("{{ }} {{a b}} {{a", of), "{{ }} {{a b}} {{a");
  EXPECT_EQ(render_prompt("{", of), "{");
  EXPECT_EQ(render_prompt("", of), "");
  EXPECT_EQ(prompt_references("{{a}}{{b}} {{a}}"), (std::vector<std::string>{"a", "b", "a"}));
}

TEST(SubtaskContent, ParsesWritesBackAndReachesTheFlatWorkflow) {
  const Workflow wf = parse_workflow_json(with_content().dump(), "wf.json");
  const Subtask& code = wf.subtasks[1];
  EXPECT_EQ(code.prompt, "Implement: {{ plan }}\nThen stop.");
  ASSERT_TRUE(code.check);
  EXPECT_EQ(code.check->command, "python3 -c 'import sys; sys.exit(0)'");
  EXPECT_DOUBLE_EQ(code.check->time_limit_s, 5);
  ASSERT_TRUE(code.time_limit_s);
  EXPECT_DOUBLE_EQ(*code.time_limit_s, 30);
  EXPECT_EQ(wf.subtasks[2].check->regex, "^ok( [0-9]+)?$");
  EXPECT_EQ(parse_workflow_json(write_workflow_json(wf), "again.json"), wf);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  EXPECT_TRUE(flat.has_content());
  EXPECT_EQ(flat.content(1).prompt, code.prompt);
  EXPECT_DOUBLE_EQ(flat.content(1).time_limit_s, 30);
  // A file without content is what it was (backward compatible).
  auto plain = with_content();
  for (auto& s : plain["subtasks"]) s.erase("prompt"), s.erase("check"), s.erase("time_limit_s");
  EXPECT_FALSE(FlatWorkflow::compile(parse_workflow_json(plain.dump(), "p.json")).has_content());
}

TEST(SubtaskContent, RefusesAReferenceToANonParentNamingTheField) {
  auto doc = with_content();
  doc["subtasks"][2]["prompt"] = "{{plan}} and {{code}}";  // plan is a grandparent
  EXPECT_THAT(error_of(doc), HasSubstr("subtasks[2] \"review\".prompt: {{plan}} is not one of the subtask's deps"));
}

TEST(SubtaskContent, RefusesABadCheckNamingTheField) {
  auto doc = with_content();
  doc["subtasks"][2]["check"] = {{"regex", "(unclosed"}};
  EXPECT_THAT(error_of(doc), HasSubstr("subtasks[2] \"review\".check.regex: does not compile"));
  doc["subtasks"][2]["check"] = {{"regex", "a"}, {"command", "true"}};
  EXPECT_THAT(error_of(doc), HasSubstr("check: give exactly one of \"command\" and \"regex\""));
  doc["subtasks"][2]["check"] = json::object();
  EXPECT_THAT(error_of(doc), HasSubstr("check: give exactly one of"));
  doc["subtasks"][2]["check"] = {{"command", "true"}, {"time_limit_s", 0}};
  EXPECT_THAT(error_of(doc), HasSubstr("check.time_limit_s: must be in (0,"));
  doc["subtasks"][2]["check"] = {{"command", "true"}, {"shell", "bash"}};
  EXPECT_THAT(error_of(doc), HasSubstr("check"));
  doc = with_content();
  doc["subtasks"][1]["time_limit_s"] = -1;
  EXPECT_THAT(error_of(doc), HasSubstr("subtasks[1] \"code\".time_limit_s: must be in (0,"));
  doc = with_content();
  doc["subtasks"][0]["prompt"] = 7;
  EXPECT_THAT(error_of(doc), HasSubstr("prompt: expected a string"));
}

}  // namespace
}  // namespace concord
