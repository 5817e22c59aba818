#include "route/prompt_text.hpp"

#include <cctype>
#include <cstdint>
#include <optional>

namespace concord::route {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<std::uint32_t> hex_value(std::string_view s) {
  std::uint32_t v = 0;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10));
  }
  return v;
}

/// Parses one string literal starting at raw[i] (a quote); appends its value to out and
/// returns the index after the closing quote, or nullopt when it is not terminated.
std::optional<std::size_t> parse_literal(std::string_view raw, std::size_t i, std::string& out) {
  const char quote = raw[i++];
  while (i < raw.size()) {
    const char c = raw[i];
    if (c == quote) return i + 1;
    if (c != '\\' || i + 1 >= raw.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    const char e = raw[i + 1];
    i += 2;
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case '\\': case '\'': case '"': out.push_back(e); break;
      case 'x': case 'u': case 'U': {
        const std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        const auto v = i + n <= raw.size() ? hex_value(raw.substr(i, n)) : std::nullopt;
        if (v && *v <= 0x10FFFF) {
          append_utf8(out, *v);
          i += n;
        } else {
          out.push_back('\\');
          out.push_back(e);
        }
        break;
      }
      default:  // unknown escape: Python keeps the backslash
        out.push_back('\\');
        out.push_back(e);
    }
  }
  return std::nullopt;
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

std::string decode_prompt(std::string_view raw) {
  std::size_t i = skip_space(raw, 0);
  if (i >= raw.size() || raw[i] != '[') return std::string(raw);
  std::string out;
  i = skip_space(raw, i + 1);
  bool first = true;
  while (i < raw.size() && raw[i] != ']') {
    if (raw[i] != '\'' && raw[i] != '"') return std::string(raw);
    if (!first) out.push_back('\n');
    first = false;
    const auto next = parse_literal(raw, i, out);
    if (!next) return std::string(raw);
    i = skip_space(raw, *next);
    if (i < raw.size() && raw[i] == ',') i = skip_space(raw, i + 1);
  }
  if (i >= raw.size() || skip_space(raw, i + 1) != raw.size()) return std::string(raw);
  return out;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string w;
  for (unsigned char c : text) {
    if (c < 0x80 && std::isalnum(c)) {
      w.push_back(static_cast<char>(std::tolower(c)));
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

}  // namespace concord::route
