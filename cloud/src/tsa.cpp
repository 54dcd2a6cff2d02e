#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/tsa_client.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include "text_util.h"

#include <httplib.h>
#include <openssl/err.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <locale>
#include <mutex>
#include <sstream>
#include <thread>

namespace securedoc::cloud {

namespace {

using detail::noPassword;

}  // namespace

// ------------------------------------------------------------------ responder

struct TsaResponder::Impl {
  ossl::X509Ptr cert;
  ossl::EvpPkey key;
  ossl::X509Stack chain;
  ossl::Asn1Object policy;
  /// RFC 3161 §2.4.2: "serialNumber ... MUST be unique for each TimeStampToken
  /// issued by a given TSA".  Counting up from the start time in microseconds
  /// keeps serials unique across restarts unless more than a million tokens
  /// per second were issued on average.
  std::atomic<std::uint64_t> nextSerial{0};

  static ASN1_INTEGER* serialCallback(TS_RESP_CTX* ctx, void* data) {
    auto* self = static_cast<Impl*>(data);
    const std::uint64_t serial = self->nextSerial.fetch_add(1, std::memory_order_relaxed);
    ossl::Asn1Integer out(ASN1_INTEGER_new());
    if (!out || ASN1_INTEGER_set_uint64(out.get(), serial) != 1) {
      TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "Error during serial number generation.");
      TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
      return nullptr;
    }
    return out.release();  // TS_RESP_CTX frees it
  }

  /// A TS_RESP_CTX holds the request being answered, so every call gets its
  /// own; the certificate, key and chain are shared by reference count.
  ossl::TsRespCtx makeContext() {
    ossl::TsRespCtx ctx(TS_RESP_CTX_new());
    if (!ctx) throwOpenSsl(Category::Internal, "TS_RESP_CTX_new");
    if (TS_RESP_CTX_set_signer_cert(ctx.get(), cert.get()) != 1) {
      throwOpenSsl(Category::Policy,
                   tr("the certificate may not sign time-stamps (RFC 3161 requires a critical extended key usage "
                      "timeStamping)"));
    }
    if (TS_RESP_CTX_set_signer_key(ctx.get(), key.get()) != 1 ||
        TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) != 1 ||
        (sk_X509_num(chain.get()) > 0 && TS_RESP_CTX_set_certs(ctx.get(), chain.get()) != 1) ||
        TS_RESP_CTX_set_def_policy(ctx.get(), policy.get()) != 1 || TS_RESP_CTX_add_md(ctx.get(), EVP_sha256()) != 1 ||
        TS_RESP_CTX_add_md(ctx.get(), EVP_sha384()) != 1 || TS_RESP_CTX_add_md(ctx.get(), EVP_sha512()) != 1 ||
        TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) != 1 ||
        TS_RESP_CTX_set_accuracy(ctx.get(), 1, 0, 0) != 1) {
      throwOpenSsl(Category::Internal, "TS_RESP_CTX setup");
    }
    TS_RESP_CTX_set_serial_cb(ctx.get(), &Impl::serialCallback, this);
    return ctx;
  }
};

TsaResponder::TsaResponder(const std::filesystem::path& certificateFile, const std::filesystem::path& keyFile,
                           const std::vector<std::filesystem::path>& chainFiles, const std::string& policyOid)
    : m_impl(std::make_unique<Impl>()) {
  const Certificate tsa = Certificate::loadFile(certificateFile).at(0);
  X509_up_ref(tsa.native());
  m_impl->cert.reset(tsa.native());

  {
    // The key file's bytes are wiped once parsed (secrets do not linger).
    Bytes keyPem = readFile(keyFile, 1u << 20);
    ossl::Bio bio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
    if (bio) m_impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, &noPassword, nullptr));
    wipe(keyPem);
  }
  if (!m_impl->key) {
    throwOpenSsl(Category::Malformed, tr("holds no unencrypted PEM private key"), keyFile.string());
  }
  if (X509_check_private_key(m_impl->cert.get(), m_impl->key.get()) != 1) {
    throwOpenSsl(Category::Crypto, tr("the private key does not belong to the time-stamping certificate"),
                 keyFile.string());
  }

  m_impl->chain.reset(sk_X509_new_null());
  if (!m_impl->chain) throwOpenSsl(Category::Internal, "sk_X509_new_null");
  for (const auto& file : chainFiles) {
    for (const auto& c : Certificate::loadFile(file)) {
      X509_up_ref(c.native());
      if (sk_X509_push(m_impl->chain.get(), c.native()) <= 0) {
        X509_free(c.native());
        throwOpenSsl(Category::Internal, "sk_X509_push");
      }
    }
  }

  m_impl->policy.reset(OBJ_txt2obj(policyOid.c_str(), 1));
  if (!m_impl->policy) {
    ERR_clear_error();
    throw Error(Category::Usage, format(tr("\"{0}\" is not an object identifier"), {policyOid}));
  }

  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  m_impl->nextSerial = static_cast<std::uint64_t>(micros.count());

  (void)m_impl->makeContext();  // refuses a certificate that may not time-stamp now, not at the first request
}

TsaResponder::~TsaResponder() = default;

Bytes TsaResponder::respond(const Bytes& requestDer) {
  ossl::TsRespCtx ctx = m_impl->makeContext();
  // Only one complete DER TimeStampReq is accepted; for anything else the
  // responder gets an empty body, which TS_RESP_create_response answers like
  // any unparseable request: status rejection, failInfo badDataFormat.
  bool wellFormed = false;
  if (!requestDer.empty()) {
    const unsigned char* p = requestDer.data();
    ossl::TsReq parsed(d2i_TS_REQ(nullptr, &p, static_cast<long>(requestDer.size())));
    wellFormed = parsed && p == requestDer.data() + requestDer.size();
  }
  static const unsigned char kNothing[1] = {0};
  ossl::Bio in(wellFormed ? BIO_new_mem_buf(requestDer.data(), static_cast<int>(requestDer.size()))
                          : BIO_new_mem_buf(kNothing, 0));
  if (!in) throwOpenSsl(Category::Internal, "BIO_new_mem_buf");
  ossl::TsResp resp(TS_RESP_create_response(ctx.get(), in.get()));
  // A rejection leaves its reasons in the queue; the response already says them.
  ERR_clear_error();
  if (!resp) throw Error(Category::Internal, tr("the time-stamp response could not be built"));
  return ossl::der(i2d_TS_RESP, resp.get(), Category::Internal, "i2d_TS_RESP");
}

// ------------------------------------------------------------------ HTTP

struct TsaHttpServer::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}

  Handler handler;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> finished{false};
  int port = 0;
  std::mutex mutex;  // start() and stop()

  void serve(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    const auto refuse = [&](int status) {
      res.status = status;
      // The body may be unread: do not parse it as the next request.
      res.set_header("Connection", "close");
    };
    // Checked before reading: a multipart body must never reach the reader.
    if (mediaType(req.get_header_value("Content-Type")) != "application/timestamp-query") return refuse(415);
    if (req.has_header("Content-Length") &&
        req.get_header_value<std::uint64_t>("Content-Length") > kMaxTsaRequestSize) {
      return refuse(413);
    }
    // Chunked or compressed bodies have no usable length: count while reading.
    Bytes body;
    bool tooLarge = false;
    const bool read = reader([&](const char* data, std::size_t len) {
      if (body.size() + len > kMaxTsaRequestSize) {
        tooLarge = true;
        return false;
      }
      body.insert(body.end(), data, data + len);
      return true;
    });
    if (tooLarge) return refuse(413);
    if (!read) return refuse(400);
    try {
      const Bytes answer = handler(body);
      res.status = 200;
      res.set_content(std::string(answer.begin(), answer.end()), "application/timestamp-reply");
    } catch (...) {
      // No detail to the client: it could carry local paths or key errors.
      res.status = 500;
    }
  }
};

TsaHttpServer::TsaHttpServer(TsaResponder& responder)
    : TsaHttpServer(Handler([&responder](const Bytes& req) { return responder.respond(req); })) {}

TsaHttpServer::TsaHttpServer(Handler handler) : m_impl(std::make_unique<Impl>(std::move(handler))) {
  Impl* impl = m_impl.get();
  m_impl->server.Post("/tsa", httplib::Server::HandlerWithContentReader(
                                  [impl](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) { impl->serve(req, res, reader); }));
}

TsaHttpServer::~TsaHttpServer() { stop(); }

int TsaHttpServer::start(int port) {
  const std::lock_guard lock(m_impl->mutex);
  if (m_impl->thread.joinable()) throw Error(Category::Usage, tr("the time-stamp server is already running"));
  if (port < 0 || port > 65535) {
    throw Error(Category::Usage, format(tr("{0} is not a TCP port number"), {port}));
  }
  // Binding here, not in the thread, means the socket listens when start()
  // returns: connections made right away wait in the backlog.
  int bound = port;
  if (port == 0) {
    bound = m_impl->server.bind_to_any_port("127.0.0.1");
  } else if (!m_impl->server.bind_to_port("127.0.0.1", port)) {
    bound = -1;
  }
  if (bound <= 0) {
    throw Error(Category::Network, format(tr("cannot listen on 127.0.0.1 port {0}"), {port}));
  }
  m_impl->finished = false;
  m_impl->thread = std::thread([impl = m_impl.get()] {
    impl->server.listen_after_bind();
    impl->finished = true;
  });
  // httplib's stop() does nothing until its accept loop runs: wait for it, so
  // that a stop() right after start() cannot be lost.
  while (!m_impl->server.is_running() && !m_impl->finished) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  m_impl->port = bound;
  return bound;
}

void TsaHttpServer::stop() {
  const std::lock_guard lock(m_impl->mutex);
  if (!m_impl->thread.joinable()) return;
  m_impl->server.stop();
  m_impl->thread.join();
  m_impl->port = 0;
}

int TsaHttpServer::port() const {
  const std::lock_guard lock(m_impl->mutex);
  return m_impl->port;
}

std::string TsaHttpServer::url() const { return format("http://127.0.0.1:{0}/tsa", {port()}); }

}  // namespace securedoc::cloud
