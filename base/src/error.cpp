#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>

namespace securedoc {

const char* categoryName(Category c) {
  switch (c) {
    case Category::Usage:
      return "usage";
    case Category::Io:
      return "io";
    case Category::Malformed:
      return "malformed";
    case Category::Crypto:
      return "crypto";
    case Category::Password:
      return "password";
    case Category::Policy:
      return "policy";
    case Category::Unsupported:
      return "unsupported";
    case Category::Network:
      return "network";
    case Category::Cancelled:
      return "cancelled";
    case Category::Internal:
      return "internal";
  }
  return "internal";
}

namespace {
std::string compose(const std::string& file, const std::string& message, const std::string& detail) {
  std::string s;
  if (!file.empty()) s = file + ": ";
  s += message;
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}
}  // namespace

Error::Error(Category category, std::string message, std::string file, std::string detail)
    : std::runtime_error(compose(file, message, detail)),
      m_category(category),
      m_message(std::move(message)),
      m_file(std::move(file)),
      m_detail(std::move(detail)),
      m_note(Note{std::string(), m_message}) {}

Error::Error(Category category, Note note, std::string file, std::string detail)
    : std::runtime_error(compose(file, note.translated(), detail)),
      m_category(category),
      m_message(note.translated()),
      m_file(std::move(file)),
      m_detail(std::move(detail)),
      m_note(std::move(note)) {}

Error Error::withFile(const std::string& file) const {
  if (!m_file.empty()) return *this;
  Error e(m_category, m_note, file, m_detail);
  if (m_note.code.empty()) e.m_message = m_message;  // already a sentence, maybe translated
  return e;
}

std::string drainOpenSslErrors() {
  std::string out;
  unsigned long code = 0;
  const char* data = nullptr;
  int flags = 0;
  while ((code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    // Keep only the reason part ("error:...:reason") for a readable line.
    std::string entry = ERR_reason_error_string(code) ? ERR_reason_error_string(code) : buf;
    if ((flags & ERR_TXT_STRING) && data && *data) entry += std::string(": ") + data;
    if (out.find(entry) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += entry;
  }
  return out;
}

void throwOpenSsl(Category category, std::string message, std::string file) {
  throw Error(category, std::move(message), std::move(file), drainOpenSslErrors());
}

}  // namespace securedoc
