#include "edge/curve_keys.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/stat.h>
#include <zmq.h>

#include "model/input_error.hpp"

namespace concord::edge {

namespace fs = std::filesystem;

CurveKeyPair generate_curve_keys() {
  char pub[41] = {}, sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0) throw std::runtime_error("zmq_curve_keypair failed (libzmq without CURVE?)");
  return {pub, sec};
}

std::string curve_public_of(const std::string& secret_z85) {
  char pub[41] = {};
  if (secret_z85.size() != 40 || zmq_curve_public(pub, secret_z85.c_str()) != 0)
    throw std::invalid_argument("not a Z85 CURVE secret key");
  return pub;
}

CurveKeyPair write_curve_key_pair(const std::string& dir, const std::string& name) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir, "", "cannot create the folder: " + ec.message());
  const CurveKeyPair keys = generate_curve_keys();
  const fs::path secret = fs::path(dir) / (name + ".key"), pub = fs::path(dir) / (name + ".pub");
  {
    const mode_t old = ::umask(077);  // the secret is never readable by others, not even briefly
    std::ofstream out(secret, std::ios::trunc);
    ::umask(old);
    if (!(out << keys.secret_z85 << '\n')) throw InputError(secret.string(), "", "cannot write the secret key");
  }
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write, ec);
  std::ofstream out(pub, std::ios::trunc);
  if (!(out << keys.public_z85 << '\n')) throw InputError(pub.string(), "", "cannot write the public key");
  return keys;
}

std::string read_curve_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot read the key file");
  std::string key, extra;
  in >> key >> extra;
  if (key.size() != 40 || !extra.empty())
    throw InputError(path, "", "expected one 40-character Z85 CURVE key (as `concord keygen` writes)");
  std::uint8_t raw[32];
  if (!zmq_z85_decode(raw, key.c_str())) throw InputError(path, "", "not a Z85 key");
  return key;
}

std::set<std::string> read_allowed_clients(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir, "", "not a folder (expected a folder of clients' *.pub keys)");
  std::set<std::string> keys;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".pub") keys.insert(read_curve_key(entry.path().string()));
  if (ec) throw InputError(dir, "", "cannot list the folder: " + ec.message());
  return keys;
}

}  // namespace concord::edge
