#pragma once
// Configuration of a `concord node`: the workers file and caf-application.ini.
// CAF 0.17 silently ignores unknown keys and wrong types in its config file;
// Concord reads the file itself and refuses anything it does not know.
#include <string>
#include <vector>

#include "cluster_network.hpp"
#include "node_manager.hpp"

namespace concord::cli {

/// Simulated workers per model entry of a workers file ("count", default 1).
inline constexpr int kMinWorkerCount = 1;
inline constexpr int kMaxWorkerCount = 1024;
/// Slots per worker ("slots": samples one worker runs at once; absent: unlimited).
inline constexpr int kMinWorkerSlots = 1;
inline constexpr int kMaxWorkerSlots = 1024;

/// `{"workers": [{"model": "goedel8b", "count": 2, "slots": 4}, ...]}`, count in 1..1024 (default
/// 1), slots in 1..1024 (default: unlimited). Throws InputError naming the file and field.
std::vector<actors::HostedWorkers> read_workers_file(const std::string& path);

/// The `[node]` section: what the command line would otherwise say (a flag given on the
/// command line wins). Lets one file describe a node, as a systemd unit or a ConfigMap needs.
struct NodeFileSettings {
  std::string listen;                // listen="HOST:PORT"
  std::vector<std::string> seeds;    // seeds=["HOST:PORT", ...] (or one quoted HOST:PORT)
  std::string workers_file;          // workers="FILE" (relative: to the INI file's folder)
  double time_scale = 0;             // time-scale=X (0: not set)
  actors::TlsFiles tls;              // tls-cert, tls-key, tls-ca="FILE" (relative: to the INI file's folder)
  bool insecure = false;             // insecure=true: as --insecure (non-loopback --listen without TLS, --gateway without CURVE)
  std::string data_dir;              // data-dir="DIR" (relative: to the INI file's folder): as --data-dir
  std::string tenants_file;          // tenants="FILE" (relative: to the INI file's folder): as --tenants
};

/// A node's configuration file: the CAF options it accepts plus `[node]` (in `[section]` /
/// `key=value` INI form).
struct NodeCafSettings {
  std::size_t max_threads = 0;            // [scheduler] max-threads (0: the number of cores)
  double heartbeat_interval_s = actors::kDefaultTunables.heartbeat_interval_s;  // [middleman] heartbeat-interval
  double connection_timeout_s = actors::kDefaultTunables.connection_timeout_s;  // [middleman] connection-timeout (>= 2 x heartbeat-interval)
  std::size_t max_message_size = actors::kDefaultMaxMessageSize;  // [middleman] max-message-size (bytes; KiB/MiB/GiB suffix)
  std::string log_verbosity = "quiet";    // [logger] verbosity
  NodeFileSettings node;                  // [node]
};

/// Parses and validates an INI file: unknown sections or keys, unparsable values and
/// a connection timeout below twice the heartbeat interval are InputErrors naming the
/// file, line and key. Timespans accept ns, us, ms, s and min. Strings may be quoted ("...").
NodeCafSettings read_caf_settings(const std::string& path, NodeCafSettings defaults = {});

}  // namespace concord::cli
