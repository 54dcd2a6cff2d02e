#include "curl_support.h"

#include <securedoc/base/library.h>

namespace securedoc::curl {

namespace {

/// libcurl's soname: its ABI since curl 7.16 (2006), and the name Debian's
/// libcurl4 package installs.
constexpr const char* kSoname = "libcurl.so.4";

Api bind(const SharedLibrary& lib) {
  Api a{};
  // Each name is the one curl/curl.h declares; decltype keeps the types.
#define SECUREDOC_CURL_BIND(member, symbol) a.member = lib.function<decltype(a.member)>(#symbol)
  SECUREDOC_CURL_BIND(global_init, curl_global_init);
  SECUREDOC_CURL_BIND(easy_init, curl_easy_init);
  SECUREDOC_CURL_BIND(easy_reset, curl_easy_reset);
  SECUREDOC_CURL_BIND(easy_cleanup, curl_easy_cleanup);
  SECUREDOC_CURL_BIND(easy_setopt, curl_easy_setopt);
  SECUREDOC_CURL_BIND(easy_perform, curl_easy_perform);
  SECUREDOC_CURL_BIND(easy_getinfo, curl_easy_getinfo);
  SECUREDOC_CURL_BIND(easy_strerror, curl_easy_strerror);
  SECUREDOC_CURL_BIND(easy_escape, curl_easy_escape);
  SECUREDOC_CURL_BIND(easy_unescape, curl_easy_unescape);
  SECUREDOC_CURL_BIND(free, curl_free);
  SECUREDOC_CURL_BIND(slist_append, curl_slist_append);
  SECUREDOC_CURL_BIND(slist_free_all, curl_slist_free_all);
  SECUREDOC_CURL_BIND(url, curl_url);
  SECUREDOC_CURL_BIND(url_cleanup, curl_url_cleanup);
  SECUREDOC_CURL_BIND(url_get, curl_url_get);
  SECUREDOC_CURL_BIND(url_set, curl_url_set);
  SECUREDOC_CURL_BIND(url_strerror, curl_url_strerror);
#undef SECUREDOC_CURL_BIND
  return a;
}

}  // namespace

const Api& api() {
  // curl_global_init is not thread-safe itself, so it runs inside the once.
  return oncePerProcess<Api>([] {
    static const SharedLibrary lib(kSoname);
    const Api a = bind(lib);
    const CURLcode rc = a.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) throw Error(Category::Internal, "curl_global_init", {}, a.easy_strerror(rc));
    return a;
  });
}

}  // namespace securedoc::curl
