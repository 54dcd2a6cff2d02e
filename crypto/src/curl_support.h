#pragma once
// libcurl set-up shared by the RFC 3161 client and the CSC client; private
// to securedoc_crypto.
#include <securedoc/base/error.h>

#include <curl/curl.h>

#include <mutex>

namespace securedoc::curl {

/// curl_global_init once per process (it is not thread-safe itself).
inline void initOnce() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) throw Error(Category::Internal, "curl_global_init", {}, curl_easy_strerror(rc));
}

template <class T>
void setopt(CURL* h, CURLoption opt, T value) {
  const CURLcode rc = curl_easy_setopt(h, opt, value);
  if (rc != CURLE_OK) throw Error(Category::Internal, "curl_easy_setopt", {}, curl_easy_strerror(rc));
}

}  // namespace securedoc::curl
