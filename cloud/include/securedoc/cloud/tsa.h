#pragma once
// The reference RFC 3161 time-stamp authority: the responder (TimeStampReq in,
// TimeStampResp out) and a small HTTP front end for it.
#include <securedoc/base/bytes.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace securedoc::cloud {

/// The demo TSA policy (under an example private-enterprise arc, not a
/// registered one): the TSTInfo policy of every token this responder issues.
inline constexpr const char* kDemoTsaPolicy = "1.3.6.1.4.1.99999.1.1";

class TsaResponder final {
 public:
  /// Loads the TSA certificate (PEM or DER; RFC 3161 §2.3 requires a critical
  /// extendedKeyUsage timeStamping), its unencrypted PEM private key and the
  /// chain certificates to include in tokens.  Throws Error(Io) for
  /// unreadable files, Error(Malformed) for unparseable ones, Error(Policy)
  /// for a certificate that may not time-stamp, Error(Crypto) when the key
  /// does not match the certificate, Error(Usage) for a bad policy OID.
  TsaResponder(const std::filesystem::path& certificateFile, const std::filesystem::path& keyFile,
               const std::vector<std::filesystem::path>& chainFiles = {},
               const std::string& policyOid = kDemoTsaPolicy);
  ~TsaResponder();
  TsaResponder(const TsaResponder&) = delete;
  TsaResponder& operator=(const TsaResponder&) = delete;

  /// Answers one DER TimeStampReq with a DER TimeStampResp, as a TSA does:
  /// a request it cannot accept (unparseable: badDataFormat; a hash other than
  /// SHA-256/384/512: badAlg; another policy: unacceptedPolicy) gets a
  /// response with status rejection, not an exception.  Tokens are signed
  /// with SHA-256, carry an ESSCertIDv2 (SHA-256) for the TSA certificate, an
  /// accuracy of 1 s, the certificates when the request asks (certReq), and a
  /// serial number that increases with every token.  Thread-safe.
  /// Throws only when no response can be built at all (Error(Internal)).
  Bytes respond(const Bytes& requestDer);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// `POST /tsa` on 127.0.0.1 over plain HTTP (RFC 3161 §3.4): a body of
/// `application/timestamp-query` (at most kMaxTsaRequestSize bytes, else 413;
/// another type gives 415) is answered with `application/timestamp-reply`.
class TsaHttpServer final {
 public:
  /// Turns a request body into a response body (tests pass their own).
  using Handler = std::function<Bytes(const Bytes& requestDer)>;

  static constexpr std::size_t kMaxTsaRequestSize = std::size_t{64} * 1024;

  /// Serves `responder`, which must outlive the server.
  explicit TsaHttpServer(TsaResponder& responder);
  explicit TsaHttpServer(Handler handler);
  /// Stops the server.
  ~TsaHttpServer();
  TsaHttpServer(const TsaHttpServer&) = delete;
  TsaHttpServer& operator=(const TsaHttpServer&) = delete;

  /// Listens on 127.0.0.1:`port` (0: a free port) and serves from a
  /// background thread; returns the port once connections are accepted.
  /// Throws Error(Network) if the port cannot be bound, Error(Usage) if
  /// already started.
  int start(int port = 0);
  /// Stops listening and waits for the background thread; idempotent.
  void stop();
  /// The port while running, else 0.
  int port() const;
  /// "http://127.0.0.1:<port>/tsa".
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc::cloud
