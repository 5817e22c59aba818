// Fuzz target (b): the MCPP DAG-pool JSONL reader (model/dag_pool.hpp).
//   parse_dag_pool(input) either throws InputError (the expected rejection) or returns
//   validated workflows; then write_dag_pool(parse(.)) must read back, and be a fixed
//   point from the first write on (documented round trip), and every workflow compiles.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "model/dag_pool.hpp"
#include "model/input_error.hpp"
#include "sim/flat_workflow.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace concord;
  static const PriceTable prices = [] {
    PriceTable t = paper_price_table();
    t["default"] = 1.0;  // the single-model form's model id
    return t;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Workflow> wfs;
  try {
    wfs = parse_dag_pool(text, prices, "fuzz-input");
  } catch (const InputError&) {
    return 0;
  }
  for (const Workflow& wf : wfs) {
    const FlatWorkflow flat = FlatWorkflow::compile(wf);
    FUZZ_CHECK(flat.num_subtasks() == static_cast<int>(wf.subtasks.size()), "compile lost subtasks");
  }
  const std::string once = write_dag_pool(wfs);
  std::vector<Workflow> again;
  try {
    again = parse_dag_pool(once, prices, "fuzz-rewritten");
  } catch (const InputError& e) {
    FUZZ_CHECK(false, "write_dag_pool output of accepted workflows is rejected: %s", e.what());
  }
  FUZZ_CHECK(again.size() == wfs.size(), "round trip changed the number of DAGs: %zu -> %zu", wfs.size(), again.size());
  const std::string twice = write_dag_pool(again);
  FUZZ_CHECK(twice == once, "write(parse(write(parse(T)))) != write(parse(T)) (documented fixed point)");
  return 0;
}
