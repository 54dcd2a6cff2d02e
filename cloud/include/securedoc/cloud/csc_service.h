#pragma once
// The reference CSC API v2 service (cloud/README.md "The service
// contract"): the HTTP routes of /csc/v2/*, /account/*, /tsa, /ocsp and /crl
// over the Store (state, OTP, SADs), the HSM key store, the demo CA and the
// TSA.  It only registers routes: the caller owns the server (an
// httplib::SSLServer in securedoc-cloud and in the tests), binds and listens.
#include <securedoc/base/bytes.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace httplib {
class Server;
}

namespace securedoc {
class Pkcs11KeyStore;
}

namespace securedoc::cloud {

class Store;
class DemoCa;
class TsaResponder;

/// The otpauth:// issuer and the service name in `info`.
inline constexpr const char* kServiceName = "SecureDoc Cloud";

struct CscServiceOptions {
  /// Where the out-of-band messages go: LOGIN.txt per account, one line per
  /// message (`<UTC time> <kind> <text>`); created 0700 when missing.
  std::filesystem::path outbox;
  /// Unix seconds; the system clock when empty.  Tests inject their own.
  std::function<std::int64_t()> clock;
  /// Worker threads of the server's pool.  cpp-httplib keeps a worker on a
  /// kept-alive connection until the client closes it or it idles for
  /// keepAliveSeconds, so this bounds the clients served at once, not the
  /// CPU in use: the CPU-heavy part (Argon2id) has its own limit in Store.
  std::size_t threads = 64;
  /// Requests one connection may carry, and its idle timeout.
  std::size_t keepAliveRequests = 100;
  std::time_t keepAliveSeconds = 5;
};

/// Builds the otpauth:// URI the service hands out for `login`:
/// otpauth://totp/SecureDoc%20Cloud:LOGIN?secret=...&issuer=SecureDoc%20Cloud&algorithm=SHA1&digits=8&period=30
std::string serviceOtpauthUri(const std::string& login, const Bytes& secret);

class CscService final {
 public:
  /// Request bodies larger than this are refused with 413.
  static constexpr std::size_t kMaxBodySize = std::size_t{1024} * 1024;

  /// Every reference must outlive the service and the server it serves on.
  /// Store, Pkcs11KeyStore and TsaResponder are thread-safe; the DemoCa is
  /// used under a mutex.
  CscService(Store& store, Pkcs11KeyStore& keys, DemoCa& ca, TsaResponder& tsa, CscServiceOptions options);
  ~CscService();
  CscService(const CscService&) = delete;
  CscService& operator=(const CscService&) = delete;

  /// Registers every route on `server` and sets its payload limit, error and
  /// exception handlers (the contract's JSON error shape) and its thread
  /// pool.  Call before the server listens.
  void registerRoutes(httplib::Server& server);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc::cloud
