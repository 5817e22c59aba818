#include "cli/worker_command.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>

#include <unistd.h>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/load_workflow.hpp"
#include "cli/worker_loop.hpp"
#include "edge/curve_keys.hpp"
#include "exec_backend.hpp"
#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "openai_backend.hpp"
#include "sim/flat_workflow.hpp"
#include "simulated_backend.hpp"

namespace concord::cli {

namespace {

struct WorkerCommandOptions {
  std::string to;
  std::string name;
  std::string model;
  std::string served_model;
  double usd_per_mtok_in = 0, usd_per_mtok_out = 0;
  std::uint32_t capacity = 1;
  std::string openai_url, api_key_env, exec_command, simulate_file;
  std::string curve_server, curve_key;
  double register_timeout_s = 30;
  std::string fault = "none";
  std::uint64_t max_samples = 0;
};

int run_worker(WorkerCommandOptions& o) {
  const int kinds = !o.openai_url.empty() + !o.exec_command.empty() + !o.simulate_file.empty();
  if (kinds != 1) throw InputError("--openai/--exec/--simulate", "", "give exactly one kind of worker");
  if (o.to.rfind("tcp://", 0) != 0 && o.to.rfind("ipc://", 0) != 0)
    throw InputError("--to", "", fmt::format("\"{}\": expected tcp://HOST:PORT (a node's --worker-endpoint)", o.to));
  if (o.model.empty()) throw InputError("--model", "", "required: the model id workflows name (and, for --openai, the server's model unless --served-model)");
  if (o.capacity < 1 || o.capacity > 1024) throw InputError("--capacity", "", fmt::format("{} is not in 1..1024", o.capacity));
  for (auto [flag, price] : {std::pair{"--price-in", o.usd_per_mtok_in}, std::pair{"--price-out", o.usd_per_mtok_out}})
    if (!(price >= 0 && price <= limits::kMaxUsdPerMtok))
      throw InputError(flag, "", fmt::format("{} dollars per 1M tokens is not in [0, {}]", price, limits::kMaxUsdPerMtok));
  if (o.curve_server.empty() != o.curve_key.empty())
    throw InputError(o.curve_server.empty() ? "--curve-key" : "--curve-server", "", "--curve-server and --curve-key go together");
  WorkerLoopOptions lo;
  lo.endpoint = o.to;
  lo.register_timeout_s = o.register_timeout_s;
  lo.max_samples = o.max_samples;
  if (o.fault == "none") lo.fault = WorkerFault::none;
  else if (o.fault == "lie-tokens") lo.fault = WorkerFault::lie_tokens;
  else if (o.fault == "lie-latency") lo.fault = WorkerFault::lie_latency;
  else if (o.fault == "garbage") lo.fault = WorkerFault::garbage;
  else throw InputError("--fault", "", fmt::format("\"{}\": expected none, lie-tokens, lie-latency or garbage", o.fault));
  if (!o.curve_server.empty()) {
    lo.curve_server_public = edge::read_curve_key(o.curve_server);
    lo.curve_secret = edge::read_curve_key(o.curve_key);
  }
  std::unique_ptr<workers::Backend> backend;
  std::string kind;
  if (!o.openai_url.empty()) {
    workers::OpenAiOptions oo;
    oo.base_url = o.openai_url;
    oo.model = o.served_model.empty() ? o.model : o.served_model;
    if (!o.api_key_env.empty()) {
      const char* key = std::getenv(o.api_key_env.c_str());
      if (!key || !*key) throw InputError("--api-key-env", "", fmt::format("environment variable {} is not set", o.api_key_env));
      oo.api_key = key;
    }
    backend = std::make_unique<workers::OpenAiBackend>(oo);
    kind = "openai";
  } else if (!o.exec_command.empty()) {
    backend = std::make_unique<workers::ExecBackend>(o.exec_command);
    kind = "exec";
  } else {
    auto wf = load_workflow(o.simulate_file, LoadOptions{});
    if (!wf.find_model(o.model))
      throw InputError(o.simulate_file, "models", fmt::format("no model \"{}\" (--model) in the simulated workflow", o.model));
    backend = std::make_unique<workers::SimulatedBackend>(std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf)));
    kind = "simulate";
  }
  if (o.name.empty()) o.name = fmt::format("{}-{}", kind, ::getpid());
  lo.registration.name = o.name;
  lo.registration.models.push_back({o.model, o.usd_per_mtok_in, o.usd_per_mtok_out});
  lo.registration.capacity = o.capacity;
  lo.registration.kind = kind;
  return run_worker_loop(lo, *backend);
}

}  // namespace

void add_worker_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WorkerCommandOptions>();
  CLI::App* cmd = app.add_subcommand("worker", "Run an external model worker attached to a node's --worker-endpoint");
  cmd->footer(
      "One kind per process:\n"
      "  --openai URL    an OpenAI-compatible server (vLLM, llama.cpp, Ollama, a hosted API):\n"
      "                  POST URL/v1/chat/completions, max_tokens = the sample's token cap;\n"
      "  --exec CMD      runs CMD (/bin/sh -c) per sample: prompt on stdin, output from stdout,\n"
      "                  success = exit code 0 (a subtask's check may still refuse the output);\n"
      "  --simulate FILE draws samples from FILE's profiles, as `concord run` does in-process.\n"
      "The node charges with the workflow's prices; --price-in/--price-out state the worker's own.\n"
      "Exit codes: 0 stopped by SIGINT/SIGTERM (or --max-samples answered); 2 bad input or the node\n"
      "refused the registration; 3 no node answered within --register-timeout. docs/workers.md.");
  cmd->add_option("--to", opts->to, "The node's worker endpoint, tcp://HOST:PORT")->required();
  cmd->add_option("--model", opts->model, "The model id it serves, as workflow files name it")->required();
  cmd->add_option("--name", opts->name, "Its name, unique on the node: [A-Za-z0-9._-]{1,64} (default KIND-PID)");
  cmd->add_option("--capacity", opts->capacity, "Samples it runs at once (1..1024)")->default_val(1);
  cmd->add_option("--price-in", opts->usd_per_mtok_in, "Its price per 1M input tokens (dollars)")->default_val(0);
  cmd->add_option("--price-out", opts->usd_per_mtok_out, "Its price per 1M output tokens (dollars)")->default_val(0);
  cmd->add_option("--openai", opts->openai_url, "Kind: an OpenAI-compatible server's base URL (http://HOST:PORT or .../v1)");
  cmd->add_option("--served-model", opts->served_model, "--openai: the server's model name, when not --model");
  cmd->add_option("--api-key-env", opts->api_key_env, "--openai: the environment variable holding the API key");
  cmd->add_option("--exec", opts->exec_command, "Kind: a command run per sample (prompt on stdin, output on stdout)");
  cmd->add_option("--simulate", opts->simulate_file, "Kind: a workflow file whose profiles it samples from");
  cmd->add_option("--curve-server", opts->curve_server, "The node's CURVE public key file (with --curve-key)");
  cmd->add_option("--curve-key", opts->curve_key, "This worker's CURVE secret key file (its .pub in the node's --clients)");
  cmd->add_option("--register-timeout", opts->register_timeout_s, "Seconds to wait for the node's answer")->default_val(30);
  cmd->add_option("--fault", opts->fault, "Fault injection: none, lie-tokens, lie-latency, garbage")->default_val("none");
  cmd->add_option("--max-samples", opts->max_samples, "Exit after answering this many samples (0: never)")->default_val(0);
  cmd->callback([opts, &exit_code] { exit_code = run_worker(*opts); });
}

}  // namespace concord::cli
