#include "model/json_fields.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace concord::json_fields {

json parse_json(std::string_view text, const std::string& source, const std::string& where) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; turn it into line:column for humans.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    throw InputError(source, where, fmt::format("invalid JSON at line {}, column {}: {}", line, col, e.what()));
  } catch (const json::exception& e) {  // e.g. a number too large for a double (1e999)
    throw InputError(source, where, fmt::format("invalid JSON: {}", e.what()));
  }
}

std::string read_file(const std::string& path) {
  // An ifstream opens a directory without complaint and then reads nothing: say what it is.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, "", "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", fmt::format("cannot open file: {}", std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(path, "", "read error");
  return ss.str();
}

namespace {
// indent: columns of the line's leading blanks; used: columns already taken on the
// current line (indent + an object key), so containers fit in `width` in total.
void dump_into(const nlohmann::ordered_json& j, int indent, int used, int width, std::string& out) {
  if (!j.is_structured() || j.empty()) {
    out += j.dump();
    return;
  }
  std::string flat = j.dump(-1, ' ', false);
  // Compact form with a space after separators reads better than nlohmann's flat form.
  std::string spaced;
  {
    bool in_string = false, escape = false;
    for (char c : flat) {
      spaced += c;
      if (in_string) {
        if (escape) escape = false;
        else if (c == '\\') escape = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == ',' || c == ':') {
        spaced += ' ';
      }
    }
  }
  if (used + static_cast<int>(spaced.size()) <= width) {
    out += spaced;
    return;
  }
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const bool is_obj = j.is_object();
  out += is_obj ? "{\n" : "[\n";
  bool first = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += pad;
    int extra = 0;
    if (is_obj) {
      std::string key = nlohmann::ordered_json(it.key()).dump() + ": ";
      out += key;
      extra = static_cast<int>(key.size());
    }
    dump_into(*it, indent + 2, indent + 2 + extra, width, out);
  }
  out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + (is_obj ? "}" : "]");
}
}  // namespace

std::string pretty_dump(const nlohmann::ordered_json& j, int width) {
  std::string out;
  dump_into(j, 0, 0, width, out);
  out += '\n';
  return out;
}

}  // namespace concord::json_fields
