#include <securedoc/crypto/chain.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>

namespace securedoc {

namespace {
ChainStatus statusFor(int err) {
  switch (err) {
    case X509_V_OK:
      return ChainStatus::Valid;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return ChainStatus::NoChain;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return ChainStatus::Expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return ChainStatus::NotYetValid;
    default:
      return ChainStatus::Invalid;
  }
}
}  // namespace

ChainResult validateChain(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                          const std::vector<Certificate>& anchors, std::time_t when) {
  ChainResult result;
  ossl::X509Store store(X509_STORE_new());
  if (!store) throwOpenSsl(Category::Internal, "X509_STORE_new");
  for (const auto& a : anchors) {
    if (X509_STORE_add_cert(store.get(), a.native()) != 1) ERR_clear_error();  // duplicates are harmless
  }
  ossl::X509Stack pool = x509StackOf(untrusted);
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), pool.get()) != 1) {
    throwOpenSsl(Category::Internal, "X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, when);
  // A trust anchor the user names may be an intermediate CA: accept a path
  // that ends at any certificate in the trust store.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);

  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  result.status = ok == 1 ? ChainStatus::Valid : statusFor(err);
  if (result.status != ChainStatus::Valid) {
    result.detail = X509_verify_cert_error_string(err);
    result.failingIndex = static_cast<std::size_t>(X509_STORE_CTX_get_error_depth(ctx.get()));
  }
  if (anchors.empty() && result.status != ChainStatus::Valid) {
    result.status = ChainStatus::NoChain;
    result.detail = "no trust anchor given";
  }
  if (ok == 1) {
    ossl::X509Stack chain(X509_STORE_CTX_get1_chain(ctx.get()));
    for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i) result.path.emplace_back(sk_X509_value(chain.get(), i));
    // With an intermediate as an anchor the path stops there; show the
    // rest up to a root when the certificates are at hand.
    if (!result.path.empty() && !result.path.back().selfIssued()) {
      std::vector<Certificate> all = untrusted;
      all.insert(all.end(), anchors.begin(), anchors.end());
      const auto more = buildPath(result.path.back(), all);
      result.path.insert(result.path.end(), more.begin() + 1, more.end());
    }
  } else {
    std::vector<Certificate> all = untrusted;
    all.insert(all.end(), anchors.begin(), anchors.end());
    result.path = buildPath(leaf, all);
  }
  return result;
}

ossl::X509Stack x509StackOf(const std::vector<Certificate>& certs) {
  ossl::X509Stack st(sk_X509_new_null());
  if (!st) throwOpenSsl(Category::Internal, "sk_X509_new_null");
  for (const auto& c : certs) {
    X509_up_ref(c.native());
    if (sk_X509_push(st.get(), c.native()) <= 0) {
      X509_free(c.native());
      throwOpenSsl(Category::Internal, "sk_X509_push");
    }
  }
  return st;
}

std::vector<Certificate> buildPath(const Certificate& leaf, const std::vector<Certificate>& pool) {
  std::vector<Certificate> path{leaf};
  // Bounded: a path can never be longer than the pool plus the leaf.
  for (std::size_t step = 0; step < pool.size(); ++step) {
    const Certificate& cur = path.back();
    if (cur.selfIssued()) break;
    const Certificate* next = nullptr;
    for (const auto& cand : pool) {
      if (cand == cur) continue;
      if (X509_check_issued(cand.native(), cur.native()) == X509_V_OK) {
        next = &cand;
        break;
      }
    }
    if (!next) break;
    bool seen = false;
    for (const auto& p : path) seen = seen || p == *next;
    if (seen) break;
    path.push_back(*next);
  }
  ERR_clear_error();
  return path;
}

}  // namespace securedoc
