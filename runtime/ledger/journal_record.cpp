#include "ledger/journal_record.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <vector>

namespace concord::ledger {

namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

constexpr std::string_view kMagic = "concord-ledger-journal";

std::string with_crc(std::string payload) {
  char buf[16];
  std::snprintf(buf, sizeof buf, " #%08x\n", static_cast<unsigned>(crc32(payload)));
  payload += buf;
  return payload;
}

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t j = s.find(' ', i);
    const std::size_t end = j == std::string_view::npos ? s.size() : j;
    out.push_back(s.substr(i, end - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

/// Strict decimal: digits only (no sign, no spaces), whole token, no overflow.
template <class T>
bool parse_uint(std::string_view tok, T& out) {
  if (tok.empty() || tok.size() > 20) return false;
  for (char c : tok) {
    if (c < '0' || c > '9') return false;
  }
  if (tok.size() > 1 && tok[0] == '0') return false;  // one spelling per number
  const auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out);
  return ec == std::errc{} && p == tok.data() + tok.size();
}

std::optional<Event::Kind> parse_kind(std::string_view s) {
  for (auto k : {Event::Kind::grant, Event::Kind::deny, Event::Kind::commit, Event::Kind::release,
                 Event::Kind::set_budget}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<DenyReason> parse_reason(std::string_view s) {
  for (auto r : {DenyReason::none, DenyReason::over_budget, DenyReason::source_refused}) {
    if (to_string(r) == s) return r;
  }
  return std::nullopt;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kCrcTable[(c ^ b) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string encode_header(Money budget) {
  return with_crc("0 " + std::string(kMagic) + " " + std::to_string(kJournalVersion) + " " + std::to_string(budget));
}

std::string encode_record(std::uint64_t seq, const Event& e) {
  std::string p = std::to_string(seq);
  p += ' ';
  p += to_string(e.kind);
  p += ' ';
  p += std::to_string(e.id);
  p += ' ';
  p += std::to_string(e.amount);
  p += ' ';
  p += to_string(e.reason);
  return with_crc(std::move(p));
}

std::optional<std::string> decode_line(std::string_view line, JournalLine& out) {
  // Checksum first: nothing in a line is trusted before it matches.
  const std::size_t hash = line.rfind(" #");
  if (hash == std::string_view::npos || line.size() - hash != 10) return "no checksum field";
  const std::string_view payload = line.substr(0, hash);
  std::uint32_t stored = 0;
  const std::string_view hex = line.substr(hash + 2);
  for (char c : hex) {
    const bool digit = c >= '0' && c <= '9', lower = c >= 'a' && c <= 'f';
    if (!digit && !lower) return "malformed checksum";
  }
  std::from_chars(hex.data(), hex.data() + hex.size(), stored, 16);
  if (stored != crc32(payload)) return "checksum mismatch";

  const auto tok = split_spaces(payload);
  out = JournalLine{};
  if (tok.empty() || !parse_uint(tok[0], out.seq)) return "malformed sequence number";
  if (out.seq == 0) {
    if (tok.size() != 4) return "header: expected 4 fields, got " + std::to_string(tok.size());
    if (tok[1] != kMagic) return "not a concord ledger journal header";
    int version = 0;
    if (!parse_uint(tok[2], version) || version != kJournalVersion) {
      return "unsupported journal version \"" + std::string(tok[2]) + "\"";
    }
    Money budget = 0;
    if (!parse_uint(tok[3], budget)) return "malformed budget";
    out.budget = budget;
    return std::nullopt;
  }
  if (tok.size() != 5) return "expected 5 fields, got " + std::to_string(tok.size());
  Event e;
  const auto kind = parse_kind(tok[1]);
  if (!kind) return "unknown record kind \"" + std::string(tok[1]) + "\"";
  e.kind = *kind;
  if (!parse_uint(tok[2], e.id)) return "malformed id";
  if (!parse_uint(tok[3], e.amount)) return "malformed amount";
  const auto reason = parse_reason(tok[4]);
  if (!reason) return "unknown deny reason \"" + std::string(tok[4]) + "\"";
  e.reason = *reason;
  if ((e.kind == Event::Kind::deny) != (e.reason != DenyReason::none)) return "deny reason on the wrong kind of record";
  if (e.kind == Event::Kind::release && e.amount != 0) return "release with an amount";
  if (e.kind == Event::Kind::set_budget && e.id != 0) return "budget record with an id";
  out.event = e;
  return std::nullopt;
}

}  // namespace concord::ledger
