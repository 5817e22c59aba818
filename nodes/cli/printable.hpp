#pragma once
// Text from input files (subtask and model ids, names, descriptions) and from the
// command line is printed through these: control characters (ESC, BEL, CR, ...),
// C1 controls and invalid UTF-8 bytes are escaped (\x1b, \u009b), so a file cannot
// move the cursor, recolour or rewrite the terminal through a report or a progress line.
#include <string>
#include <string_view>

namespace concord::cli {

/// `s` with every control character escaped; valid UTF-8 otherwise kept as is.
std::string printable(std::string_view s);

/// The same, but keeps '\n' (multi-line error messages).
std::string printable_lines(std::string_view s);

}  // namespace concord::cli
