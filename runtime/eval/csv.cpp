#include "eval/csv.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "model/input_error.hpp"

namespace concord::route {

std::vector<CsvRecord> parse_csv(std::string_view t, const std::string& source) {
  std::vector<CsvRecord> out;
  CsvRecord rec;
  std::string field;
  std::size_t i = 0, line = 1, record_line = 1;
  const std::size_t n = t.size();
  auto fail = [&](const std::string& reason) {
    throw InputError(source, fmt::format("record {} (line {})", out.size() + 1, record_line), reason);
  };
  if (n == 0) return out;
  while (true) {
    // At the start of a field.
    field.clear();
    if (i < n && t[i] == '"') {
      ++i;
      while (true) {
        if (i >= n) fail("unterminated quoted field");
        const char c = t[i++];
        if (c == '"') {
          if (i < n && t[i] == '"') {
            field.push_back('"');
            ++i;
          } else {
            break;
          }
        } else {
          if (c == '\n') ++line;
          field.push_back(c);
        }
      }
      if (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r') fail("text after a closing quote");
    } else {
      while (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r') {
        if (t[i] == '"') fail("a double quote inside an unquoted field");
        field.push_back(t[i++]);
      }
    }
    rec.push_back(std::move(field));
    if (i < n && t[i] == ',') {
      ++i;
      continue;
    }
    // End of record (line break or end of text).
    if (i < n && t[i] == '\r') ++i;
    if (i < n && t[i] == '\n') ++i;
    ++line;
    out.push_back(std::move(rec));
    rec = {};
    record_line = line;
    if (i >= n) break;
  }
  return out;
}

std::vector<CsvRecord> read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_csv(ss.str(), path);
}

}  // namespace concord::route
