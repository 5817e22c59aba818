#pragma once
// Validators for the numeric flags of every `concord` subcommand. CLI11 alone accepts
// hex ("0x10"), octal ("010" = 8), "nan", "inf" and wraps "-1" into an unsigned seed;
// these accept plain decimal notation only, within a stated range, and name the flag
// and the reason in a one-line error (exit code 2). Each normalises the text it accepts
// (e.g. "007" -> "7") so that CLI11's own conversion cannot read it differently.
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace concord::cli {

/// A finite decimal number in [lo, hi], or (lo, hi] when lo_open. `what` names the unit
/// in messages (e.g. "seconds").
CLI::Validator real_in(double lo, double hi, bool lo_open, const std::string& what);

/// A decimal integer in [lo, hi] (a leading '-' only when lo < 0).
CLI::Validator integer_in(std::int64_t lo, std::int64_t hi);

/// A decimal unsigned 64-bit integer (0 .. 18446744073709551615): seeds.
CLI::Validator unsigned64();

/// A bound as people write it: 10000000, 0.5, 1e+12 (never 309 digits).
std::string readable(double x);

}  // namespace concord::cli
