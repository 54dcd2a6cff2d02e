#pragma once
// One exception type for every library, with a category a program can act on
// and the context a person needs (ARCHITECTURE.md "Errors").
#include <securedoc/note.h>

#include <stdexcept>
#include <string>

namespace securedoc {

enum class Category {
  Usage,        ///< the caller asked for something impossible
  Io,           ///< a file could not be read or written
  Malformed,    ///< input is not what it claims to be (unparseable, truncated)
  Crypto,       ///< a cryptographic operation failed
  Password,     ///< a password or PIN was wrong
  Policy,       ///< refused on purpose (expired certificate, wrong key usage...)
  Unsupported,  ///< valid input we do not handle (yet)
  Network,      ///< a remote service could not be reached or answered badly
  Cancelled,    ///< the user cancelled
  Internal,     ///< a bug
};

const char* categoryName(Category c);

class Error : public std::runtime_error {
 public:
  /// `message` is already translated; `detail` is technical (library error
  /// queue) and is shown after it.
  Error(Category category, std::string message, std::string file = {}, std::string detail = {});
  Error(Category category, const char* message, std::string file = {}, std::string detail = {})
      : Error(category, std::string(message ? message : ""), std::move(file), std::move(detail)) {}
  /// An error as data (ARCHITECTURE.md "Notes"): `note` says what happened with a code
  /// and arguments; message() is its translation, made here once.  Front
  /// ends that add their own hints (the CLI names its flags, the window its
  /// settings) look at note().code.
  Error(Category category, Note note, std::string file = {}, std::string detail = {});

  Category category() const noexcept { return m_category; }
  const std::string& file() const noexcept { return m_file; }
  const std::string& message() const noexcept { return m_message; }
  const std::string& detail() const noexcept { return m_detail; }
  /// The code and arguments; for an error made from a translated sentence,
  /// a note without a code whose text is that sentence.
  const Note& note() const noexcept { return m_note; }
  /// Returns a copy that names `file` (when it named none yet).
  Error withFile(const std::string& file) const;

 private:
  Category m_category;
  std::string m_message;
  std::string m_file;
  std::string m_detail;
  Note m_note;
};

/// Drain OpenSSL's error queue into one line ("a; b; c"), empty if none.
std::string drainOpenSslErrors();
/// Throw Error with the OpenSSL error queue as detail.
[[noreturn]] void throwOpenSsl(Category category, std::string message, std::string file = {});

}  // namespace securedoc
