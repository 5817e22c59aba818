#include "node_config.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/input_error.hpp"
#include "cluster_network.hpp"
#include "model/json_fields.hpp"

namespace concord::cli {

std::vector<actors::HostedWorkers> read_workers_file(const std::string& path) {
  const auto root = json_fields::parse_json(json_fields::read_file(path), path);
  json_fields::FieldReader r(path);
  r.object(root, "(top level)");
  r.only_keys(root, "", {"workers"});
  const auto& list = r.array(r.require(root, "", "workers"), "workers");
  std::vector<actors::HostedWorkers> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto f = json_fields::FieldReader::at("workers", i);
    r.object(list[i], f);
    r.only_keys(list[i], f, {"model", "count", "slots"});
    actors::HostedWorkers w;
    w.model = r.string(r.require(list[i], f, "model"), f + ".model");
    if (w.model.empty()) r.fail(f + ".model", "empty model id");
    if (const auto* c = r.find(list[i], "count")) {
      // Checked before narrowing to int: 2^32 + 1 must not become 1.
      const auto count = r.integer(*c, f + ".count");
      if (count < kMinWorkerCount || count > kMaxWorkerCount)
        r.fail(f + ".count", fmt::format("must be in {}..{} (got {})", kMinWorkerCount, kMaxWorkerCount, count));
      w.count = static_cast<int>(count);
    }
    if (const auto* s = r.find(list[i], "slots")) {
      const auto slots = r.integer(*s, f + ".slots");  // checked before narrowing, as count
      if (slots < kMinWorkerSlots || slots > kMaxWorkerSlots)
        r.fail(f + ".slots", fmt::format("must be in {}..{} samples at once per worker (got {}; leave it out for unlimited)",
                                         kMinWorkerSlots, kMaxWorkerSlots, slots));
      w.slots = static_cast<int>(slots);
    }
    out.push_back(w);
  }
  if (out.empty()) r.fail("workers", "empty: a node needs at least one worker");
  return out;
}

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

double parse_timespan(const std::string& v, const std::string& path, const std::string& field) {
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    throw InputError(path, field, fmt::format("expected a timespan like 100ms (got \"{}\")", v));
  }
  const std::string unit = v.substr(used);
  double scale = 0;
  if (unit == "ns") scale = 1e-9;
  else if (unit == "us") scale = 1e-6;
  else if (unit == "ms") scale = 1e-3;
  else if (unit == "s") scale = 1;
  else if (unit == "min") scale = 60;
  else throw InputError(path, field, fmt::format("unknown unit \"{}\" (use ns, us, ms, s or min)", unit));
  if (!(x > 0)) throw InputError(path, field, "must be positive");
  return x * scale;
}

std::string unquote(const std::string& v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

std::string host_port_value(const std::string& v, const std::string& path, const std::string& field) {
  const std::string s = unquote(trim(v));
  if (!actors::parse_host_port(s)) throw InputError(path, field, fmt::format("\"{}\": expected HOST:PORT with a port in 0..65535", s));
  return s;
}

/// ["a:1", "b:2"] or "a:1" (one seed); [] is no seed.
std::vector<std::string> host_port_list(const std::string& v, const std::string& path, const std::string& field) {
  if (v.empty() || v.front() != '[') return {host_port_value(v, path, field)};
  if (v.back() != ']') throw InputError(path, field, "expected [\"HOST:PORT\", ...]");
  std::vector<std::string> out;
  std::stringstream items(v.substr(1, v.size() - 2));
  std::string item;
  while (std::getline(items, item, ',')) {
    if (trim(item).empty()) continue;
    out.push_back(host_port_value(item, path, fmt::format("{}[{}]", field, out.size())));
  }
  return out;
}

}  // namespace

NodeCafSettings read_caf_settings(const std::string& path, NodeCafSettings s) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot open file");
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    const auto semi = line.find(';');
    line = trim(semi == std::string::npos ? line : line.substr(0, semi));
    if (line.empty()) continue;
    const std::string where = fmt::format("line {}", n);
    if (line.front() == '[') {
      if (line.back() != ']') throw InputError(path, where, "expected [section]");
      section = trim(line.substr(1, line.size() - 2));
      if (section != "node" && section != "scheduler" && section != "middleman" && section != "logger")
        throw InputError(path, where, fmt::format("unknown section [{}] (known: node, scheduler, middleman, logger)", section));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw InputError(path, where, "expected key=value");
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    const std::string field = section + "." + key;
    if (field == "scheduler.max-threads") {
      try {
        const long v = std::stol(value);
        if (v < 1 || v > 1024) throw std::out_of_range("range");
        s.max_threads = static_cast<std::size_t>(v);
      } catch (const std::exception&) {
        throw InputError(path, field, fmt::format("expected an integer in 1..1024 (got \"{}\")", value));
      }
    } else if (field == "middleman.heartbeat-interval") {
      s.heartbeat_interval_s = parse_timespan(value, path, field);
    } else if (field == "middleman.connection-timeout") {
      s.connection_timeout_s = parse_timespan(value, path, field);
    } else if (field == "middleman.max-message-size") {
      // BYTES, or with a KiB / MiB / GiB suffix; 64 KiB .. 4 GiB - 1 (a BASP header's payload_len).
      std::size_t used = 0;
      unsigned long long n = 0;
      try {
        n = std::stoull(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      const std::string unit = used ? trim(value.substr(used)) : "";
      const int shift = unit.empty() ? 0 : unit == "KiB" ? 10 : unit == "MiB" ? 20 : unit == "GiB" ? 30 : -1;
      const unsigned long long bytes = shift >= 0 && n < (1ull << 33) ? n << shift : 0;
      if (used == 0 || value.front() == '-' || shift < 0 || bytes < actors::kMaxHandshakeSize || bytes > 0xFFFFFFFFull)
        throw InputError(path, field, fmt::format("expected a size in 64KiB..4GiB-1, in bytes or with a KiB, MiB or GiB suffix (got \"{}\")", value));
      s.max_message_size = static_cast<std::size_t>(bytes);
    } else if (field == "node.listen") {
      s.node.listen = host_port_value(value, path, field);
    } else if (field == "node.seeds") {
      s.node.seeds = host_port_list(value, path, field);
    } else if (field == "node.workers" || field == "node.tls-cert" || field == "node.tls-key" || field == "node.tls-ca" ||
               field == "node.tenants") {
      const std::filesystem::path file = unquote(value);
      if (file.empty()) throw InputError(path, field, "empty file name");
      const std::string resolved = (file.is_relative() ? std::filesystem::path(path).parent_path() / file : file).string();
      (field == "node.workers"    ? s.node.workers_file
       : field == "node.tenants"  ? s.node.tenants_file
       : field == "node.tls-cert" ? s.node.tls.cert
       : field == "node.tls-key"  ? s.node.tls.key
                                  : s.node.tls.ca) = resolved;
    } else if (field == "node.data-dir") {
      const std::filesystem::path dir = unquote(value);
      if (dir.empty()) throw InputError(path, field, "empty folder name (leave the key out to keep ledgers in memory)");
      s.node.data_dir = (dir.is_relative() ? std::filesystem::path(path).parent_path() / dir : dir).string();
    } else if (field == "node.time-scale") {
      std::size_t used = 0;
      double x = 0;
      try {
        x = std::stod(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != value.size() || !(x >= 1 && x <= 1e7))
        throw InputError(path, field, fmt::format("expected simulated seconds per real second in 1..10000000 (got \"{}\")", value));
      s.node.time_scale = x;
    } else if (field == "node.insecure") {
      if (value != "true" && value != "false") throw InputError(path, field, fmt::format("expected true or false (got \"{}\")", value));
      s.node.insecure = value == "true";
    } else if (field == "logger.verbosity") {
      std::string v = value;
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (v != "quiet" && v != "error" && v != "warning" && v != "info" && v != "debug")
        throw InputError(path, field, fmt::format("expected quiet, error, warning, info or debug (got {})", value));
      s.log_verbosity = v;
    } else {
      throw InputError(path, fmt::format("{} ({})", field, where),
                       "unknown option: CAF would ignore it silently, Concord refuses it "
                       "(known: node.listen, node.seeds, node.workers, node.time-scale, node.tls-cert, node.tls-key, node.tls-ca, node.insecure, node.data-dir, node.tenants, "
                       "scheduler.max-threads, "
                       "middleman.heartbeat-interval, middleman.connection-timeout, middleman.max-message-size, logger.verbosity)");
    }
  }
  if (s.connection_timeout_s < 2 * s.heartbeat_interval_s)
    throw InputError(path, "middleman.connection-timeout",
                     fmt::format("{} s is below 2 x heartbeat-interval ({} s): healthy idle peers would be dropped",
                                 s.connection_timeout_s, s.heartbeat_interval_s));
  return s;
}

}  // namespace concord::cli
