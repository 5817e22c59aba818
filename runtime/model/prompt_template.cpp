#include "model/prompt_template.hpp"

#include <cctype>

namespace concord {

namespace {

bool id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' || c == '/'; }

/// A reference starting at tpl[i] ("{{"): its id and the index just past "}}", or false.
bool reference_at(std::string_view tpl, std::size_t i, std::string& id, std::size_t& end) {
  if (tpl.compare(i, 2, "{{") != 0) return false;
  const std::size_t close = tpl.find("}}", i + 2);
  if (close == std::string_view::npos) return false;
  std::string_view inner = tpl.substr(i + 2, close - i - 2);
  while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.front()))) inner.remove_prefix(1);
  while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.back()))) inner.remove_suffix(1);
  if (inner.empty()) return false;
  for (char c : inner)
    if (!id_char(c)) return false;
  id.assign(inner);
  end = close + 2;
  return true;
}

}  // namespace

std::vector<std::string> prompt_references(std::string_view tpl) {
  std::vector<std::string> out;
  std::string id;
  std::size_t end = 0;
  for (std::size_t i = 0; i + 1 < tpl.size();) {
    if (reference_at(tpl, i, id, end)) {
      out.push_back(id);
      i = end;
    } else {
      ++i;
    }
  }
  return out;
}

std::string render_prompt(std::string_view tpl, const std::function<const std::string*(const std::string& id)>& output_of) {
  std::string out;
  out.reserve(tpl.size());
  std::string id;
  std::size_t end = 0;
  for (std::size_t i = 0; i < tpl.size();) {
    if (i + 1 < tpl.size() && reference_at(tpl, i, id, end)) {
      if (const std::string* s = output_of(id)) out += *s;
      i = end;
    } else {
      out += tpl[i++];
    }
  }
  return out;
}

}  // namespace concord
