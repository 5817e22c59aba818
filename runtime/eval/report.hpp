#pragma once
// Output of a bench run: the text table, the CSV file and axis labels.
#include <string>
#include <vector>

#include "eval/grid.hpp"

namespace concord::bench {

/// "0.5x" for a ratio axis; "$0.0123" (budgets) or "120s" (deadlines) for absolute values.
std::string budget_label(const Axis& axis, std::size_t i);
std::string deadline_label(const Axis& axis, std::size_t i);

/// The grid as a table: one block of lines per budget (rows), one column per deadline.
/// Per cell: MCPP rate [Wilson 95% lo, hi], the best baseline (name@model) and its
/// rate [lo, hi], and MCPP's gain over it.
std::string format_table(const BenchResult& result);

/// The CSV columns, in order.
const std::vector<std::string>& csv_columns();

/// One row per cell x method: "mcpp", and every (baseline, model).
std::string format_csv(const BenchResult& result, const std::string& workload);

/// MCPP per workflow: one row per cell x workflow (index in the workload, name, trials,
/// successes), for analyses that pair by workflow (the trials of one workflow share their
/// seeds across cells, so cells are not independent samples). Empty without MCPP.
std::string format_workflow_csv(const BenchResult& result, const std::string& workload);

/// Writes text to a file; throws InputError naming the path when it cannot.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace concord::bench
