#pragma once
// Prompt text as a router sees it. RouterBench stores a prompt as the repr of a
// Python list of strings (`['line one\nline two']`, `["it's"]`): quotes, list
// syntax and literal backslash escapes, not the text the model read. These
// functions recover that text and cut it into words, so that a feature never
// sees `\n` glued to the next word (`nprint`).
//
// Invariants:
//   1. decode_prompt is total: text that is not a well-formed list literal of
//      string literals is returned unchanged (a plain prompt stays a plain prompt).
//   2. The elements of a list are joined with '\n'; escapes \n \t \r \\ \' \"
//      \xHH \uHHHH \UHHHHHHHH are decoded (code points as UTF-8); an unknown
//      escape keeps its backslash, as Python does.
//   3. words(): maximal runs of ASCII letters and digits, lower-cased; every
//      other byte (punctuation, whitespace, non-ASCII) separates words.
#include <string>
#include <string_view>
#include <vector>

namespace concord::route {

/// The text a Python list-of-strings literal denotes (see invariants 1, 2).
std::string decode_prompt(std::string_view raw);

/// The words of `text` (invariant 3), in order, with repetitions.
std::vector<std::string> words(std::string_view text);

}  // namespace concord::route
