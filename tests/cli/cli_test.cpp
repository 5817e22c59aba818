// End-to-end tests of the `concord` command: every bad input exits 2 with a message
// naming the file, field and reason; runs exit 0/1; the README's examples work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;
namespace fs = std::filesystem;

using concord::cli_testing::concord;
using concord::cli_testing::TempDir;

json valid_workflow() {
  return json::parse(R"({
    "format": "concord.workflow/1",
    "name": "two-steps",
    "models": [{"id": "m", "usd_per_mtok_out": 2.0}],
    "subtasks": [
      {"id": "a", "deps": [], "profiles": {"m": {"samples": [{"latency_s": 1.0, "success": true, "output_tokens": 100}]}}},
      {"id": "b", "deps": ["a"], "profiles": {"m": {"samples": [{"latency_s": 2.0, "success": true, "output_tokens": 100}]}}}
    ]})");
}

TEST(ConcordCli, HelpIsAvailableEverywhere) {
  for (const char* args : {"--help", "run --help", "workload --help"}) {
    const auto r = concord(args);
    EXPECT_EQ(r.code, 0) << args;
    EXPECT_THAT(r.output, HasSubstr("Exit codes")) << args;
  }
}

TEST(ConcordCli, CommandLineErrorsExitWithCode2) {
  EXPECT_EQ(concord("").code, 2);  // no subcommand
  EXPECT_EQ(concord("run").code, 2);  // no FILE
  EXPECT_EQ(concord("frobnicate").code, 2);
  const auto bogus = concord("run examples/proofflow-euler.json --bogus");
  EXPECT_EQ(bogus.code, 2);
  EXPECT_THAT(bogus.output, HasSubstr("--bogus"));
  const auto semantics = concord("run examples/proofflow-euler.json --semantics fast");
  EXPECT_EQ(semantics.code, 2);
  const auto budget = concord("run examples/proofflow-euler.json --budget -1");
  EXPECT_EQ(budget.code, 2);
  const auto policy = concord("run examples/proofflow-euler.json --policy nope");
  EXPECT_EQ(policy.code, 2);
  EXPECT_THAT(policy.output, HasSubstr("--policy: unknown policy \"nope\""));
  const auto seq = concord("run examples/proofflow-euler.json --policy seq:nomodel:2");
  EXPECT_EQ(seq.code, 2);
  EXPECT_THAT(seq.output, HasSubstr("MODEL one of: goedel32b, goedel8b, kimina7b"));
  const auto spec = concord("run examples/proofflow-euler.json --policy mcpp:faithful+cap0");
  EXPECT_EQ(spec.code, 2);
  EXPECT_THAT(spec.output, HasSubstr("\"cap0\" needs an integer capN"));
}

TEST(ConcordCli, RunAcceptsAnMcppConfigurationSpec) {
  const auto r = concord("run examples/proofflow-euler.json --engine simulator --policy mcpp:faithful+cap260+M16");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("mcpp"));
}

TEST(ConcordCli, MissingFileExitsWithCode2NamingIt) {
  const auto r = concord("run /nonexistent/flow.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/flow.json: cannot open file"));
}

struct BadCase {
  const char* what;
  std::function<void(json&)> mutate;
  const char* message;
};

TEST(ConcordCli, EveryInvalidWorkflowExitsWithCode2AndItsMessage) {
  const std::vector<BadCase> cases = {
      {"cycle", [](json& d) { d["subtasks"][0]["deps"] = {"b"}; }, "subtasks: dependency cycle: "},
      {"self-dependency", [](json& d) { d["subtasks"][1]["deps"] = {"b"}; }, "subtasks[1] \"b\".deps[0]: self-dependency"},
      {"dangling id", [](json& d) { d["subtasks"][1]["deps"] = {"x"}; }, "subtasks[1] \"b\".deps[0]: unknown subtask \"x\""},
      {"duplicate subtask", [](json& d) { d["subtasks"][1]["id"] = "a"; d["subtasks"][1]["deps"] = json::array(); },
       "subtasks[1] \"a\".id: duplicate subtask id"},
      {"duplicate model", [](json& d) { d["models"].push_back({{"id", "m"}, {"usd_per_mtok_out", 1}}); }, "models[1] \"m\".id: duplicate model id"},
      {"model without price", [](json& d) { d["models"][0].erase("usd_per_mtok_out"); },
       "models[0] \"m\".usd_per_mtok_out: missing: every model needs a price"},
      {"profile for unknown model",
       [](json& d) { d["subtasks"][0]["profiles"]["ghost"] = d["subtasks"][0]["profiles"]["m"]; },
       "subtasks[0] \"a\".profiles.ghost: profile for unknown model \"ghost\""},
      {"negative latency", [](json& d) { d["subtasks"][0]["profiles"]["m"]["samples"][0]["latency_s"] = -2.5; },
       "subtasks[0] \"a\".profiles.m.samples[0].latency_s: must not be negative (got -2.5)"},
      {"negative price", [](json& d) { d["models"][0]["usd_per_mtok_out"] = -1; }, "models[0] \"m\".usd_per_mtok_out: must not be negative"},
      {"typo in a field", [](json& d) { d["subtasks"][0]["dep"] = json::array(); }, "subtasks[0].dep: unknown field"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    json d = valid_workflow();
    c.mutate(d);
    const std::string path = dir.file("bad.json", d.dump(2));
    const auto r = concord("run '" + path + "'");
    EXPECT_EQ(r.code, 2) << c.what << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(path + ": " + c.message)) << c.what;
  }
  const std::string broken = dir.file("broken.json", "{\n  \"format\": \"concord.workflow/1\",\n  oops\n}");
  const auto r = concord("run '" + broken + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.output, HasSubstr(broken + ": invalid JSON at line 3, column 3"));
  const std::string huge = dir.file("huge.json", R"({"format": "concord.workflow/1", "budget_usd": 1e999})");
  const auto h = concord("run '" + huge + "'");
  EXPECT_EQ(h.code, 2);
  EXPECT_THAT(h.output, HasSubstr("number overflow"));
}

TEST(ConcordCli, ValidWorkflowRunsAndReports) {
  TempDir dir;
  const std::string path = dir.file("ok.json", valid_workflow().dump());
  const auto ok = concord("run '" + path + "' --budget 0.01 --deadline 10 --policy seq:m:1 --engine simulator");
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("COMPLETED"));
  EXPECT_THAT(ok.output, HasSubstr("spend      $0.000400 of $0.010000 budget (4.0%)"));
  EXPECT_THAT(ok.output, HasSubstr("makespan   3.00 s of 10.00 s deadline"));
  const auto late = concord("run '" + path + "' --budget 0.01 --deadline 2.5 --policy seq:m:1 --engine simulator");
  EXPECT_EQ(late.code, 1) << late.output;
  EXPECT_THAT(late.output, HasSubstr("FAILED (deadline_exhausted)"));
  const auto poor = concord("run '" + path + "' --budget 0.0001 --policy seq:m:1 --semantics reference");
  EXPECT_EQ(poor.code, 1);
  EXPECT_THAT(poor.output, HasSubstr("FAILED (budget_exhausted)"));
}

TEST(ConcordCli, ABadRouterBenchFileExitsWithCode2NamingFileAndModel) {
  // bench routing reads <datasets>/routerbench/*.csv: a model without its cost column is refused,
  // not dropped (issue 16), with exit 2 and a message naming the file and the model.
  TempDir dir;
  std::filesystem::create_directories(dir.path("routerbench"));
  const std::string header = ",sample_id,prompt,eval_name,m1,m2,m1|total_cost,m1|model_response,m2|model_response\n";
  for (const char* f : {"arc_challenge_train.csv", "arc_challenge_test.csv", "mbpp_train.csv", "mbpp_test.csv"})
    std::ofstream(dir.path(std::string("routerbench/") + f)) << header << "0,q,p,d,1,0,0.1,a,b\n";
  const auto r = concord("bench routing --only replay --datasets '" + dir.path("") + "' --out '" + dir.path("out") + "'");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("arc_challenge_train.csv"));
  EXPECT_THAT(r.output, HasSubstr("model \"m2\" has no column \"m2|total_cost\""));
}

TEST(ConcordCli, BenchRoutingSplitsRestrictsTheReplayAndRefusesAnUnknownName) {
  TempDir dir;
  std::filesystem::create_directories(dir.path("routerbench"));
  const std::string header = ",sample_id,prompt,eval_name,m1,m2,m1|total_cost,m2|total_cost\n";
  for (const char* name : {"alpha", "beta"})
    for (const char* split : {"train", "test"}) {
      std::ofstream f(dir.path(std::string("routerbench/") + name + "_" + split + ".csv"));
      f << header;
      for (int i = 0; i < 10; ++i) f << i << ",q" << i << ",['" << name << " question " << i << "']," << name << ",1,0.5,0.01,0.001\n";
    }
  const std::string common = " --only replay --datasets '" + dir.path("") + "' --out '" + dir.path("out") + "'";
  const auto ok = concord("bench routing --splits beta" + common);
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("(RouterBench beta)"));
  EXPECT_THAT(ok.output, HasSubstr("per-query choices on test"));
  const auto bad = concord("bench routing --splits beta,gamma" + common);
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("--splits"));
  EXPECT_THAT(bad.output, HasSubstr("unknown split \"gamma\""));
}

TEST(ConcordCli, InvalidDagPoolAndPriceTableExitWithCode2) {
  TempDir dir;
  const std::string good_line =
      R"({"dag_kind": "chain", "n_nodes": 1, "model_ids": ["goedel8b"], "nodes": [{"node_id": 0, "parents": [], "children": [], "layer": 0,)"
      R"( "model_templates": {"goedel8b": {"success_prob": 0.5, "lat_mean": 2, "lat_std": 1, "cost_mean": 100}}}]})";
  const std::string pool = dir.file("pool.jsonl", good_line + "\n" + R"({"dag_kind": "chain", "n_nodes": 3, "nodes": []})" + "\n");
  const std::string one = dir.file("one.jsonl", good_line + "\n");
  const auto ok = concord("run '" + one + "' --dag-index 0 --engine simulator");
  EXPECT_TRUE(ok.code == 0 || ok.code == 1) << ok.output;
  const auto r = concord("run '" + pool + "' --dag-index 1");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.output, HasSubstr(pool + ":2"));
  EXPECT_THAT(r.output, HasSubstr("n_nodes"));
  const std::string prices = dir.file("prices.json", R"({"goedel8b": "cheap"})");
  const auto p = concord("run '" + one + "' --prices '" + prices + "'");
  EXPECT_EQ(p.code, 2);
  EXPECT_THAT(p.output, HasSubstr(prices));
  EXPECT_THAT(p.output, HasSubstr("goedel8b"));
  const std::string no_price = dir.file("noprice.json", R"({"other": 1.0})");
  const auto q = concord("run '" + one + "' --prices '" + no_price + "'");
  EXPECT_EQ(q.code, 2);
  EXPECT_THAT(q.output, HasSubstr("usd_per_mtok_out: missing"));
}

// -- README examples: each command shown in README.md is run here. --

/// A report without its `engine` line (the one line in which the two engines differ).
std::string without_engine_line(const std::string& report) {
  std::string out;
  std::size_t at = 0;
  while (at < report.size()) {
    std::size_t end = report.find('\n', at);
    end = end == std::string::npos ? report.size() : end + 1;
    const std::string line = report.substr(at, end - at);
    if (line.rfind("  engine ", 0) != 0) out += line;
    at = end;
  }
  return out;
}

TEST(ConcordCliReadme, RunsTheProofFlowExampleOnTheEmbeddedCluster) {
  const auto r = concord("run examples/proofflow-euler.json");
  EXPECT_EQ(r.code, 0) << r.output;  // a virtual clock: the outcome does not depend on the machine's load
  EXPECT_THAT(r.output, HasSubstr("engine     embedded cluster"));
  EXPECT_THAT(r.output, HasSubstr("synthetic profiles"));
  EXPECT_THAT(r.output, HasSubstr(" done "));  // live progress on stderr
  // The README shows this run's output: every line of its sample (but the elided ones) is printed
  // as shown, so the README cannot drift from what the command does.
  std::ifstream readme(CONCORD_SOURCE_DIR "/README.md");
  std::string line;
  bool in_sample = false;
  int checked = 0;
  while (std::getline(readme, line)) {
    if (line == "$ build/nodes/concord run examples/proofflow-euler.json") {
      in_sample = true;
      continue;
    }
    if (!in_sample) continue;
    if (line == "```") break;
    if (line.empty() || line == "..." || line.find("...") != std::string::npos) continue;
    EXPECT_THAT(r.output, HasSubstr(line)) << "README.md's sample of `concord run` shows a line the command no longer prints";
    ++checked;
  }
  EXPECT_GT(checked, 10);  // the sample was found
}

TEST(ConcordCliReadme, TheClusterReportIsTheSimulatorReport) {
  // The embedded cluster runs on a virtual clock: for the same seed its report is the simulator's,
  // to the last digit (tests/actors/cluster_equivalence_test.cpp checks 1 200 runs field by field).
  for (const char* file : {"examples/proofflow-euler.json", "examples/codeflow-color.json", "examples/research-agent.json"})
    for (const char* policy : {"mcpp", "greedy"})
      for (const char* seed : {"1", "7"}) {
        const std::string args = std::string("run ") + file + " --policy " + policy + " --seed " + seed + " --quiet";
        const auto cluster = concord(args + " --engine cluster");
        const auto sim = concord(args + " --engine simulator");
        SCOPED_TRACE(args);
        EXPECT_EQ(cluster.code, sim.code);
        EXPECT_THAT(cluster.output, HasSubstr("engine     embedded cluster"));
        EXPECT_EQ(without_engine_line(cluster.output), without_engine_line(sim.output));
      }
}

TEST(ConcordCliReadme, SimulatorRunsAreDeterministic) {
  const auto r = concord("run examples/proofflow-euler.json --engine simulator");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("COMPLETED"));
  EXPECT_EQ(concord("run examples/proofflow-euler.json --engine simulator").output, r.output);  // same seed, same report
  const auto other = concord("run examples/proofflow-euler.json --engine simulator --seed 2");
  EXPECT_NE(other.output, r.output);
}

TEST(ConcordCliReadme, TightDeadlineOnTheClusterFailsWithExitCode1) {
  const auto r = concord("run examples/research-agent.json --deadline 5 --policy greedy");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FAILED (deadline_exhausted)"));
}

TEST(ConcordCliReadme, RunsEveryExampleInBothSemantics) {
  for (const char* file : {"examples/proofflow-euler.json", "examples/codeflow-color.json", "examples/research-agent.json"}) {
    for (const char* sem : {"runtime", "reference"}) {
      const auto r = concord(std::string("run ") + file + " --semantics " + sem + " --engine simulator");
      EXPECT_TRUE(r.code == 0 || r.code == 1) << file << " " << sem << "\n" << r.output;
      EXPECT_THAT(r.output, HasSubstr("result     ")) << file;
    }
  }
}

TEST(ConcordCliReadme, TightBudgetFailsWithExitCode1) {
  const auto r = concord("run examples/proofflow-euler.json --budget 0.002 --deadline 120 --policy seq:goedel32b:4 --engine simulator");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FAILED (budget_exhausted)"));
}

TEST(ConcordCliReadme, RunsDatasetGraphsDirectly) {
  const auto r = concord("run proofflow:3 --seed 5 --engine simulator");
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("proofflow-3"));
  const auto cyclic = concord("run proofflow:176");
  EXPECT_EQ(cyclic.code, 2);
  EXPECT_THAT(cyclic.output, HasSubstr("graph 176 is not runnable"));
  EXPECT_THAT(cyclic.output, HasSubstr("self-dependency"));
  EXPECT_EQ(concord("run proofflow:9999").code, 2);
  EXPECT_EQ(concord("run codeflow:x").code, 2);
}

TEST(ConcordCliReadme, WorkloadListsAndExportsDagPool) {
  const auto list = concord("workload proofflow");
  EXPECT_EQ(list.code, 0);
  EXPECT_THAT(list.output, HasSubstr("proofflow: 176 workflows, 8 skipped"));
  TempDir dir;
  const std::string pool = dir.path("proofflow.jsonl");
  const auto out = concord("workload proofflow --out '" + pool + "'");
  EXPECT_EQ(out.code, 0) << out.output;
  const auto run = concord("run '" + pool + "' --dag-index 3 --seed 5 --engine simulator");
  const auto direct = concord("run proofflow:3 --seed 5 --engine simulator");
  EXPECT_EQ(run.code, direct.code);
  // The same DAG and profiles, whichever door it came in by: the same result line.
  auto line = [](const std::string& s, const std::string& key) { auto p = s.find(key); return s.substr(p, s.find('\n', p) - p); };
  EXPECT_EQ(line(run.output, "result"), line(direct.output, "result"));
  EXPECT_EQ(line(run.output, "spend"), line(direct.output, "spend"));
  EXPECT_EQ(concord("run '" + pool + "' --dag-index 500").code, 2);
  const std::string one = dir.path("one.json");
  EXPECT_EQ(concord("workload codeflow --index 4 --out '" + one + "'").code, 0);
  EXPECT_EQ(concord("run '" + one + "'").code == 2, false);
}

}  // namespace
