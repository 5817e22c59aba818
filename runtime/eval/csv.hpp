#pragma once
// RFC 4180 CSV: fields separated by ',', records by CRLF or LF; a field may be
// enclosed in double quotes, inside which commas, line breaks and doubled
// quotes ("") are literal. A final line break is optional. Malformed input (an
// unterminated quoted field, a quote inside an unquoted field, text after a
// closing quote) is an InputError naming the source, the record and the reason.
#include <string>
#include <string_view>
#include <vector>

namespace concord::route {

using CsvRecord = std::vector<std::string>;

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& source);

/// Reads and parses a file (unreadable file: InputError).
std::vector<CsvRecord> read_csv_file(const std::string& path);

}  // namespace concord::route
