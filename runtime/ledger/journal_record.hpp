#pragma once
// One line of the ledger journal (format in docs/ledger.md):
//
//   0 concord-ledger-journal 1 <budget> #<crc>          header (seq 0, format version 1)
//   <seq> grant   <id> <amount> none #<crc>
//   <seq> deny    <id> <amount> <over_budget|source_refused> #<crc>
//   <seq> commit  <id> <actual> none #<crc>
//   <seq> release <id> 0 none #<crc>
//   <seq> budget  0 <budget> none #<crc>
//
// Text, one record per '\n'-terminated line, so a journal can be read with less.
// seq counts records from 1 without gaps; ids and amounts are decimal
// (picodollars); <crc> is the CRC-32 (IEEE 802.3, as zlib) of every byte before
// " #", as 8 lowercase hex digits. A line is written with a single write(), so a
// write torn by a crash is a prefix of the line and has no '\n'.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/types.hpp"

namespace concord::ledger {

inline constexpr int kJournalVersion = 1;

/// CRC-32 (reflected, polynomial 0xEDB88320, init and xorout 0xFFFFFFFF).
std::uint32_t crc32(std::string_view bytes);

/// The header line (with its '\n').
std::string encode_header(Money budget);
/// A record line (with its '\n'). REQUIRES seq >= 1.
std::string encode_record(std::uint64_t seq, const Event& e);

/// A decoded line: the header (seq 0, `budget` set) or a record (`event` set).
struct JournalLine {
  std::uint64_t seq = 0;
  std::optional<Money> budget;
  std::optional<Event> event;
};

/// Decodes one line without its '\n'. Returns the reason it is invalid
/// (bad checksum, unknown kind, malformed number, ...) or nullopt.
std::optional<std::string> decode_line(std::string_view line, JournalLine& out);

}  // namespace concord::ledger
