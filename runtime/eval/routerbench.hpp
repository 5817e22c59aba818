#pragma once
// RouterBench subsets (../shared/datasets/routerbench, see its README): one row
// per query with, for each of 11 LLMs, the recorded correctness (a score in [0, 1]:
// 0/1, or graded) and the real cost in dollars. Loaded for replay evaluation of
// routing policies. An empty correctness cell (a few ARC rows) counts as incorrect
// (0) and is counted in `missing_outcomes`.
#include <cstddef>
#include <string>
#include <vector>

namespace concord::route {

struct RouterBenchQuery {
  std::string sample_id;
  std::string dataset;  // eval_name, e.g. "arc-challenge", "mbpp"
  std::string prompt;
  std::vector<double> correct;   // per model (RouterBenchData::models order), a score in [0, 1]
  std::vector<double> cost_usd;  // per model, dollars
};

struct RouterBenchData {
  std::vector<std::string> datasets;  // the files read, by name without "_<split>.csv", in reading order
  std::vector<std::string> models;  // column order of the file
  std::vector<RouterBenchQuery> queries;
  std::size_t missing_outcomes = 0;
};

/// Reads one file, e.g. <dir>/routerbench/mbpp_train.csv. A model is a column X with
/// X|total_cost (and usually X|model_response). Errors: InputError naming the file, the
/// record/column and the reason: a missing column, a model with other X|... columns but
/// no X|total_cost, a score outside [0, 1], a negative or non-numeric cost, no query.
RouterBenchData load_routerbench_file(const std::string& path);

/// The NAMEs of every <datasets_dir>/routerbench/NAME_<split>.csv, sorted. Errors (InputError
/// naming the folder): it cannot be listed.
std::vector<std::string> list_routerbench(const std::string& datasets_dir, const std::string& split);

/// Reads every <datasets_dir>/routerbench/NAME_<split>.csv, in name order, concatenated; with
/// `only` non-empty, just those NAMEs (in name order). Errors (InputError naming the file): none
/// found, a NAME of `only` without its file, models that differ between files.
RouterBenchData load_routerbench(const std::string& datasets_dir, const std::string& split,
                                 const std::vector<std::string>& only = {});

/// The train and test data describe the same datasets and models. Errors: InputError naming
/// the file that lacks its other half, or the models that differ.
void check_train_test(const RouterBenchData& train, const RouterBenchData& test, const std::string& datasets_dir);

}  // namespace concord::route
