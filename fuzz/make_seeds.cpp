// Writes the seed corpora of the fuzz targets (docs/fuzzing.md):
//   fuzz_make_seeds OUT_DIR EXAMPLES_DIR [DATASETS_DIR]
// OUT_DIR/workflow_json/*.json   examples/*.json and ProofFlow/CodeFlow workflows, shrunk
//                                (at most 2 recorded samples per profile, or parametric only)
// OUT_DIR/dag_pool/*.jsonl       the same workflows as DAG-pool lines
// OUT_DIR/episode/*              the episode target's 8-byte header + one of the above,
//                                with a spread of policies, semantics, budgets and deadlines
// Small on purpose: libFuzzer mutates small inputs faster.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "model/dag_pool.hpp"
#include "model/input_error.hpp"
#include "model/workflow_json.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace fs = std::filesystem;
using namespace concord;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

Workflow shrink(Workflow wf, std::size_t max_samples) {
  for (Subtask& s : wf.subtasks)
    for (auto& [m, p] : s.profiles)
      if (p.samples.size() > max_samples) p.samples.resize(max_samples);
  return wf;
}

std::string header(std::uint8_t policy, std::uint8_t flags, std::uint8_t budget, std::uint8_t deadline, std::uint32_t seed) {
  std::string h(8, '\0');
  h[0] = static_cast<char>(policy);
  h[1] = static_cast<char>(flags);
  h[2] = static_cast<char>(budget);
  h[3] = static_cast<char>(deadline);
  for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<char>((seed >> (8 * i)) & 0xff);
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: fuzz_make_seeds OUT_DIR EXAMPLES_DIR [DATASETS_DIR]\n";
    return 2;
  }
  const fs::path out = argv[1];
  for (const char* t : {"workflow_json", "dag_pool", "episode"}) fs::create_directories(out / t);

  std::vector<std::pair<std::string, Workflow>> wfs;
  for (const auto& e : fs::directory_iterator(argv[2])) {
    if (e.path().extension() != ".json") continue;
    try {
      wfs.emplace_back("ex-" + e.path().stem().string(), shrink(read_workflow_file(e.path().string()), 2));
    } catch (const InputError&) {
      // not a workflow (e.g. workers.json)
    }
  }
  WorkloadOptions opt;
  if (argc > 3) opt.datasets_dir = argv[3];
  for (int samples : {2, 0}) {
    opt.samples_per_profile = samples;
    try {
      const Workload pf = build_proofflow(opt), cf = build_codeflow(opt);
      for (std::size_t i = 0; i < pf.workflows.size() && i < 24; i += 2)
        wfs.emplace_back("pf" + std::to_string(i) + "-s" + std::to_string(samples), pf.workflows[i]);
      for (std::size_t i = 0; i < cf.workflows.size() && i < 24; i += 3)
        wfs.emplace_back("cf" + std::to_string(i) + "-s" + std::to_string(samples), cf.workflows[i]);
    } catch (const InputError& e) {
      std::cerr << "fuzz_make_seeds: datasets skipped: " << e.what() << "\n";
      break;
    }
  }

  // Episode headers: every policy kind, both semantics, both readers, tight and loose limits.
  const std::uint8_t policies[] = {0x00, 0x01, 0x12, 0x63, 0xa1, 0x04, 0x05, 0x16, 0x07, 0x0f, 0x27, 0x47, 0x5f};
  const std::uint8_t budgets[] = {64, 16, 128, 255, 0};
  const std::uint8_t deadlines[] = {64, 32, 255, 128};
  std::size_t i = 0, count = 0;
  for (const auto& [name, wf] : wfs) {
    const std::string json = write_workflow_json(wf);
    write(out / "workflow_json" / (name + ".json"), json);
    std::string line;
    try {
      line = write_dag_pool_line(wf);
      write(out / "dag_pool" / (name + ".jsonl"), line + "\n");
    } catch (const std::exception&) {
      line.clear();
    }
    for (int v = 0; v < 3; ++v, ++i) {
      const std::uint8_t policy = policies[i % std::size(policies)];
      const bool use_line = !line.empty() && (i % 4 == 3);
      const std::uint8_t flags = static_cast<std::uint8_t>(((i / 2) % 2) | (use_line ? 2 : 0) | ((i % 5 == 0) ? 8 : 0) |
                                                           ((i % 16) << 4));
      const std::string h = header(policy, flags, budgets[i % std::size(budgets)], deadlines[i % std::size(deadlines)],
                                   static_cast<std::uint32_t>(i * 2654435761u));
      write(out / "episode" / (name + "-" + std::to_string(v)), h + (use_line ? line : json));
      ++count;
    }
  }
  std::cout << "fuzz_make_seeds: " << wfs.size() << " workflows, " << count << " episode seeds in " << out.string() << "\n";
  return 0;
}
