#include "cluster_network.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/scribe_impl.hpp>
#include <fmt/format.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>

#include <algorithm>
#include <iostream>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace concord::actors {

std::optional<HostPort> parse_host_port(const std::string& s) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return std::nullopt;
  return HostPort{s.substr(0, colon), static_cast<std::uint16_t>(port)};
}

namespace {

constexpr const char* kMaxMessageSizeKey = "middleman.max-message-size";

/// The bound caf::io::network::stream::configure_read applies (below; 0: none): the last
/// configure_cluster_network's max_message_size, for every connection of the process.
std::atomic<std::size_t> stream_max_message_size{0};

std::string peer_of_fd(int fd);

/// A plain TCP connection whose BASP reads are bounded. CAF 0.17's BASP broker answers a header
/// announcing payload_len bytes with configure_read(exactly(payload_len)), and the stream then
/// resizes (zero-fills) its read buffer to that size before a byte of it arrives
/// (libcaf_io/src/io/network/stream.cpp:120, stream::prepare_next_read, `rd_buf_.resize(max_)`):
/// a 32-byte header announcing 4 GiB made the node allocate and touch 4 GiB. Here a read above
/// the bound is refused before CAF allocates: one line on stderr, the socket shut down, and
/// CAF's own error path (end of stream) drops the connection.
class BoundedScribe : public caf::io::network::scribe_impl {
 public:
  BoundedScribe(caf::io::network::default_multiplexer& mx, caf::io::network::native_socket fd, std::size_t max)
      : scribe_impl(mx, fd), max_(max) {}

  void configure_read(caf::io::receive_policy::config config) override {
    // The first payload of a connection is the peer's BASP handshake (its node id and the
    // published actor: well below 64 KiB); before it, the peer is nobody.
    const bool first = payloads_ == 0;
    const std::size_t bound = first ? std::min(kMaxHandshakeSize, max_) : max_;
    if (config.second > bound) {
      if (!refused_) {
        refused_ = true;
        std::cerr << fmt::format("concord: refused the connection from {}:{}: it announced a message of {} bytes, above the {} of "
                                 "{} bytes ({})\n",
                                 addr(), port(), config.second, first ? "limit for a peer's first (handshake) message" : "limit",
                                 bound, first ? "before the BASP handshake" : "[middleman] max-message-size")
                  << std::flush;
        ::shutdown(stream_.fd(), SHUT_RDWR);
      }
      scribe_impl::configure_read(caf::io::receive_policy::exactly(caf::io::basp::header_size));
      return;
    }
    if (config.second != caf::io::basp::header_size) ++payloads_;
    scribe_impl::configure_read(config);
  }

 private:
  std::size_t max_;
  std::size_t payloads_ = 0;
  bool refused_ = false;
};

/// CAF's multiplexer, with every plain TCP connection (accepted or opened) a BoundedScribe.
/// TLS connections are the openssl module's own scribes: a peer needs a certificate of the
/// cluster's CA before it can send a BASP header at all.
class BoundedMultiplexer : public caf::io::network::default_multiplexer {
 public:
  explicit BoundedMultiplexer(caf::actor_system* sys)
      : default_multiplexer(sys),
        max_(static_cast<std::size_t>(caf::get_or(sys->config(), kMaxMessageSizeKey, static_cast<std::int64_t>(kDefaultMaxMessageSize)))) {}

  caf::io::scribe_ptr new_scribe(caf::io::network::native_socket fd) override {
    return caf::make_counted<BoundedScribe>(*this, fd, max_);
  }

 private:
  std::size_t max_;
};

}  // namespace

void configure_cluster_network(caf::actor_system_config& cfg, double heartbeat_interval_s, double connection_timeout_s,
                               std::size_t max_message_size) {
  auto span = [](double s) { return caf::timespan{static_cast<std::int64_t>(s * 1e9)}; };
  // Read by BoundedMultiplexer (set directly: it is no CAF option, cfg.set would refuse it).
  caf::put(cfg.content, kMaxMessageSizeKey, static_cast<std::int64_t>(max_message_size));
  stream_max_message_size = max_message_size;
  cfg.load<caf::io::middleman, BoundedMultiplexer>();
  cfg.set("middleman.heartbeat-interval", span(heartbeat_interval_s));
  cfg.set("middleman.connection-timeout", span(connection_timeout_s));
  cfg.set("middleman.enable-automatic-connections", true);
}

namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unusable";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

std::optional<std::string> check_tls_files(const TlsFiles& tls, const std::array<std::string, 3>& flags) {
  if (!tls.enabled()) return std::nullopt;
  const std::array<const std::string*, 3> files{&tls.cert, &tls.key, &tls.ca};
  for (std::size_t i = 0; i < files.size(); ++i)
    if (files[i]->empty())
      return flags[i] + ": missing: TLS needs " + flags[0] + ", " + flags[1] + " and " + flags[2] + " together";
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_method()), &SSL_CTX_free);
  if (!ctx) return "cannot create an OpenSSL context: " + openssl_reason();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert.c_str()) != 1)
    return flags[0] + " " + tls.cert + ": not a usable PEM certificate chain: " + openssl_reason();
  std::unique_ptr<BIO, decltype(&BIO_free)> key_file(BIO_new_file(tls.key.c_str(), "r"), &BIO_free);
  // An empty passphrase: an encrypted key fails here rather than prompting on the terminal.
  static char no_passphrase[] = "";
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      key_file ? PEM_read_bio_PrivateKey(key_file.get(), nullptr, nullptr, no_passphrase) : nullptr, &EVP_PKEY_free);
  if (!key) return flags[1] + " " + tls.key + ": not a usable PEM private key (an encrypted key is not supported): " + openssl_reason();
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1)
    return flags[1] + " " + tls.key + ": does not match the certificate " + tls.cert + ": " + openssl_reason();
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca.c_str(), nullptr) != 1)
    return flags[2] + " " + tls.ca + ": not a usable PEM CA certificate: " + openssl_reason();
  return std::nullopt;
}

namespace {

// The accepting side of a refused TLS handshake. CAF 0.17's openssl module fails the handshake
// inside session::do_some / handle_ssl_result (libcaf_openssl/src/openssl/session.cpp:107, 296),
// reports it only through CAF_LOG_INFO (compiled out in Debian's build: CAF_LOG_LEVEL_QUIET) and
// closes the socket; no message reaches the application (the BASP broker never saw a peer). Its
// SSL_CTX is made per connection (session.cpp:205, create_ssl_context) and given
// SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr)
// (session.cpp:242): Concord defines SSL_CTX_set_verify itself (below; the executable's symbol
// wins over libssl's for libcaf_openssl's call) to add a verify callback and an info callback
// to exactly those contexts, and logs one line when an accepted connection's handshake fails.
std::atomic<bool> log_tls_refusals{false};
thread_local std::string tls_verify_failure;  // set by the verify callback, read at the handshake's end

std::string peer_of(const SSL* ssl) { return peer_of_fd(SSL_get_fd(ssl)); }

std::string peer_of_fd(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return "an unknown peer";
  char host[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (sa.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  return fmt::format("{}:{}", host, port);
}

int verify_and_note(int preverify_ok, X509_STORE_CTX* store) {
  const auto* ssl = static_cast<const SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (!preverify_ok && ssl != nullptr && SSL_is_server(ssl)) {
    const int err = X509_STORE_CTX_get_error(store);
    std::string subject = "?";
    if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
      char buf[256] = "";
      X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
      subject = buf;
    }
    tls_verify_failure = fmt::format("its certificate ({}) is not signed by the cluster's CA: {}", subject,
                                     X509_verify_cert_error_string(err));
  }
  return preverify_ok;
}

/// The peer's address, noted at the handshake's first step (at its failure the peer may be gone).
int peer_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, [](void*, void* p, CRYPTO_EX_DATA*, int, long, void*) {
    delete static_cast<std::string*>(p);
  });
  return index;
}

void note_handshake_end(const SSL* ssl, int where, int ret) {
  if (SSL_is_server(ssl) && SSL_get_ex_data(ssl, peer_index()) == nullptr) {
    if (std::string peer = peer_of(ssl); peer != "an unknown peer")
      SSL_set_ex_data(const_cast<SSL*>(ssl), peer_index(), new std::string(std::move(peer)));
  }
  if ((where & SSL_CB_ACCEPT_EXIT) != SSL_CB_ACCEPT_EXIT || !SSL_is_server(ssl)) return;  // the accepting side only
  // Done, or waiting for more bytes (SSL_want says "reading" in both cases; only the state
  // machine's error state, "SSLERR", tells a failed handshake).
  if (ret == 1 || std::strcmp(SSL_state_string(ssl), "SSLERR") != 0) {
    tls_verify_failure.clear();
    return;
  }
  const unsigned long err = ERR_peek_last_error();  // not consumed: CAF reads the queue after us
  std::string reason = tls_verify_failure;
  tls_verify_failure.clear();
  if (reason.empty()) {
    const char* r = ERR_reason_error_string(err);
    reason = r ? r : fmt::format("OpenSSL error {:#x}", err);
    if (ERR_GET_REASON(err) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) reason += " (it has no certificate)";
    else if (ERR_GET_REASON(err) == SSL_R_WRONG_VERSION_NUMBER || ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
      reason += " (it does not speak TLS: a node or client without --tls-cert/--tls-key/--tls-ca?)";
    else if (ERR_GET_REASON(err) == SSL_R_TLSV1_ALERT_UNKNOWN_CA)
      reason += " (it does not trust this node's certificate: another cluster CA in its --tls-ca?)";
  }
  const auto* noted = static_cast<const std::string*>(SSL_get_ex_data(ssl, peer_index()));
  std::cerr << fmt::format("concord: refused a TLS connection from {}: {}\n", noted ? *noted : peer_of(ssl), reason) << std::flush;
}

}  // namespace

void configure_cluster_tls(caf::actor_system_config& cfg, const TlsFiles& tls) {
  if (!tls.enabled()) return;
  log_tls_refusals = true;
  cfg.load<caf::openssl::manager>();  // after the middleman (CAF-0.17.md, P4)
  cfg.set("openssl.certificate", tls.cert);
  cfg.set("openssl.key", tls.key);
  cfg.set("openssl.cafile", tls.ca);
}

caf::expected<std::uint16_t> publish_node(caf::actor_system& sys, const caf::actor& whom, const std::string& host,
                                          std::uint16_t port, const TlsFiles& tls) {
  if (tls.enabled()) return caf::openssl::publish(whom, port, host.c_str(), true);
  return sys.middleman().publish(whom, port, host.c_str(), true);
}

caf::expected<caf::actor> connect_node(caf::actor_system& sys, const std::string& host, std::uint16_t port, const TlsFiles& tls) {
  if (tls.enabled()) return caf::openssl::remote_actor(sys, host, port);
  return sys.middleman().remote_actor(host, port);
}

void unpublish_node(caf::actor_system& sys, const caf::actor& whom, std::uint16_t port, const TlsFiles& tls) {
  if (tls.enabled()) {
    // caf::openssl::unpublish does not compile in 0.17.6 (it names 0.18's unpublish_atom_v).
    caf::anon_send(sys.openssl_manager().actor_handle(), caf::unpublish_atom::value, whom.address(), port);
    return;
  }
  sys.middleman().unpublish(whom, port);
}

}  // namespace concord::actors

// See log_tls_refusals above. Every other caller (another mode, or its own callback) gets
// OpenSSL's function unchanged.
extern "C" void SSL_CTX_set_verify(SSL_CTX* ctx, int mode, SSL_verify_cb callback) {
  using Fn = void (*)(SSL_CTX*, int, SSL_verify_cb);
  static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "SSL_CTX_set_verify"));
  if (callback == nullptr && mode == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) &&
      concord::actors::log_tls_refusals.load()) {
    real(ctx, mode, concord::actors::verify_and_note);
    SSL_CTX_set_info_callback(ctx, concord::actors::note_handshake_end);
    return;
  }
  real(ctx, mode, callback);
}

// The bound for connections Concord cannot wrap: CAF's openssl module makes its TLS scribes
// itself (libcaf_openssl/src/openssl/middleman_actor.cpp:120, a private scribe_impl whose
// configure_read calls stream::configure_read of libcaf_io), so BoundedScribe never sees them.
// This definition takes the place of libcaf_io's (libcaf_io/src/io/network/stream.cpp:57; the
// executable's symbol wins over the shared library's for libcaf_openssl's call): the same two
// assignments, after refusing a read above [middleman] max-message-size, before CAF sizes its
// buffer for it (stream.cpp:120). A TLS peer has a certificate of the cluster's CA by then.
void caf::io::network::stream::configure_read(caf::io::receive_policy::config config) {
  const std::size_t max = concord::actors::stream_max_message_size.load();
  if (max != 0 && config.second > max) {
    std::cerr << fmt::format("concord: refused the connection from {}: it announced a message of {} bytes, above the limit of {} bytes "
                             "([middleman] max-message-size)\n",
                             concord::actors::peer_of_fd(fd()), config.second, max)
              << std::flush;
    ::shutdown(fd(), SHUT_RDWR);
    config = caf::io::receive_policy::exactly(caf::io::basp::header_size);
  }
  state_.rd_flag = caf::io::to_integer(config.first);
  max_ = config.second;
}
