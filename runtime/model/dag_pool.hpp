#pragma once
// Reader and writer of the MCPP reference implementation's "DAG-pool JSONL"
// format: one DAG per line (blank or whitespace-only lines are skipped),
//   {"dag_kind": str, "n_nodes": int, "model_ids"?: [str],
//    "nodes": [{"node_id": int, "parents": [int], "children": [int], "layer": int,
//               "model_templates"?: {model: {"success_prob", "lat_mean", "lat_std",
//                                            "cost_mean", "token_cost_mean"?}},
//               "empirical_samples_by_model"?: {model: [{"latency", "success",
//                                                       "token_cost", "cost", ...}]},
//               "template"?: {...}, "empirical_samples"?: [...]}]}
// Prices are not in the file: the reader takes a PriceTable.
//
// Reading, line by line (the line number is 1-based and counts blank lines):
//  1. Subtask::id = node_id in decimal; deps = parents in decimal, in file order;
//     Subtask::layer = layer; Workflow::dag_kind = dag_kind;
//     Workflow::name = "<basename of source>:<line>". Nodes keep their file order.
//  2. n_nodes must equal the number of nodes; node ids must be distinct; every
//     parent and child must be a node id of the line; parents must not repeat
//     nor name the node itself; `children` must be exactly the inverse of
//     `parents` (compared as sets, so a repeated child is tolerated).
//  3. Models: `model_ids` in its order when present; otherwise the models in
//     order of first appearance over the nodes (per node: model_templates keys,
//     then empirical_samples_by_model keys, then the single-model id), in the
//     key order of the file. Each gets its price from the table; a model missing
//     from the table gets no price, which validation reports
//     (models[i] "x".usd_per_mtok_out: missing...). usd_per_mtok_in and
//     max_tokens are never set.
//  4. model_templates[m] -> profiles[m].parametric = {p_success = success_prob,
//     latency_mean_s = lat_mean, latency_std_s = lat_std, output_tokens_mean =
//     token_cost_mean if present, else cost_mean (in the MCPP rollout-stats file
//     cost_mean counts output tokens)}. Any other template key is ignored.
//  5. empirical_samples_by_model[m] -> profiles[m].samples, one Sample per entry:
//     latency_s = latency, success = success (true/false or 0/1), output_tokens =
//     token_cost (an integer, or a float rounded to the nearest integer). Other
//     sample keys (cost, ...) are ignored. An empty list adds no samples (as in
//     the reference, where an empty list means "no samples").
//  6. Single-model form: a node with neither a non-empty model_templates nor a
//     non-empty empirical_samples_by_model reads "template" and
//     "empirical_samples" as the profile of DagPoolOptions::single_model_id, or
//     of model_ids[0] when model_ids has exactly one entry. A node that has
//     by-model data ignores "template"/"empirical_samples": the reference writes
//     "template" there as an alias of one model's template.
//  7. Unknown keys are ignored (the reference adds fields such as
//     legacy_template_model). Missing required keys (dag_kind, n_nodes, nodes,
//     node_id, parents, children, layer, success_prob, lat_mean, lat_std,
//     cost_mean, latency, success, token_cost) and wrong types are errors;
//     latencies, token counts and template numbers must be finite and >= 0, and
//     success_prob at most 1.
//  8. Every error is an InputError with source "<source>:<line>" and, for
//     errors of the line's content, the JSON path within the line as the field,
//     e.g. nodes[3].empirical_samples_by_model.goedel8b[2].latency. Invalid JSON
//     names the column. Each Workflow then passes validate_workflow(wf,
//     "<source>:<line>"), whose fields use Concord's names (cycles, missing
//     prices, profiles of models not in model_ids, nodes no model can run).
//     Python's NaN/Infinity literals are invalid JSON and rejected as such.
//
// Writing: {"dag_kind", "n_nodes", "model_ids", "nodes"} as one compact line.
//  - Nodes in subtask order; node_id = the subtask's index and parents/children
//    are indices, so subtask ids other than "0".."n-1" in order are RENUMBERED.
//    parents keep deps order; children are listed in subtask order.
//  - layer = Subtask::layer when set, else the longest-path depth from a root
//    (0 for roots).
//  - model_templates for every profile with a parametric summary: success_prob,
//    lat_mean, lat_std, cost_mean (dollars: tokens_mean * price / 1e6) and
//    token_cost_mean (tokens); empirical_samples_by_model for every profile with
//    samples: latency, success (bool), token_cost (integer) and cost (dollars at
//    the model's price). Profiles are written in the order of Workflow::models.
//  - Not representable, hence dropped: description, profile_source, budget_usd,
//    deadline_s, Subtask::input_tokens and label, ModelSpec::usd_per_mtok_in and
//    max_tokens, prices (read back from the table).
//  REQUIRES: the workflow satisfies validate_workflow(); otherwise the writer
//  throws std::invalid_argument on unknown dependencies or a cycle.
//
// Round trips (doubles are written so that they read back exactly):
//  - For a Workflow whose subtask ids are "0".."n-1" in order, whose subtasks
//    all have a layer, which uses only the fields above, and whose model prices
//    match the table: parse_dag_pool(write_dag_pool({wf}), table)[0] == wf
//    except for `name`.
//  - For a file text T whose nodes are numbered 0..n-1 in file order (as the
//    reference writes them): parse(write(parse(T))) == parse(T) except for
//    `name` (which differs only when T has blank lines), and write(parse(.))
//    is a fixed point from the first write on.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/workflow.hpp"

namespace concord {

/// Model id -> dollars per 1M output tokens.
using PriceTable = std::map<std::string, double>;

/// The prices used by the MCPP paper: goedel32b 2.8, goedel8b 0.7, kimina7b 0.5
/// (ProofFlow); 30B_ins 0.8, 30B_think 2.4, 4B_ins 0.42, 4B_think 1.26 (CodeFlow).
PriceTable paper_price_table();

/// Reads a JSON object {"model": price, ...}. Throws InputError naming the file,
/// the key and the reason when the file is unreadable or not such an object, or
/// a price is not a number, negative or not finite.
PriceTable read_price_table_file(const std::string& path);

struct DagPoolOptions {
  /// Model id given to the single-model form ("template"/"empirical_samples").
  std::string single_model_id = "default";
};

/// Parses every non-blank line into a validated Workflow (empty text: no
/// workflows). `source` names the input in errors and workflow names.
/// Throws InputError on the first bad line.
std::vector<Workflow> parse_dag_pool(std::string_view text, const PriceTable& prices, const std::string& source,
                                     const DagPoolOptions& options = {});

/// Reads a file; an unreadable file is an InputError too.
std::vector<Workflow> read_dag_pool_file(const std::string& path, const PriceTable& prices,
                                         const DagPoolOptions& options = {});

/// One DAG-pool line, without a trailing newline.
std::string write_dag_pool_line(const Workflow& wf);

/// The lines of all workflows, each ending in '\n'.
std::string write_dag_pool(const std::vector<Workflow>& wfs);

/// Writes write_dag_pool(wfs) to a file; throws InputError when it cannot.
void write_dag_pool_file(const std::vector<Workflow>& wfs, const std::string& path);

}  // namespace concord
