#include "workloads/rollout_stats.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "model/input_error.hpp"
#include "model/json_fields.hpp"

namespace concord {

namespace {

constexpr std::array<std::string_view, 4> kColumns = {"success_prob", "lat_mean", "lat_std", "cost_mean"};

std::string_view trim(std::string_view s) {
  constexpr std::string_view kBlank = " \t\r\f\v";
  const auto b = s.find_first_not_of(kBlank);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kBlank) - b + 1);
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto comma = line.find(',');
    out.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return out;
    line.remove_prefix(comma + 1);
  }
}

}  // namespace

std::vector<RolloutStat> read_rollout_stats(const std::string& path) {
  const std::string text = json_fields::read_file(path);
  std::string_view rest = text;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte order mark

  std::array<std::size_t, kColumns.size()> col{};  // column index of each kColumns entry
  std::size_t width = 0;                            // fields per row, from the header
  bool have_header = false;
  std::vector<RolloutStat> rows;
  for (std::size_t line_no = 1; !rest.empty(); ++line_no) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (trim(line).empty()) continue;
    const auto fields = split_fields(line);
    const auto where = fmt::format("line {}", line_no);

    if (!have_header) {
      for (std::size_t c = 0; c < kColumns.size(); ++c) {
        std::size_t found = fields.size();
        for (std::size_t i = 0; i < fields.size(); ++i) {
          if (fields[i] != kColumns[c]) continue;
          if (found != fields.size())
            throw InputError(path, fmt::format("{}, column {}", where, kColumns[c]), "duplicate column in header");
          found = i;
        }
        if (found == fields.size())
          throw InputError(path, fmt::format("{}, column {}", where, kColumns[c]),
                           fmt::format("missing column in header \"{}\" (expected success_prob, lat_mean, lat_std, cost_mean)",
                                       trim(line)));
        col[c] = found;
      }
      width = fields.size();
      have_header = true;
      continue;
    }

    if (fields.size() != width)
      throw InputError(path, where, fmt::format("expected {} fields as in the header, got {}", width, fields.size()));
    std::array<double, kColumns.size()> v{};
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      const std::string_view cell = fields[col[c]];
      const auto field = fmt::format("{}, column {}", where, kColumns[c]);
      double x = 0;
      const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), x);
      if (cell.empty() || ec != std::errc() || end != cell.data() + cell.size())
        throw InputError(path, field, fmt::format("expected a number, got \"{}\"", cell));
      if (!std::isfinite(x)) throw InputError(path, field, fmt::format("must be a finite number (got {})", cell));
      if (x < 0) throw InputError(path, field, fmt::format("must not be negative (got {})", cell));
      if (c == 0 && x > 1) throw InputError(path, field, fmt::format("a probability must be in [0, 1] (got {})", cell));
      v[c] = x;
    }
    rows.push_back({v[0], v[1], v[2], v[3]});
  }
  if (!have_header) throw InputError(path, "line 1", "empty file: expected a header success_prob,lat_mean,lat_std,cost_mean");
  if (rows.empty()) throw InputError(path, "", "no data rows after the header");
  return rows;
}

}  // namespace concord
