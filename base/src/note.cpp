#include <securedoc/i18n.h>
#include <securedoc/note.h>

#include <ostream>

namespace securedoc {

std::string Note::arg(std::string_view name) const {
  for (const auto& [k, v] : args) {
    if (k == name) return v;
  }
  return {};
}

std::string formatNamed(std::string_view pattern, const Note::Args& args) {
  std::string out;
  out.reserve(pattern.size() + 32);
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      const std::size_t close = pattern.find('}', i + 1);
      if (close != std::string_view::npos) {
        const std::string_view name = pattern.substr(i + 1, close - i - 1);
        bool found = false;
        for (const auto& [k, v] : args) {
          if (k == name) {
            out += v;
            found = true;
            break;
          }
        }
        if (found) {
          i = close + 1;
          continue;
        }
      }
    }
    out += pattern[i++];
  }
  return out;
}

std::string Note::english() const { return formatNamed(text, args); }

std::string Note::translated() const { return text.empty() ? std::string() : formatNamed(tr(text.c_str()), args); }

std::ostream& operator<<(std::ostream& os, const Note& n) {
  if (!n.code.empty()) os << n.code << ": ";
  return os << n.english();
}

}  // namespace securedoc
