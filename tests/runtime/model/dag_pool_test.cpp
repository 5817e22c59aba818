// Tests of the MCPP DAG-pool JSONL reader and writer (runtime/model/dag_pool.hpp).
#include "model/dag_pool.hpp"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/input_error.hpp"
#include "sim/rng.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::ordered_json;  // keeps key order: models are listed in order of appearance

// A valid line: 4 nodes (0 -> 1, 0 -> 2, {1, 2} -> 3), two models, templates and samples.
constexpr std::string_view kLine =
    R"({"dag_kind":"diamond","n_nodes":4,"nodes":[)"
    R"({"node_id":0,"parents":[],"children":[1,2],"layer":0,"model_templates":{)"
    R"("kimina7b":{"success_prob":0.5,"lat_mean":20.0,"lat_std":4.0,"cost_mean":900},)"
    R"("goedel8b":{"success_prob":0.75,"lat_mean":30.5,"lat_std":6.25,"cost_mean":0.001,"token_cost_mean":1200.5}}},)"
    R"({"node_id":1,"parents":[0],"children":[3],"layer":1,"empirical_samples_by_model":{"goedel8b":[)"
    R"({"latency":10.5,"success":true,"token_cost":300,"cost":0.00021},)"
    R"({"latency":11.0,"success":0,"token_cost":299.6,"cost":0.00021},)"
    R"({"latency":12.25,"success":1,"token_cost":0}]}},)"
    R"({"node_id":2,"parents":[0],"children":[3],"layer":1,"model_templates":{)"
    R"("goedel8b":{"success_prob":1,"lat_mean":5,"lat_std":0,"cost_mean":50}}},)"
    R"({"node_id":3,"parents":[2,1],"children":[],"layer":2,"model_templates":{)"
    R"("kimina7b":{"success_prob":0.25,"lat_mean":8,"lat_std":1,"cost_mean":70}}}]})";

std::vector<Workflow> parse(std::string_view text, const DagPoolOptions& options = {}) {
  return parse_dag_pool(text, paper_price_table(), "pools/pool.jsonl", options);
}

/// what() of the InputError thrown by parsing `text`, or "" when it parses.
std::string error_of(std::string_view text, const PriceTable& prices = paper_price_table()) {
  try {
    parse_dag_pool(text, prices, "pool.jsonl");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

/// kLine after `edit`, as the second line of a file (so errors must name line 2).
template <class Edit>
std::string edited(Edit edit) {
  json j = json::parse(std::string(kLine));
  edit(j);
  return std::string(kLine) + "\n" + j.dump() + "\n";
}

std::vector<Workflow> without_names(std::vector<Workflow> wfs) {
  for (auto& wf : wfs) wf.name.clear();
  return wfs;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "concord_dag_pool_" + name; }

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// -- reading ----------------------------------------------------------------

TEST(DagPoolRead, MapsNodesToSubtasksWithDecimalIdsParentsAndLayers) {
  const auto wfs = parse(kLine);
  ASSERT_EQ(wfs.size(), 1u);
  const Workflow& wf = wfs[0];
  EXPECT_EQ(wf.name, "pool.jsonl:1");
  EXPECT_EQ(wf.dag_kind, "diamond");
  ASSERT_EQ(wf.subtasks.size(), 4u);
  EXPECT_EQ(wf.subtasks[0].id, "0");
  EXPECT_TRUE(wf.subtasks[0].deps.empty());
  EXPECT_EQ(wf.subtasks[3].id, "3");
  EXPECT_EQ(wf.subtasks[3].deps, (std::vector<std::string>{"2", "1"}));  // file order kept
  EXPECT_EQ(wf.subtasks[0].layer, 0);
  EXPECT_EQ(wf.subtasks[3].layer, 2);
  EXPECT_TRUE(wf.description.empty());
  EXPECT_TRUE(wf.profile_source.empty());
}

TEST(DagPoolRead, ListsModelsInOrderOfFirstAppearanceInTheFileWithTablePrices) {
  const Workflow wf = parse(kLine)[0];
  ASSERT_EQ(wf.models.size(), 2u);
  EXPECT_EQ(wf.models[0], testing::model("kimina7b", 0.5));  // file order, not alphabetical
  EXPECT_EQ(wf.models[1], testing::model("goedel8b", 0.7));
}

TEST(DagPoolRead, ModelIdsGiveTheModelOrderWhenPresent) {
  const auto text = edited([](json& j) { j["model_ids"] = {"goedel8b", "kimina7b", "goedel32b"}; });
  const Workflow wf = parse(text)[1];
  ASSERT_EQ(wf.models.size(), 3u);
  EXPECT_EQ(wf.models[0].id, "goedel8b");
  EXPECT_EQ(wf.models[1].id, "kimina7b");
  EXPECT_EQ(wf.models[2], testing::model("goedel32b", 2.8));
}

TEST(DagPoolRead, TemplatesBecomeParametricProfilesWithTokenCostMeanPreferredOverCostMean) {
  const Workflow wf = parse(kLine)[0];
  const auto& p0 = wf.subtasks[0].profiles;
  ASSERT_TRUE(p0.at("goedel8b").parametric);
  EXPECT_EQ(*p0.at("goedel8b").parametric, (ParametricProfile{0.75, 30.5, 6.25, 1200.5}));
  ASSERT_TRUE(p0.at("kimina7b").parametric);
  EXPECT_EQ(*p0.at("kimina7b").parametric, (ParametricProfile{0.5, 20.0, 4.0, 900.0}));  // cost_mean in tokens
  EXPECT_TRUE(p0.at("kimina7b").samples.empty());
}

TEST(DagPoolRead, SamplesAcceptZeroOneSuccessRoundFloatTokenCostsAndIgnoreCost) {
  const Workflow wf = parse(kLine)[0];
  const Profile& p = wf.subtasks[1].profiles.at("goedel8b");
  EXPECT_FALSE(p.parametric);
  EXPECT_EQ(p.samples, (std::vector<Sample>{{10.5, true, 300}, {11.0, false, 300}, {12.25, true, 0}}));
}

TEST(DagPoolRead, SkipsBlankLinesAndNamesWorkflowsByBasenameAndLineNumber) {
  const std::string text = "\n" + std::string(kLine) + "\r\n   \n\t\n" + std::string(kLine);  // no final newline
  const auto wfs = parse(text);
  ASSERT_EQ(wfs.size(), 2u);
  EXPECT_EQ(wfs[0].name, "pool.jsonl:2");
  EXPECT_EQ(wfs[1].name, "pool.jsonl:5");
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("\n  \n").empty());
}

TEST(DagPoolRead, IgnoresUnknownKeysAtEveryLevel) {
  const auto text = edited([](json& j) {
    j["generator"] = {{"seed", 3}};
    j["nodes"][0]["legacy_template_model"] = "goedel8b";
    j["nodes"][0]["rollout_success_rate"] = 0.5;
    j["nodes"][0]["model_templates"]["goedel8b"]["extra"] = "x";
    j["nodes"][1]["empirical_samples_by_model"]["goedel8b"][0]["total_latency_sec"] = 9;
  });
  const auto wfs = parse(text);
  EXPECT_EQ(without_names({wfs[1]}), without_names({wfs[0]}));
}

TEST(DagPoolRead, SingleModelFormUsesTheOptionsModelId) {
  constexpr std::string_view line =
      R"({"dag_kind":"chain","n_nodes":2,"nodes":[)"
      R"({"node_id":0,"parents":[],"children":[1],"layer":0,)"
      R"("template":{"success_prob":0.5,"lat_mean":3,"lat_std":1,"cost_mean":400}},)"
      R"({"node_id":1,"parents":[0],"children":[],"layer":1,)"
      R"("empirical_samples":[{"latency":2,"success":true,"token_cost":150}]}]})";
  DagPoolOptions options;
  options.single_model_id = "30B_ins";
  const Workflow wf = parse(line, options)[0];
  ASSERT_EQ(wf.models.size(), 1u);
  EXPECT_EQ(wf.models[0], testing::model("30B_ins", 0.8));
  EXPECT_EQ(*wf.subtasks[0].profiles.at("30B_ins").parametric, (ParametricProfile{0.5, 3, 1, 400}));
  EXPECT_EQ(wf.subtasks[1].profiles.at("30B_ins").samples, (std::vector<Sample>{{2, true, 150}}));

  // Without an option the model is "default", which has no price.
  EXPECT_THAT(error_of(line), HasSubstr("pool.jsonl:1: models[0] \"default\".usd_per_mtok_out: missing"));
}

TEST(DagPoolRead, SingleModelFormUsesTheOnlyModelIdWhenModelIdsHasOneEntry) {
  const std::string line =
      R"({"dag_kind":"chain","n_nodes":1,"model_ids":["4B_think"],"nodes":[)"
      R"({"node_id":0,"parents":[],"children":[],"layer":0,)"
      R"("template":{"success_prob":0.5,"lat_mean":3,"lat_std":1,"cost_mean":400}}]})";
  const Workflow wf = parse(line)[0];
  ASSERT_EQ(wf.models.size(), 1u);
  EXPECT_EQ(wf.models[0], testing::model("4B_think", 1.26));
  EXPECT_TRUE(wf.subtasks[0].profiles.count("4B_think"));
}

TEST(DagPoolRead, TemplateAliasIsIgnoredOnNodesWithByModelData) {
  // The reference writes "template" next to model_templates as a copy of one model's template.
  const auto text = edited([](json& j) {
    for (auto& node : j["nodes"]) node["template"] = {{"success_prob", 0.1}, {"lat_mean", 1}, {"lat_std", 1}, {"cost_mean", 1}};
    j["nodes"][1]["empirical_samples"] = json::array({{{"latency", 1}, {"success", true}, {"token_cost", 1}}});
  });
  const auto wfs = parse(text);
  EXPECT_EQ(wfs[1].models, wfs[0].models);  // no "default" model
  EXPECT_EQ(wfs[1].subtasks, wfs[0].subtasks);
}

TEST(DagPoolRead, ReadsAFileAndNamesWorkflowsByItsBasename) {
  const std::string path = temp_path("read.jsonl");
  write_text(path, std::string(kLine) + "\n\n" + std::string(kLine) + "\n");
  const auto wfs = read_dag_pool_file(path, paper_price_table());
  ASSERT_EQ(wfs.size(), 2u);
  EXPECT_EQ(wfs[0].name, "concord_dag_pool_read.jsonl:1");
  EXPECT_EQ(wfs[1].name, "concord_dag_pool_read.jsonl:3");
}

// -- errors: each names the line, the field and the reason --------------------

TEST(DagPoolErrors, InvalidJsonNamesLineAndColumn) {
  const std::string text = std::string(kLine) + "\n\n" + R"({"dag_kind": nul})" + "\n";
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:3: invalid JSON at column 17: syntax error"));
}

TEST(DagPoolErrors, PythonInfinityIsInvalidJson) {
  std::string bad(kLine);
  bad.replace(bad.find("\"lat_mean\":20.0"), 15, "\"lat_mean\":Infinity");
  EXPECT_THAT(error_of(std::string(kLine) + "\n" + bad), HasSubstr("pool.jsonl:2: invalid JSON at column 158"));
}

TEST(DagPoolErrors, NumberOverflowIsInvalidJson) {
  std::string text = std::string(kLine);
  text.replace(text.find("\"lat_mean\":20.0"), 15, "\"lat_mean\":1e999");
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:1: invalid JSON: number overflow parsing '1e999'"));
}

TEST(DagPoolErrors, TopLevelMustBeAnObject) {
  EXPECT_THAT(error_of("[1, 2]"), HasSubstr("pool.jsonl:1: (top level): expected an object, got array"));
}

TEST(DagPoolErrors, NNodesMustMatchTheNumberOfNodes) {
  const auto text = edited([](json& j) { j["n_nodes"] = 5; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: n_nodes: 5 does not match the number of nodes (4)"));
}

TEST(DagPoolErrors, ChildNotListingTheParentIsRejected) {
  const auto text = edited([](json& j) { j["nodes"][1]["children"] = {3, 2}; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[1].children[1]: node 2 does not list 1 among its parents "
                                        "(children must be the inverse of parents)"));
}

TEST(DagPoolErrors, ParentNotListingTheChildIsRejected) {
  const auto text = edited([](json& j) { j["nodes"][0]["children"] = {1}; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[0].children: missing 2: node 2 lists 0 among its parents "
                                        "(children must be the inverse of parents)"));
}

TEST(DagPoolErrors, UnknownParentIdIsRejected) {
  const auto text = edited([](json& j) { j["nodes"][3]["parents"] = {2, 7}; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[3].parents[1]: unknown node_id 7"));
}

TEST(DagPoolErrors, UnknownChildIdIsRejected) {
  const auto text = edited([](json& j) { j["nodes"][3]["children"] = {9}; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[3].children[0]: unknown node_id 9"));
}

TEST(DagPoolErrors, DuplicateNodeIdIsRejected) {
  const auto text = edited([](json& j) { j["nodes"][2]["node_id"] = 1; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[2].node_id: duplicate node_id 1"));
}

TEST(DagPoolErrors, SelfDependencyIsRejected) {
  const auto text = edited([](json& j) {
    j["nodes"][2]["parents"] = {0, 2};
    j["nodes"][2]["children"] = {3, 2};
  });
  EXPECT_THAT(error_of(text),
              HasSubstr("pool.jsonl:2: nodes[2].parents[1]: self-dependency: a node cannot be its own parent"));
}

TEST(DagPoolErrors, CycleIsRejectedByValidation) {
  const auto text = edited([](json& j) {  // 1 -> 3 -> 1, consistent in both directions
    j["nodes"][1]["parents"] = {0, 3};
    j["nodes"][3]["children"] = {1};
  });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: subtasks: dependency cycle:"));
}

TEST(DagPoolErrors, ModelMissingFromThePriceTableIsReported) {
  PriceTable prices = paper_price_table();
  prices.erase("goedel8b");
  EXPECT_THAT(error_of(kLine, prices),
              HasSubstr("pool.jsonl:1: models[1] \"goedel8b\".usd_per_mtok_out: missing: every model needs a price"));
}

TEST(DagPoolErrors, NegativeLatencyIsRejected) {
  const auto text = edited([](json& j) { j["nodes"][1]["empirical_samples_by_model"]["goedel8b"][2]["latency"] = -1.5; });
  EXPECT_THAT(error_of(text),
              HasSubstr("pool.jsonl:2: nodes[1].empirical_samples_by_model.goedel8b[2].latency: must not be negative "
                        "(got -1.5)"));
}

TEST(DagPoolErrors, NegativeTemplateNumbersAndProbabilitiesAboveOneAreRejected) {
  auto text = edited([](json& j) { j["nodes"][0]["model_templates"]["kimina7b"]["lat_std"] = -2; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[0].model_templates.kimina7b.lat_std: must not be negative"));
  text = edited([](json& j) { j["nodes"][2]["model_templates"]["goedel8b"]["success_prob"] = 1.5; });
  EXPECT_THAT(error_of(text),
              HasSubstr("pool.jsonl:2: nodes[2].model_templates.goedel8b.success_prob: must be at most 1 (got 1.5)"));
  text = edited([](json& j) { j["nodes"][1]["empirical_samples_by_model"]["goedel8b"][0]["token_cost"] = -3; });
  EXPECT_THAT(error_of(text),
              HasSubstr("pool.jsonl:2: nodes[1].empirical_samples_by_model.goedel8b[0].token_cost: must not be negative"));
}

TEST(DagPoolErrors, MissingRequiredKeysAreNamed) {
  auto text = edited([](json& j) { j["nodes"][1].erase("node_id"); });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[1].node_id: missing required field"));
  text = edited([](json& j) { j.erase("dag_kind"); });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: dag_kind: missing required field"));
  text = edited([](json& j) { j["nodes"][3].erase("layer"); });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[3].layer: missing required field"));
  text = edited([](json& j) { j["nodes"][0]["model_templates"]["goedel8b"].erase("cost_mean"); });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[0].model_templates.goedel8b.cost_mean: missing required field"));
  text = edited([](json& j) { j["nodes"][1]["empirical_samples_by_model"]["goedel8b"][1].erase("token_cost"); });
  EXPECT_THAT(error_of(text),
              HasSubstr("pool.jsonl:2: nodes[1].empirical_samples_by_model.goedel8b[1].token_cost: missing required field"));
}

TEST(DagPoolErrors, WrongTypesAreNamedWithTheJsonPath) {
  auto text = edited([](json& j) { j["nodes"][1]["empirical_samples_by_model"]["goedel8b"][2]["latency"] = "slow"; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[1].empirical_samples_by_model.goedel8b[2].latency: "
                                        "expected a number, got string"));
  text = edited([](json& j) { j["nodes"][2]["parents"] = "0"; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[2].parents: expected an array, got string"));
  text = edited([](json& j) { j["nodes"][0]["node_id"] = 0.5; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[0].node_id: expected an integer, got 0.5"));
  text = edited([](json& j) { j["nodes"][1]["empirical_samples_by_model"]["goedel8b"][0]["success"] = 2; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[1].empirical_samples_by_model.goedel8b[0].success: "
                                        "expected true/false (or 0/1), got 2"));
  text = edited([](json& j) { j["model_ids"] = {"goedel8b", 3}; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: model_ids[1]: expected a string, got number"));
  text = edited([](json& j) { j["nodes"][0]["model_templates"] = json::array(); });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: nodes[0].model_templates: expected an object, got array"));
}

TEST(DagPoolErrors, ProfileForAModelOutsideModelIdsIsReported) {
  const auto text = edited([](json& j) { j["model_ids"] = {"goedel8b", "goedel32b"}; });
  EXPECT_THAT(error_of(text), HasSubstr("pool.jsonl:2: subtasks[0] \"0\".profiles.kimina7b: profile for unknown model"));
}

TEST(DagPoolErrors, UnreadableFileIsAnInputError) {
  EXPECT_THROW(read_dag_pool_file(temp_path("does_not_exist.jsonl"), paper_price_table()), InputError);
}

// -- writing ------------------------------------------------------------------

TEST(DagPoolWrite, WritesOneCompactLineRenumberingSubtasksAndPricingInDollars) {
  Workflow wf;
  wf.dag_kind = "chain";
  wf.models = {testing::model("goedel8b", 0.7), testing::model("goedel32b", 2.8)};
  wf.subtasks.push_back(testing::subtask("lemma", {}, "goedel32b", {{1.5, true, 200}, {2.5, false, 1000}}));
  wf.subtasks.push_back(testing::subtask("theorem", {"lemma"}, "goedel8b", {}));
  wf.subtasks[1].profiles["goedel8b"].parametric = ParametricProfile{0.5, 2.0, 0.5, 1000.0};
  const std::string line = write_dag_pool_line(wf);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind(R"({"dag_kind":"chain","n_nodes":2,"model_ids":["goedel8b","goedel32b"],"nodes":[)"
                       R"({"node_id":0,"parents":[],"children":[1],"layer":0,"empirical_samples_by_model":)", 0),
            0u)
      << line;
  const json j = json::parse(line);
  const json& t = j["nodes"][1]["model_templates"]["goedel8b"];
  EXPECT_EQ(j["nodes"][1]["parents"], json::array({0}));
  EXPECT_EQ(j["nodes"][1]["layer"], 1);
  EXPECT_EQ(t["token_cost_mean"], 1000.0);
  EXPECT_DOUBLE_EQ(t["cost_mean"].get<double>(), 1000 * 0.7 / 1e6);
  const json& s = j["nodes"][0]["empirical_samples_by_model"]["goedel32b"][1];
  EXPECT_EQ(s["latency"], 2.5);
  EXPECT_EQ(s["success"], false);
  EXPECT_TRUE(s["token_cost"].is_number_integer());
  EXPECT_EQ(s["token_cost"], 1000);
  EXPECT_DOUBLE_EQ(s["cost"].get<double>(), 1000 * 2.8 / 1e6);

  const Workflow back = parse(line)[0];
  EXPECT_EQ(back.subtasks[0].id, "0");
  EXPECT_EQ(back.subtasks[1].deps, (std::vector<std::string>{"0"}));
}

TEST(DagPoolWrite, LayerDefaultsToLongestPathDepthFromARoot) {
  Workflow wf;
  wf.models = {testing::model("kimina7b", 0.5)};
  const std::vector<Sample> one{{1, true, 1}};
  wf.subtasks.push_back(testing::subtask("d", {"b", "c"}, "kimina7b", one));
  wf.subtasks.push_back(testing::subtask("c", {"a"}, "kimina7b", one));
  wf.subtasks.push_back(testing::subtask("a", {}, "kimina7b", one));
  wf.subtasks.push_back(testing::subtask("b", {"a", "c"}, "kimina7b", one));
  wf.subtasks.push_back(testing::subtask("e", {}, "kimina7b", one));
  wf.subtasks[4].layer = 7;  // explicit layers are kept
  const json j = json::parse(write_dag_pool_line(wf));
  std::vector<int> layers;
  for (const auto& node : j["nodes"]) layers.push_back(node["layer"].get<int>());
  EXPECT_EQ(layers, (std::vector<int>{3, 1, 0, 2, 7}));
  EXPECT_EQ(j["nodes"][2]["children"], json::array({1, 3}));  // in subtask order
  EXPECT_EQ(j["nodes"][3]["parents"], json::array({2, 1}));       // in deps order
}

TEST(DagPoolWrite, WriteDagPoolEndsEveryLineWithANewline) {
  const Workflow wf = parse(kLine)[0];
  const std::string text = write_dag_pool({wf, wf});
  EXPECT_EQ(text, write_dag_pool_line(wf) + "\n" + write_dag_pool_line(wf) + "\n");
  EXPECT_EQ(write_dag_pool({}), "");
}

TEST(DagPoolWrite, CyclicOrDanglingWorkflowsAreRejected) {
  Workflow wf;
  wf.models = {testing::model("kimina7b", 0.5)};
  wf.subtasks.push_back(testing::subtask("a", {"b"}, "kimina7b", {{1, true, 1}}));
  wf.subtasks.push_back(testing::subtask("b", {"a"}, "kimina7b", {{1, true, 1}}));
  EXPECT_THROW(write_dag_pool_line(wf), std::invalid_argument);
  wf.subtasks[1].deps = {"zz"};
  EXPECT_THROW(write_dag_pool_line(wf), std::invalid_argument);
}

// -- round trips ----------------------------------------------------------------

/// A random valid workflow with ids "0".."n-1", layers, and templates and/or
/// samples for 1-3 paper models; prices from the paper table.
Workflow random_workflow(Rng& rng) {
  const PriceTable prices = paper_price_table();
  std::vector<std::string> ids;
  for (const auto& [id, usd] : prices) ids.push_back(id);
  for (std::size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[rng.below(i)]);
  Workflow wf;
  const char* kinds[] = {"layered", "chain", "fork_join", "proofflow"};
  wf.dag_kind = kinds[rng.below(4)];
  const std::size_t n_models = 1 + rng.below(3);
  for (std::size_t m = 0; m < n_models; ++m) wf.models.push_back(testing::model(ids[m], prices.at(ids[m])));
  const std::size_t n = 1 + rng.below(12);
  for (std::size_t i = 0; i < n; ++i) {
    Subtask s;
    s.id = std::to_string(i);
    for (std::size_t p = 0; p < i; ++p)
      if (rng.bernoulli(0.3)) s.deps.push_back(std::to_string(p));
    for (std::size_t k = s.deps.size(); k > 1; --k) std::swap(s.deps[k - 1], s.deps[rng.below(k)]);
    s.layer = static_cast<int>(rng.below(10));
    for (std::size_t m = 0; m < n_models; ++m) {
      if (m > 0 && rng.bernoulli(0.4)) continue;  // the first model runs everything
      Profile& p = s.profiles[ids[m]];
      const auto kind = rng.below(3);  // 0 template, 1 samples, 2 both
      if (kind != 1)
        p.parametric = ParametricProfile{rng.uniform(), rng.uniform() * 300, rng.uniform() * 80, rng.uniform() * 8000};
      if (kind != 0)
        for (std::size_t k = 0, count = 1 + rng.below(6); k < count; ++k)
          p.samples.push_back({rng.uniform() * 300, rng.bernoulli(0.5), static_cast<std::int64_t>(rng.below(20000))});
    }
    wf.subtasks.push_back(std::move(s));
  }
  return wf;
}

TEST(DagPoolRoundTrip, RandomWorkflowsSurviveWriteThenParseExceptForTheirNames) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Rng rng(seed);
    std::vector<Workflow> wfs;
    for (std::size_t k = 0, count = 1 + rng.below(4); k < count; ++k) wfs.push_back(random_workflow(rng));
    const auto back = parse(write_dag_pool(wfs));
    ASSERT_EQ(back.size(), wfs.size());
    for (std::size_t k = 0; k < wfs.size(); ++k) EXPECT_EQ(back[k].name, "pool.jsonl:" + std::to_string(k + 1));
    EXPECT_EQ(without_names(back), wfs);
  }
}

TEST(DagPoolRoundTrip, FileTextSurvivesParseWriteParse) {
  const std::string single =
      R"({"dag_kind":"chain","n_nodes":2,"extra":1,"nodes":[)"
      R"({"node_id":0,"parents":[],"children":[1],"layer":0,)"
      R"("template":{"success_prob":0.5,"lat_mean":3.1,"lat_std":1,"cost_mean":400.25}},)"
      R"({"node_id":1,"parents":[0],"children":[],"layer":3,)"
      R"("empirical_samples":[{"latency":2,"success":1,"token_cost":150.4,"cost":1e-4}]}]})";
  const std::string text = std::string(kLine) + "\n\n" + single + "\n" + std::string(kLine) + "\n";
  DagPoolOptions options;
  options.single_model_id = "4B_ins";
  const auto first = parse(text, options);
  const std::string written = write_dag_pool(first);
  const auto second = parse(written, options);
  EXPECT_EQ(without_names(second), without_names(first));
  EXPECT_EQ(write_dag_pool(second), written);  // the written text is a fixed point
  EXPECT_EQ(second[1].models, (std::vector<ModelSpec>{testing::model("4B_ins", 0.42)}));
}

TEST(DagPoolRoundTrip, NodeIdsOtherThanZeroToNMinusOneAreRenumberedOnWrite) {
  const std::string line =
      R"({"dag_kind":"chain","n_nodes":2,"nodes":[)"
      R"({"node_id":9,"parents":[],"children":[5],"layer":0,)"
      R"("template":{"success_prob":0.5,"lat_mean":3,"lat_std":1,"cost_mean":400}},)"
      R"({"node_id":5,"parents":[9],"children":[],"layer":1,)"
      R"("template":{"success_prob":0.5,"lat_mean":3,"lat_std":1,"cost_mean":400}}]})";
  DagPoolOptions options;
  options.single_model_id = "4B_ins";
  const Workflow first = parse(line, options)[0];
  EXPECT_EQ(first.subtasks[0].id, "9");
  EXPECT_EQ(first.subtasks[1].deps, (std::vector<std::string>{"9"}));
  const Workflow second = parse(write_dag_pool_line(first), options)[0];
  EXPECT_EQ(second.subtasks[0].id, "0");
  EXPECT_EQ(second.subtasks[1].id, "1");
  EXPECT_EQ(second.subtasks[1].deps, (std::vector<std::string>{"0"}));
  EXPECT_EQ(second.subtasks[1].profiles, first.subtasks[1].profiles);
}

TEST(DagPoolRoundTrip, RandomWorkflowsSurviveParseWriteParseAfterRenumbering) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Rng rng(seed);
    Workflow wf = random_workflow(rng);
    for (auto& s : wf.subtasks) {  // ids other than 0..n-1 and no layers: renumbered, layers computed
      s.id = "t" + s.id;
      for (auto& d : s.deps) d = "t" + d;
      s.layer.reset();
    }
    const auto first = parse(write_dag_pool({wf}));
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].subtasks.size(), wf.subtasks.size());
    EXPECT_EQ(first[0].models, wf.models);
    EXPECT_EQ(parse(write_dag_pool(first)), first);
  }
}

TEST(DagPoolRoundTrip, FilesSurviveWriteThenRead) {
  Rng rng(42);
  const std::vector<Workflow> wfs{random_workflow(rng), random_workflow(rng)};
  const std::string path = temp_path("round_trip.jsonl");
  write_dag_pool_file(wfs, path);
  const auto back = read_dag_pool_file(path, paper_price_table());
  EXPECT_EQ(back[1].name, "concord_dag_pool_round_trip.jsonl:2");
  EXPECT_EQ(without_names(back), wfs);
}

// -- prices -------------------------------------------------------------------

TEST(DagPoolPriceTable, PaperTableHasTheMcppPrices) {
  const PriceTable expected{{"goedel32b", 2.8}, {"goedel8b", 0.7}, {"kimina7b", 0.5}, {"30B_ins", 0.8},
                            {"30B_think", 2.4}, {"4B_ins", 0.42}, {"4B_think", 1.26}};
  EXPECT_EQ(paper_price_table(), expected);
}

TEST(DagPoolPriceTable, ReadsAJsonObjectOfPrices) {
  const std::string path = temp_path("prices_ok.json");
  write_text(path, R"({"a": 1.5, "b": 0, "c": 3})");
  EXPECT_EQ(read_price_table_file(path), (PriceTable{{"a", 1.5}, {"b", 0.0}, {"c", 3.0}}));
}

std::string price_error_of(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  write_text(path, text);
  try {
    read_price_table_file(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(DagPoolPriceTable, BadPricesNameTheFileTheKeyAndTheReason) {
  EXPECT_THAT(price_error_of("p1.json", R"({"a": 1, "b": "cheap"})"),
              HasSubstr("concord_dag_pool_p1.json: b: expected a number, got string"));
  EXPECT_THAT(price_error_of("p2.json", R"({"a": -0.5})"),
              HasSubstr("concord_dag_pool_p2.json: a: must not be negative (got -0.5)"));
  EXPECT_THAT(price_error_of("p3.json", R"({"a": 1, "huge": 1e999})"),
              HasSubstr("concord_dag_pool_p3.json: huge: must be a finite number"));
  EXPECT_THAT(price_error_of("p4.json", R"(["a", 1])"),
              HasSubstr("concord_dag_pool_p4.json: (top level): expected an object, got array"));
  EXPECT_THAT(price_error_of("p5.json", "{\"a\": 1,\n \"b\" 2}"),
              HasSubstr("concord_dag_pool_p5.json: invalid JSON at line 2"));
  EXPECT_THROW(read_price_table_file(temp_path("missing_prices.json")), InputError);
}

}  // namespace
}  // namespace concord
