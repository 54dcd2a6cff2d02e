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

namespace {

struct Sink {
  Bytes data;
  std::size_t limit = 0;
  bool overflow = false;
};

size_t writeToSink(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  const size_t n = size * nmemb;
  if (sink->data.size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  try {
    sink->data.insert(sink->data.end(), ptr, ptr + n);
  } catch (...) {
    return 0;
  }
  return n;
}

}  // namespace

HttpResult perform(const HttpExchange& x) {
  Easy h(api().easy_init());
  if (!h) throw Error(Category::Internal, "curl_easy_init");
  Slist headers;
  const auto header = [&headers](const std::string& line) {
    curl_slist* l = api().slist_append(headers.get(), line.c_str());
    if (!l) throw Error(Category::Internal, "curl_slist_append");
    if (!headers) headers.reset(l);
  };
  if (!x.contentType.empty()) header("Content-Type: " + x.contentType);
  if (!x.accept.empty()) header("Accept: " + x.accept);

  Sink sink;
  sink.limit = x.maxSize;
  char errorBuffer[CURL_ERROR_SIZE] = {};
  setopt(h.get(), CURLOPT_URL, x.url.c_str());
  setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  setopt(h.get(), CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: safe in threads
  setopt(h.get(), CURLOPT_TIMEOUT, x.timeoutSeconds);
  setopt(h.get(), CURLOPT_USERAGENT, "SecureDoc/0.1");
  if (headers) setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
  if (x.body) {
    setopt(h.get(), CURLOPT_POST, 1L);
    setopt(h.get(), CURLOPT_POSTFIELDS, x.body->data());
    setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(x.body->size()));
  }
  if (x.maxRedirects > 0) {
    setopt(h.get(), CURLOPT_FOLLOWLOCATION, 1L);
    setopt(h.get(), CURLOPT_MAXREDIRS, x.maxRedirects);
    setopt(h.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  setopt(h.get(), CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(x.maxSize));
  setopt(h.get(), CURLOPT_WRITEFUNCTION, &writeToSink);
  setopt(h.get(), CURLOPT_WRITEDATA, &sink);
  setopt(h.get(), CURLOPT_ERRORBUFFER, errorBuffer);
  if (x.caFile) setopt(h.get(), CURLOPT_CAINFO, x.caFile->c_str());

  HttpResult r;
  r.code = api().easy_perform(h.get());
  r.tooLarge = sink.overflow || r.code == CURLE_FILESIZE_EXCEEDED;
  if (r.code != CURLE_OK) r.error = errorBuffer[0] ? errorBuffer : api().easy_strerror(r.code);
  api().easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &r.status);
  const char* type = nullptr;
  api().easy_getinfo(h.get(), CURLINFO_CONTENT_TYPE, &type);
  if (type) r.contentType = type;
  r.body = std::move(sink.data);
  return r;
}

}  // namespace securedoc::curl
