#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/pkcs12_signer.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>
#include <openssl/pkcs12err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <thread>

namespace securedoc {

struct Pkcs12Signer::Impl {
  std::filesystem::path file;
  ossl::EvpPkey key;
  std::optional<OfferedCertificate> offered;
};

Pkcs12Signer::Pkcs12Signer(const std::filesystem::path& file, Interaction& interaction)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->file = file;
  const Bytes data = readFile(file, 1u << 20);
  const unsigned char* p = data.data();
  ossl::Pkcs12 p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
  if (!p12) throwOpenSsl(Category::Malformed, tr("not a PKCS#12 file"), file.string());

  SecretString password = interaction.askSecret(Interaction::Secret::Password, file.string());
  // PKCS12_parse checks the MAC itself (RFC 7292 §4: PBMAC over the
  // content); the MAC is checked on its own only when parsing fails, to
  // tell a wrong password from a damaged file, so a good file derives the
  // MAC key once.
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  const int ok = PKCS12_parse(p12.get(), password.c_str(), &pkey, &cert, &ca);
  ossl::EvpPkey keyOwner(pkey);
  ossl::X509Ptr certOwner(cert);
  ossl::X509Stack caOwner(ca);
  if (ok != 1) {
    const bool macOk = PKCS12_mac_present(p12.get()) == 0 ||
                       PKCS12_verify_mac(p12.get(), password.c_str(), static_cast<int>(password.size())) == 1;
    password.clear();
    if (!macOk) {
      ERR_clear_error();
      throw Error(Category::Password, tr("wrong password for the PKCS#12 file"), file.string());
    }
    throwOpenSsl(Category::Malformed, tr("cannot read the key and certificate from the PKCS#12 file"), file.string());
  }
  password.clear();
  if (!pkey || !cert)
    throw Error(Category::Malformed, tr("the PKCS#12 file holds no private key with its certificate"), file.string());
  if (X509_check_private_key(cert, pkey) != 1) {
    throwOpenSsl(Category::Malformed, tr("the private key does not match the certificate in the PKCS#12 file"),
                 file.string());
  }
  OfferedCertificate oc{Certificate(cert), {}, "pkcs12", file.filename().string(), {}, {}};
  for (int i = 0; ca && i < sk_X509_num(ca); ++i) oc.chain.emplace_back(sk_X509_value(ca, i));
  m_impl->offered = std::move(oc);
  m_impl->key = std::move(keyOwner);
}

Pkcs12Signer::~Pkcs12Signer() = default;

std::string Pkcs12Signer::description() const { return format(tr("PKCS#12 file {0}"), {m_impl->file.string()}); }

std::vector<OfferedCertificate> Pkcs12Signer::certificates() { return {*m_impl->offered}; }

std::vector<Bytes> Pkcs12Signer::signDigests(const OfferedCertificate& cert, DigestAlgorithm alg,
                                             SignatureScheme scheme, const std::vector<Bytes>& digests) {
  if (!(cert.certificate == m_impl->offered->certificate)) {
    throw Error(Category::Usage, tr("this PKCS#12 file has no key for the chosen certificate"), m_impl->file.string());
  }
  for (const Bytes& d : digests) {
    if (d.size() != digestSize(alg)) throw Error(Category::Internal, "digest length does not match its algorithm");
  }
  EVP_PKEY* key = m_impl->key.get();
  auto signRange = [key, alg, scheme, &digests](std::size_t from, std::size_t to, std::vector<Bytes>& out) {
    for (std::size_t i = from; i < to; ++i) {
      const Bytes& d = digests[i];
      ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
      if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) throwOpenSsl(Category::Crypto, tr("cannot start signing"));
      if (EVP_PKEY_CTX_set_signature_md(ctx.get(), ossl::evpDigest(alg)) != 1) {
        throwOpenSsl(Category::Crypto, tr("cannot start signing"));
      }
      if (scheme == SignatureScheme::RsaPss) {
        if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1) {
          throwOpenSsl(Category::Crypto, tr("the key cannot make RSA-PSS signatures"));
        }
      } else if (scheme == SignatureScheme::RsaPkcs1v15 && EVP_PKEY_is_a(key, "RSA")) {
        if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
          throwOpenSsl(Category::Crypto, tr("cannot start signing"));
        }
      }
      std::size_t len = 0;
      if (EVP_PKEY_sign(ctx.get(), nullptr, &len, d.data(), d.size()) != 1)
        throwOpenSsl(Category::Crypto, tr("signing failed"));
      Bytes sig(len);
      if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, d.data(), d.size()) != 1) {
        throwOpenSsl(Category::Crypto, tr("signing failed"));
      }
      sig.resize(len);
      out[i] = std::move(sig);
    }
  };
  std::vector<Bytes> out(digests.size());
  // A large batch uses every core: the key is unlocked once and only read
  // here, which OpenSSL allows from several threads.
  const std::size_t threads =
      digests.size() < 32 ? 1 : std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
  if (threads == 1) {
    signRange(0, digests.size(), out);
    return out;
  }
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(threads);
  const std::size_t chunk = (digests.size() + threads - 1) / threads;
  for (std::size_t t = 0; t < threads; ++t) {
    const std::size_t from = t * chunk;
    const std::size_t to = std::min(digests.size(), from + chunk);
    workers.emplace_back([&, t, from, to] {
      try {
        signRange(from, to, out);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

}  // namespace securedoc
