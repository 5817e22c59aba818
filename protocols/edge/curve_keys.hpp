#pragma once
// CURVE keys for the gateway (ZeroMQ's CurveZMQ: Curve25519 keys, 40-character Z85 text).
// Files: NAME.key holds a secret key (mode 0600), NAME.pub its public key; one key per file, one
// line. `concord keygen` writes pairs; a node's --clients folder holds the allowed clients' *.pub.
#include <set>
#include <string>

namespace concord::edge {

struct CurveKeyPair {
  std::string public_z85, secret_z85;
};

CurveKeyPair generate_curve_keys();
/// The public key of a secret key (Z85 both).
std::string curve_public_of(const std::string& secret_z85);
/// Writes DIR/NAME.key (0600) and DIR/NAME.pub; returns the pair. Throws InputError naming the path.
CurveKeyPair write_curve_key_pair(const std::string& dir, const std::string& name);
/// One Z85 key from a file (whitespace around it ignored). Throws InputError naming the file.
std::string read_curve_key(const std::string& path);
/// Every *.pub in a folder. Throws InputError naming the folder or the file.
std::set<std::string> read_allowed_clients(const std::string& dir);

}  // namespace concord::edge
