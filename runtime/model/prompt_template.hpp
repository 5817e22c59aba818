#pragma once
// A subtask's prompt template (workflow field "prompt"): text in which {{ID}} stands for the
// output of the subtask named ID, which must be one of the subtask's dependencies (validation
// says so by field). Whitespace inside the braces is ignored ({{ plan }} = {{plan}}). Text that
// is not a reference ("{{" not closed, or not a plain id inside) is kept as written.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace concord {

/// The ids the template refers to, in order of appearance (repeats kept).
std::vector<std::string> prompt_references(std::string_view tpl);

/// The template with every {{ID}} replaced by output_of(ID) (nullptr: replaced by nothing).
std::string render_prompt(std::string_view tpl, const std::function<const std::string*(const std::string& id)>& output_of);

}  // namespace concord
