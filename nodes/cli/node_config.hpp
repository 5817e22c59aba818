#pragma once
// Configuration of a `concord node`: the workers file and caf-application.ini.
// CAF 0.17 silently ignores unknown keys and wrong types in its config file;
// Concord reads the file itself and refuses anything it does not know.
#include <string>
#include <vector>

#include "node_manager.hpp"

namespace concord::cli {

/// Simulated workers per model entry of a workers file ("count", default 1).
inline constexpr int kMinWorkerCount = 1;
inline constexpr int kMaxWorkerCount = 1024;

/// `{"workers": [{"model": "goedel8b", "count": 2}, ...]}`, count in 1..1024. Throws InputError.
std::vector<actors::HostedWorkers> read_workers_file(const std::string& path);

/// The CAF options a node accepts (in `[section]` / `key=value` INI form).
struct NodeCafSettings {
  std::size_t max_threads = 0;            // [scheduler] max-threads (0: the number of cores)
  double heartbeat_interval_s = actors::kDefaultTunables.heartbeat_interval_s;  // [middleman] heartbeat-interval
  double connection_timeout_s = actors::kDefaultTunables.connection_timeout_s;  // [middleman] connection-timeout (>= 2 x heartbeat-interval)
  std::string log_verbosity = "quiet";    // [logger] verbosity
};

/// Parses and validates an INI file: unknown sections or keys, unparsable values and
/// a connection timeout below twice the heartbeat interval are InputErrors naming the
/// file, line and key. Timespans accept ns, us, ms, s and min.
NodeCafSettings read_caf_settings(const std::string& path, NodeCafSettings defaults = {});

}  // namespace concord::cli
