#pragma once
// Something to tell a person, as data (ARCHITECTURE.md "Notes": results and errors are
// codes with arguments; the CLI and the window make the words).  A library
// says *what* happened with a stable `code` and named `args`, and gives the
// English wording as a gettext msgid (marked N_ where it is written, so
// xgettext finds it).  Front ends translate `text` and fill the arguments;
// the JSON report carries code, args and the English text, so it is the same
// in every language.
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace securedoc {

struct Note {
  using Args = std::vector<std::pair<std::string, std::string>>;

  std::string code;  ///< stable, kebab-case: "no-trust-anchor", "reference-digest-mismatch"
  std::string text;  ///< English msgid with {name} placeholders, untranslated
  Args args;         ///< values for the placeholders; data, never translated words

  Note() = default;
  Note(std::string code_, std::string text_, Args args_ = {})
      : code(std::move(code_)), text(std::move(text_)), args(std::move(args_)) {}

  bool empty() const { return code.empty() && text.empty(); }
  /// The argument `name`, or "".
  std::string arg(std::string_view name) const;
  /// The English sentence with its placeholders filled (JSON "text", logs).
  std::string english() const;
  /// The sentence in the user's language (gettext), placeholders filled.
  std::string translated() const;

  bool operator==(const Note& o) const { return code == o.code && text == o.text && args == o.args; }
  bool operator!=(const Note& o) const { return !(*this == o); }
};

/// Replaces each {name} in `pattern` with its value in `args`; a placeholder
/// without a value stays as written.
std::string formatNamed(std::string_view pattern, const Note::Args& args);

/// "code: English text", for logs and test messages.
std::ostream& operator<<(std::ostream& os, const Note& n);

}  // namespace securedoc
