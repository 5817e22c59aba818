#pragma once
// `--output DIR`: each completed subtask's accepted output as DIR/ID.txt (ID with every character
// outside [A-Za-z0-9._-] replaced by '_', so a subtask id cannot name a path outside DIR).
#include <map>
#include <string>

namespace concord::cli {

/// Writes the files (creating DIR); throws InputError naming --output and the path on failure.
void write_output_files(const std::string& dir, const std::map<std::string, std::string>& outputs);

/// The file name an output of subtask `id` gets.
std::string output_file_name(const std::string& id);

}  // namespace concord::cli
