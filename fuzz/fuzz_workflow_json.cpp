// Fuzz target (a): the workflow JSON reader and validation.
//   parse_workflow_json(input) either throws InputError (the expected rejection) or
//   returns a workflow that satisfies validate_workflow(), writes losslessly
//   (parse(write(w)) == w) and compiles into a FlatWorkflow.
// Anything else is a finding: a crash, a sanitizer report, another exception (libFuzzer
// reports an escaping exception as a deadly signal), or a FUZZ_CHECK abort.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "model/input_error.hpp"
#include "model/validate.hpp"
#include "model/workflow_json.hpp"
#include "sim/flat_workflow.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace concord;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Workflow wf;
  try {
    wf = parse_workflow_json(text, "fuzz-input");
  } catch (const InputError&) {
    return 0;  // rejected, as it should be
  }
  // Accepted: the documented promises of an accepted workflow.
  std::string written = write_workflow_json(wf);
  Workflow back;
  try {
    back = parse_workflow_json(written, "fuzz-rewritten");
  } catch (const InputError& e) {
    FUZZ_CHECK(false, "write_workflow_json output of an accepted workflow is rejected: %s", e.what());
  }
  FUZZ_CHECK(back == wf, "parse(write(w)) != w (the writer is documented lossless)");
  FUZZ_CHECK(write_workflow_json(back) == written, "write(parse(write(w))) != write(w)");
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  FUZZ_CHECK(flat.num_subtasks() == static_cast<int>(wf.subtasks.size()), "compile lost subtasks");
  FUZZ_CHECK(flat.num_models() == static_cast<int>(wf.models.size()), "compile lost models");
  for (int m = 0; m < flat.num_models(); ++m) {
    FUZZ_CHECK(flat.price_per_token(m) >= 0, "model %d: negative price per token", m);
    FUZZ_CHECK(flat.token_cap(m) >= 0, "model %d: negative token cap", m);
  }
  for (int s = 0; s < flat.num_subtasks(); ++s)
    for (int m = 0; m < flat.num_models(); ++m)
      if (flat.can_run(s, m)) {
        FUZZ_CHECK(flat.reservation(s, m) >= 0, "subtask %d model %d: negative reservation", s, m);
        FUZZ_CHECK(flat.expected_sample_cost(s, m) >= 0, "subtask %d model %d: negative expected cost", s, m);
      }
  return 0;
}
