#include "cli/output_files.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "model/input_error.hpp"

namespace concord::cli {

std::string output_file_name(const std::string& id) {
  std::string name;
  for (char c : id) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (name.empty() || name == "." || name == "..") name = "_" + name;
  return name + ".txt";
}

void write_output_files(const std::string& dir, const std::map<std::string, std::string>& outputs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError("--output", "", fmt::format("cannot create \"{}\": {}", dir, ec.message()));
  for (const auto& [id, text] : outputs) {
    const auto path = std::filesystem::path(dir) / output_file_name(id);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw InputError("--output", "", fmt::format("cannot write \"{}\"", path.string()));
  }
}

}  // namespace concord::cli
