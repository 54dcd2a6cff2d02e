#pragma once
// Secrets in memory: passwords, PINs, one-time codes, session tokens, SADs
// and key material.  One wiper (wipe, OPENSSL_cleanse: a write the compiler
// may not drop) and two holders built on it, so a secret is overwritten when
// it is dropped, when a container grows (the old block), and when it is
// moved (a short string's characters stay in the moved-from object's own
// buffer otherwise).  The holders have no operator<< and no conversion to
// std::string: a secret reaches a log or a message only by an explicit
// view() at the call site.
//
// Best effort by nature: copies a library makes (curl's request buffer, a
// PKCS#11 module's PIN cache) are out of reach.
#include <securedoc/base/bytes.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc {

/// Overwrites `n` bytes at `p` with zeros in a way the optimiser keeps.
void wipe(void* p, std::size_t n) noexcept;
/// Wipes all the storage of a plain string or byte vector that held a
/// secret (up to its capacity) and empties it.
void wipe(std::string& s) noexcept;
void wipe(Bytes& b) noexcept;

/// An allocator that wipes each block before it is freed: a growing or
/// dying container leaves no copy of its content in freed heap memory.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor): allocator rebind
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept {
    wipe(p, n * sizeof(T));
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const WipingAllocator<U>&) const noexcept {
    return false;
  }
};

/// Key material, TOTP secrets, derived keys: wiped when freed or regrown.
using SecretBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

/// A password, PIN, one-time code, token or SAD.  Its heap block is wiped
/// by the allocator; the in-object buffer of a short string is wiped by the
/// destructor and by moves.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view s) : m_s(s.data(), s.size()) {}
  /// Takes the text of a plain string and wipes the plain string's storage.
  explicit SecretString(std::string&& s) : m_s(s.data(), s.size()) { wipe(s); }
  SecretString(SecretString&& other) noexcept : m_s(std::move(other.m_s)) { other.clear(); }
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      clear();
      m_s = std::move(other.m_s);
      other.clear();
    }
    return *this;
  }
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { clear(); }

  std::string_view view() const noexcept { return {m_s.data(), m_s.size()}; }
  const char* c_str() const noexcept { return m_s.c_str(); }
  /// For C interfaces that take a mutable pointer (PKCS#11's C_Login).
  char* data() noexcept { return m_s.data(); }
  std::size_t size() const noexcept { return m_s.size(); }
  bool empty() const noexcept { return m_s.empty(); }

  void push_back(char c) { m_s.push_back(c); }
  void append(std::string_view s) { m_s.append(s.data(), s.size()); }
  /// Drops the last character (and overwrites it).
  void pop_back() noexcept {
    if (m_s.empty()) return;
    m_s.back() = '\0';
    m_s.pop_back();
  }
  /// Wipes the content and empties it; the storage is kept.
  void clear() noexcept {
    wipe(m_s.data(), m_s.capacity());
    m_s.clear();
  }

 private:
  std::basic_string<char, std::char_traits<char>, WipingAllocator<char>> m_s;
};

/// Wipes a plain string or byte vector when the scope ends, also by an
/// exception: for a secret that an interface hands over as std::string or
/// Bytes (a parsed otpauth:// secret, a JSON body).
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& s) noexcept : m_string(&s) {}
  explicit WipeOnExit(Bytes& b) noexcept : m_bytes(&b) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() {
    if (m_string != nullptr) wipe(*m_string);
    if (m_bytes != nullptr) wipe(*m_bytes);
  }

 private:
  std::string* m_string = nullptr;
  Bytes* m_bytes = nullptr;
};

}  // namespace securedoc
