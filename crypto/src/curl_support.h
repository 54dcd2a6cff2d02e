#pragma once
// libcurl for the RFC 3161 client, the CSC client and otpauth:// URIs;
// private to crypto/.  libcurl is not linked: it is loaded on first use
// (base/library.h says why), and its functions are called through `api()`,
// whose members have exactly the types curl/curl.h declares.  Nothing in
// crypto/ can call curl_* directly by mistake: the link would fail.
#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>

#include <curl/curl.h>

#include <securedoc/base/bytes.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace securedoc::curl {

struct Api {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_escape) easy_escape;
  decltype(&::curl_easy_unescape) easy_unescape;
  decltype(&::curl_free) free;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_url) url;
  decltype(&::curl_url_cleanup) url_cleanup;
  decltype(&::curl_url_get) url_get;
  decltype(&::curl_url_set) url_set;
  decltype(&::curl_url_strerror) url_strerror;
};

/// libcurl, loaded and curl_global_init'ed once per process (the first call
/// does both; later calls, also from other threads, get the same table).
/// Throws Error(Unsupported) when libcurl cannot be loaded and
/// Error(Internal) when it cannot initialise.
const Api& api();

template <class T>
void setopt(CURL* h, CURLoption opt, T value) {
  const CURLcode rc = api().easy_setopt(h, opt, value);
  if (rc != CURLE_OK) throw Error(Category::Internal, "curl_easy_setopt", {}, api().easy_strerror(rc));
}

/// Owners of curl's handles (a handle exists, so api() is loaded).
struct EasyDeleter {
  void operator()(CURL* h) const noexcept { api().easy_cleanup(h); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
struct UrlDeleter {
  void operator()(CURLU* u) const noexcept { api().url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;
/// A header list; `wipe` for lists that carry "Authorization:" lines, whose
/// text is wiped before it is freed.
template <bool Wipe>
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept {
    if constexpr (Wipe) {
      for (curl_slist* p = l; p != nullptr; p = p->next) {
        if (p->data != nullptr) wipe(p->data, std::char_traits<char>::length(p->data));
      }
    }
    api().slist_free_all(l);
  }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter<false>>;
using SecretSlist = std::unique_ptr<curl_slist, SlistDeleter<true>>;

/// One HTTP exchange for the clients that only move DER over plain HTTP(S)
/// (RFC 3161 time-stamps, RFC 6960 OCSP, RFC 5280 CRLs): a POST when `body`
/// is set, else a GET.
struct HttpExchange {
  std::string url;
  const Bytes* body = nullptr;
  std::string contentType;  ///< of the body
  std::string accept;
  std::size_t maxSize = 1u << 20;               ///< larger answers are cut off (tooLarge)
  long timeoutSeconds = 30;                     ///< the whole exchange, connecting included
  long maxRedirects = 0;                        ///< followed only to http:// and https://
  std::optional<std::filesystem::path> caFile;  ///< for https://; the system store when unset
};
struct HttpResult {
  CURLcode code = CURLE_OK;
  std::string error;  ///< curl's words when code is not CURLE_OK
  bool tooLarge = false;
  long status = 0;
  std::string contentType;
  Bytes body;
};
/// Performs the exchange; never throws for what the network or the server
/// does (the result says), only for a curl that cannot be set up.
HttpResult perform(const HttpExchange& x);

}  // namespace securedoc::curl
