#pragma once
// The reference CSC API v2 service (cloud/README.md "The service
// contract"): the HTTP routes of /csc/v2/*, /account/*, /tsa, /ocsp and /crl
// over the Store (state, OTP, SADs), the HSM key store, the demo CA and the
// TSA.  It only registers routes: the caller owns the servers (an
// httplib::SSLServer in securedoc-cloud and in the tests, plus a plain
// httplib::Server for the revocation routes), binds and listens.
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

  /// Worker threads of a revocation server (registerRevocationRoutes): OCSP
  /// and CRL answers are quick and signed under one CA mutex anyway.
  static constexpr std::size_t kRevocationThreads = 8;
  /// Longest GET /ocsp/... request (the part after "/ocsp/", URL-encoded).
  /// RFC 6960 Appendix A.1 meant GET for small requests (caching); one
  /// CertID and a nonce are ~100 bytes, a few hundred in base64.
  static constexpr std::size_t kMaxOcspGetSize = std::size_t{4} * 1024;

  /// Registers every route on `server` (the TLS one) and sets its payload
  /// limit, error and exception handlers (the contract's JSON error shape)
  /// and its thread pool (options.threads).  Call before the server listens.
  void registerRoutes(httplib::Server& server);

  /// Registers only the revocation routes, for a plain-HTTP server: the
  /// certificates' AIA OCSP and CRL distribution point URLs are http://
  /// (RFC 5280 §4.2.1.13, §4.2.2.1; RFC 6960 Appendix A): the answers are
  /// signed, and revocation checking must not depend on a TLS connection
  /// whose own certificates would need checking first.
  ///  - POST /ocsp: body application/ocsp-request (DER), as on the TLS server;
  ///  - GET /ocsp/{URL-encoded base64 or base64url of the DER OCSPRequest}
  ///    (RFC 6960 Appendix A.1; at most kMaxOcspGetSize; input that does not
  ///    decode gets the OCSP malformedRequest answer);
  ///  - GET /crl: the issuing CA's CRL (DER, application/pkix-crl);
  ///  - GET /crl/root: the root's CRL (DemoCa::rootCrl).
  /// Same payload limit, error handlers and keep-alive settings as
  /// registerRoutes, kRevocationThreads workers.  Call before it listens.
  void registerRevocationRoutes(httplib::Server& server);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc::cloud
