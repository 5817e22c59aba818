#include "cli/number_options.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

namespace concord::cli {

namespace {

bool is_decimal_real(const std::string& s) {
  static const std::regex re(R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  return std::regex_match(s, re);
}

bool is_decimal_integer(const std::string& s) {
  static const std::regex re(R"([+-]?[0-9]+)");
  return std::regex_match(s, re);
}

/// Control characters in what the user typed are not echoed raw.
std::string shown(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  if (out.size() > 40) out = out.substr(0, 40) + "...";
  return "\"" + out + "\"";
}

}  // namespace

std::string readable(double x) {
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15) return fmt::format("{}", static_cast<long long>(x));
  return fmt::format("{}", x);
}

CLI::Validator real_in(double lo, double hi, bool lo_open, const std::string& what) {
  const std::string range = fmt::format("{}{}, {}]", lo_open ? "(" : "[", readable(lo), readable(hi));
  const std::string desc = fmt::format("a number of {} in {}", what, range);
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        if (!is_decimal_real(s))
          return fmt::format("expected a decimal number of {} in {} (got {})", what, range, shown(s));
        errno = 0;
        const double x = std::strtod(s.c_str(), nullptr);
        if (!std::isfinite(x) || errno == ERANGE || (lo_open ? !(x > lo) : !(x >= lo)) || !(x <= hi))
          return fmt::format("must be in {} {} (got {})", range, what, s);
        s = fmt::format("{}", x);  // shortest text that reads back as x
        return {};
      },
      desc, "REAL");
}

CLI::Validator integer_in(std::int64_t lo, std::int64_t hi) {
  const std::string range = fmt::format("{}..{}", lo, hi);
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        if (!is_decimal_integer(s)) return fmt::format("expected a decimal integer in {} (got {})", range, shown(s));
        const char* b = s.c_str() + (s[0] == '+' ? 1 : 0);
        std::int64_t x = 0;
        const auto [end, ec] = std::from_chars(b, s.c_str() + s.size(), x);
        if (ec != std::errc() || end != s.c_str() + s.size() || x < lo || x > hi)
          return fmt::format("must be in {} (got {})", range, s);
        s = std::to_string(x);  // no leading zeros: CLI11 would read "010" as octal
        return {};
      },
      fmt::format("an integer in {}", range), "INT");
}

CLI::Validator unsigned64() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        const std::string range = "0..18446744073709551615";
        if (!is_decimal_integer(s)) return fmt::format("expected a decimal integer in {} (got {})", range, shown(s));
        if (s[0] == '-' && s.find_first_not_of("-0") != std::string::npos)
          return fmt::format("must not be negative: expected an integer in {} (got {})", range, s);
        const std::size_t skip = (s[0] == '+' || s[0] == '-') ? 1 : 0;
        std::uint64_t x = 0;
        const auto [end, ec] = std::from_chars(s.c_str() + skip, s.c_str() + s.size(), x);
        if (ec != std::errc() || end != s.c_str() + s.size()) return fmt::format("must be in {} (got {})", range, s);
        s = std::to_string(x);
        return {};
      },
      "an integer in 0..2^64-1", "UINT");
}

}  // namespace concord::cli
