#pragma once
// Internal helpers for the JSON readers: typed field access that reports the
// exact field path and reason on bad input. Included by .cpp files only
// (keeps nlohmann out of the public headers).
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/input_error.hpp"

namespace concord::json_fields {

using nlohmann::json;

class FieldReader {
 public:
  explicit FieldReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw InputError(source_, field, reason);
  }
  const std::string& source() const { return source_; }

  const json& object(const json& j, const std::string& field) const {
    if (!j.is_object()) fail(field, fmt::format("expected an object, got {}", j.type_name()));
    return j;
  }
  const json& array(const json& j, const std::string& field) const {
    if (!j.is_array()) fail(field, fmt::format("expected an array, got {}", j.type_name()));
    return j;
  }
  /// Rejects keys not in `allowed` (typos must not be silently ignored).
  void only_keys(const json& obj, const std::string& field, std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (auto a : allowed) ok = ok || key == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(join(field, key), fmt::format("unknown field (expected one of: {})", list));
      }
    }
  }
  const json* find(const json& obj, std::string_view key) const {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  const json& require(const json& obj, const std::string& field, std::string_view key) const {
    const json* v = find(obj, key);
    if (!v) fail(join(field, key), "missing required field");
    return *v;
  }

  std::string string(const json& j, const std::string& field) const {
    if (!j.is_string()) fail(field, fmt::format("expected a string, got {}", j.type_name()));
    return j.get<std::string>();
  }
  double number(const json& j, const std::string& field) const {
    if (!j.is_number()) fail(field, fmt::format("expected a number, got {}", j.type_name()));
    return j.get<double>();
  }
  std::int64_t integer(const json& j, const std::string& field) const {
    // Unsigned values above INT64_MAX would wrap to negative numbers: refuse them by name.
    if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      fail(field, fmt::format("integer too large (got {}; at most {})", j.get<std::uint64_t>(), INT64_MAX));
    if (j.is_number_integer()) return j.get<std::int64_t>();
    if (j.is_number_float()) {
      const double d = j.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
    }
    fail(field, fmt::format("expected an integer, got {}", j.dump()));
  }
  bool boolean(const json& j, const std::string& field) const {
    if (j.is_boolean()) return j.get<bool>();
    if (j.is_number_integer() && (j.get<std::int64_t>() == 0 || j.get<std::int64_t>() == 1)) return j.get<std::int64_t>() == 1;
    fail(field, fmt::format("expected true/false (or 0/1), got {}", j.dump()));
  }

  static std::string join(const std::string& field, std::string_view key) {
    return field.empty() ? std::string(key) : field + "." + std::string(key);
  }
  static std::string at(const std::string& field, std::size_t i) { return fmt::format("{}[{}]", field, i); }

 private:
  std::string source_;
};

/// Parses text as JSON; syntax errors become InputError naming the source and position.
json parse_json(std::string_view text, const std::string& source, const std::string& where = "");

/// Reads a whole file; a missing/unreadable file is an InputError.
std::string read_file(const std::string& path);

/// Pretty printer: containers that fit in `width` columns stay on one line.
std::string pretty_dump(const nlohmann::ordered_json& j, int width = 100);

}  // namespace concord::json_fields
