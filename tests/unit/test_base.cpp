// base/: the one atomic writer (AtomicFile) and the one descriptor owner
// (UniqueFd) every other library writes files through, and the one secret
// wiper with its holders (SecretString, SecretBytes, WipeOnExit).
#include <boost/test/unit_test.hpp>

#include "base_printers.h"
#include "test_support.h"

#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/base/secret.h>
#include <securedoc/i18n.h>

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <algorithm>
#include <fstream>
#include <limits>
#include <locale>
#include <stdexcept>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace securedoc;
using securedoc::test::hasCategory;
using securedoc::test::readText;
using securedoc::test::TempDir;
using securedoc::test::writeFile;
namespace fs = std::filesystem;

namespace {

/// The names in `dir`, hidden temporary files included.
std::size_t entriesIn(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

mode_t modeOf(const fs::path& file) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(file.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unique_fd)

BOOST_AUTO_TEST_CASE(owns_closes_moves_and_releases_a_descriptor) {
  TempDir dir;
  writeFile(dir / "a", "x");
  int raw = -1;
  {
    UniqueFd fd(::open((dir / "a").c_str(), O_RDONLY | O_CLOEXEC));
    BOOST_TEST_REQUIRE(static_cast<bool>(fd));
    raw = fd.get();
    UniqueFd moved(std::move(fd));
    BOOST_TEST(!fd);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
    BOOST_TEST(moved.get() == raw);
  }
  // Closed at the end of the scope: the number is no longer open.
  BOOST_TEST(::fcntl(raw, F_GETFD) == -1);
  BOOST_TEST(errno == EBADF);

  UniqueFd fd(::open((dir / "a").c_str(), O_RDONLY | O_CLOEXEC));
  const int released = fd.release();
  BOOST_TEST(!fd);
  BOOST_TEST(::fcntl(released, F_GETFD) != -1, "release does not close");
  ::close(released);

  UniqueFd once(::open((dir / "a").c_str(), O_RDONLY | O_CLOEXEC));
  BOOST_TEST(once.close() == 0);
  BOOST_TEST(once.close() == 0, "closing nothing is not an error");
}

BOOST_AUTO_TEST_CASE(write_all_reports_the_errno_of_a_failed_write) {
  TempDir dir;
  writeFile(dir / "a", "");
  UniqueFd readOnly(::open((dir / "a").c_str(), O_RDONLY | O_CLOEXEC));
  BOOST_TEST(writeAll(readOnly.get(), "abc", 3) == EBADF);
  UniqueFd writable(::open((dir / "a").c_str(), O_WRONLY | O_CLOEXEC));
  const std::string big(1 << 20, 'z');
  BOOST_TEST(writeAll(writable.get(), big.data(), big.size()) == 0);
  BOOST_TEST(writable.close() == 0);
  BOOST_TEST(fs::file_size(dir / "a") == big.size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(atomic_file)

BOOST_AUTO_TEST_CASE(nothing_appears_at_the_target_until_the_file_is_placed) {
  TempDir dir;
  AtomicFile f(dir / "out.pdf");
  BOOST_TEST(f.temporary().parent_path() == dir.path(), "same folder, so rename and link stay on one file system");
  BOOST_TEST(f.temporary().filename().string().rfind(".out.pdf.", 0) == 0, "hidden, named after the target");
  f.write("half ");
  BOOST_TEST(!fs::exists(dir / "out.pdf"));
  f.write("and whole");
  BOOST_TEST(f.placeAsNew());
  BOOST_TEST(readText(dir / "out.pdf") == "half and whole");
  BOOST_TEST(entriesIn(dir.path()) == 1u, "no temporary file is left");
}

BOOST_AUTO_TEST_CASE(a_file_never_placed_leaves_nothing_behind) {
  TempDir dir;
  {
    AtomicFile f(dir / "out.xml");
    f.write("abandoned");
    BOOST_TEST(entriesIn(dir.path()) == 1u);
  }
  BOOST_TEST(entriesIn(dir.path()) == 0u);
  // Nor does a moved one: only the new owner removes it.
  std::optional<AtomicFile> holder;
  {
    AtomicFile f(dir / "moved.xml");
    holder.emplace(std::move(f));
  }
  BOOST_TEST(entriesIn(dir.path()) == 1u, "the moved-from object does not remove the new owner's file");
  holder->write("kept");
  holder->placeReplacing();
  BOOST_TEST(readText(dir / "moved.xml") == "kept");
}

BOOST_AUTO_TEST_CASE(place_as_new_never_overwrites_and_next_free_takes_the_next_name) {
  TempDir dir;
  writeFile(dir / "umowa-signed.pdf", "someone else's");
  {
    AtomicFile f(dir / "umowa-signed.pdf");
    f.write("ours");
    BOOST_TEST(!f.placeAsNew());
    BOOST_TEST(readText(dir / "umowa-signed.pdf") == "someone else's");
  }
  BOOST_TEST(entriesIn(dir.path()) == 1u);
  writeFile(dir / "umowa-signed (2).pdf", "also taken");
  AtomicFile f(dir / "umowa-signed.pdf");
  f.write("ours");
  BOOST_TEST(f.placeAsNewOrNextFree() == dir / "umowa-signed (3).pdf");
  BOOST_TEST(readText(dir / "umowa-signed (3).pdf") == "ours");
  BOOST_TEST(readText(dir / "umowa-signed.pdf") == "someone else's");
  BOOST_TEST(candidateName(dir / "a.tar.gz", 1) == dir / "a.tar.gz");
  BOOST_TEST(candidateName(dir / "a.tar.gz", 7) == dir / "a.tar (7).gz");
}

BOOST_AUTO_TEST_CASE(place_replacing_swaps_the_whole_content_in_one_step) {
  TempDir dir;
  writeFile(dir / "store", "old content, longer than the new");
  AtomicFile f(dir / "store", 0600);
  f.write("new");
  BOOST_TEST(readText(dir / "store") == "old content, longer than the new");
  f.placeReplacing();
  BOOST_TEST(readText(dir / "store") == "new");
  BOOST_TEST(modeOf(dir / "store") == 0600u);
  BOOST_TEST(entriesIn(dir.path()) == 1u);
}

BOOST_AUTO_TEST_CASE(the_mode_is_the_one_asked_for_or_what_the_umask_gives) {
  TempDir dir;
  const mode_t old = ::umask(022);
  AtomicFile secret(dir / "key", 0600);
  secret.write("k");
  BOOST_TEST(secret.placeAsNew());
  BOOST_TEST(modeOf(dir / "key") == 0600u);
  AtomicFile plain(dir / "report.json");
  plain.write("{}");
  BOOST_TEST(plain.placeAsNew());
  // newFileMode is read once per process; whatever it found, a new file
  // gets exactly that, as open(2) would have given.
  BOOST_TEST(modeOf(dir / "report.json") == newFileMode());
  ::umask(old);
}

BOOST_AUTO_TEST_CASE(a_library_that_replaces_the_temporary_file_by_path_is_followed) {
  // A PDF library saving by path may write a new file and rename it over the
  // temporary name: the file under the name is what gets synced, moded and
  // placed, not the descriptor AtomicFile opened first.
  TempDir dir;
  AtomicFile f(dir / "signed.pdf", 0640);
  f.write("first draft");
  writeFile(dir / "elsewhere", "what the library wrote");
  fs::rename(dir / "elsewhere", f.temporary());
  BOOST_TEST(f.placeAsNew());
  BOOST_TEST(readText(dir / "signed.pdf") == "what the library wrote");
  BOOST_TEST(modeOf(dir / "signed.pdf") == 0640u);
  BOOST_TEST(entriesIn(dir.path()) == 1u);
}

BOOST_AUTO_TEST_CASE(a_batch_syncs_the_file_system_once_and_then_places_each_file) {
  TempDir dir;
  AtomicFile a(dir / "a"), b(dir / "b");
  a.write("A");
  b.write("B");
  a.syncWithFileSystem();
  b.syncWithFileSystem();
  flushFileSystemOf(dir.path());
  BOOST_TEST(a.placeAsNew(false));
  BOOST_TEST(b.placeAsNew(false));
  syncFolder(dir.path());
  BOOST_TEST(readText(dir / "a") == "A");
  BOOST_TEST(readText(dir / "b") == "B");
}

BOOST_AUTO_TEST_CASE(a_missing_or_unwritable_folder_is_a_clean_io_error) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(AtomicFile(dir / "no-such-folder" / "x"), Error, hasCategory(Category::Io));
  BOOST_CHECK_EXCEPTION(flushFileSystemOf(dir / "no-such-folder"), Error, hasCategory(Category::Io));
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directory(dir / "ro");
    fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    BOOST_CHECK_EXCEPTION(AtomicFile(dir / "ro" / "x"), Error, hasCategory(Category::Io));
    fs::permissions(dir / "ro", fs::perms::owner_all);
  }
}

BOOST_AUTO_TEST_CASE(write_new_file_fills_a_temporary_path_and_leaves_nothing_when_the_writer_fails) {
  TempDir dir;
  writeFile(dir / "r.html", "taken");
  const fs::path used = writeNewFile(dir / "r.html", [](const fs::path& tmp) { writeFile(tmp, "<html/>"); });
  BOOST_TEST(used == dir / "r (2).html");
  BOOST_TEST(readText(used) == "<html/>");
  BOOST_CHECK_THROW(writeNewFile(dir / "s.html", [](const fs::path&) { throw Error(Category::Io, "disk full"); }),
                    Error);
  BOOST_TEST(!fs::exists(dir / "s.html"));
  BOOST_TEST(entriesIn(dir.path()) == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
bool allZero(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != '\0') return false;
  }
  return true;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_AUTO_TEST_CASE(a_plain_string_handed_to_a_secret_string_is_wiped_long_or_short) {
  for (const std::size_t length : {4u, 100u}) {  // in the object's own buffer, and on the heap
    BOOST_TEST_CONTEXT(length << " characters") {
      std::string plain(length, '7');
      const char* buffer = plain.data();
      const SecretString secret(std::move(plain));
      BOOST_TEST(secret.view() == std::string(length, '7'));
      BOOST_TEST(plain.empty());  // NOLINT(bugprone-use-after-move): the wiped source is what is tested
      BOOST_TEST(plain.data() == buffer, "the plain string kept its buffer, so it can be read");
      BOOST_TEST(allZero(buffer, length));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_moved_secret_string_leaves_nothing_in_its_own_buffer) {
  SecretString a(std::string_view("1234"));
  const char* buffer = a.c_str();
  SecretString b(std::move(a));
  BOOST_TEST(b.view() == "1234");
  BOOST_TEST(a.empty());                                    // NOLINT(bugprone-use-after-move)
  if (a.c_str() == buffer) BOOST_TEST(allZero(buffer, 4));  // a short string's buffer is inside `a`
  SecretString c;
  c = std::move(b);
  BOOST_TEST(c.view() == "1234");
  BOOST_TEST(b.empty());  // NOLINT(bugprone-use-after-move)
}

BOOST_AUTO_TEST_CASE(a_secret_string_grows_and_shrinks_like_a_line_being_typed) {
  SecretString pin;
  for (const char ch : std::string("12345")) pin.push_back(ch);
  pin.pop_back();
  pin.append("9");
  BOOST_TEST(pin.view() == "12349");
  BOOST_TEST(std::string(pin.c_str()) == "12349");
  const char* buffer = pin.c_str();
  pin.clear();
  BOOST_TEST(pin.empty());
  BOOST_TEST(allZero(buffer, 5), "clear overwrites, the storage is kept");
}

BOOST_AUTO_TEST_CASE(wipe_on_exit_wipes_also_when_the_scope_ends_by_an_exception) {
  std::string text(40, 's');
  Bytes key(32, 0xAB);
  const char* textBuffer = text.data();
  const std::uint8_t* keyBuffer = key.data();
  try {
    const WipeOnExit wipeText(text);
    const WipeOnExit wipeKey(key);
    throw Error(Category::Crypto, "interrupted");
  } catch (const Error&) {
  }
  BOOST_TEST(text.empty());
  BOOST_TEST(key.empty());
  BOOST_TEST(allZero(textBuffer, 40));
  BOOST_TEST(allZero(reinterpret_cast<const char*>(keyBuffer), 32));
}

BOOST_AUTO_TEST_CASE(secret_bytes_works_as_a_byte_vector_across_growth) {
  // Its allocator wipes each block before freeing it (not observable
  // without reading freed memory); here: it behaves as a vector would.
  SecretBytes key(32, 0x5A);
  key.resize(4096);
  BOOST_TEST(key.size() == 4096u);
  BOOST_TEST(key[31] == 0x5A);
  BOOST_TEST(key[32] == 0);
  const SecretBytes copy(key.begin(), key.begin() + 4);
  BOOST_TEST(copy.size() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(formatting)

BOOST_AUTO_TEST_CASE(format_takes_text_and_integers_in_any_order_of_placeholders) {
  const std::string name = "umowa.pdf";
  BOOST_TEST(format("{1} of {0}", {name, 3}) == "3 of umowa.pdf");
  BOOST_TEST(format("{0}{0}", {std::string_view("ab")}) == "abab");
  BOOST_TEST(format("{0} bytes, {1} pages, {2}", {std::size_t{1048576}, -2, "x"}) == "1048576 bytes, -2 pages, x");
  // The extremes of 64-bit integers, both signs: plain digits, no separators.
  BOOST_TEST(format("{0} {1} {2}", {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(),
                                    std::uint8_t{200}}) == "-9223372036854775808 18446744073709551615 200");
  // A placeholder without an argument, or not a placeholder, stays.
  BOOST_TEST(format("{0} {1} {x} {", {1}) == "1 {1} {x} {");
  const char* none = nullptr;
  BOOST_TEST(format("[{0}]", {none}) == "[]");
}

BOOST_AUTO_TEST_CASE(numbers_do_not_follow_the_users_locale) {
  // A locale with thousands separators must not reach numbers in messages
  // (a log line or a JSON code argument is the same in every language).
  const std::locale previous = std::locale::global(std::locale::classic());
  try {
    std::locale::global(std::locale("pl_PL.UTF-8"));
  } catch (const std::runtime_error&) {
    // The locale is not installed here; the classic one proves less but runs.
  }
  BOOST_TEST(format("{0}", {1234567}) == "1234567");
  std::locale::global(previous);
}

BOOST_AUTO_TEST_SUITE_END()

// Text for people (issue 16): times in the local zone and the language's
// words, counts and sizes in the language's style.  The catalogs are the
// build tree's (SECUREDOC_LOCALEDIR); gettext follows LANGUAGE.
namespace {
struct InLanguage {
  InLanguage(const char* language, const char* zone) {
    ::setenv("LANGUAGE", language, 1);
    ::setenv("TZ", zone, 1);
    ::tzset();
    initI18n();
  }
  ~InLanguage() {
    ::setenv("LANGUAGE", "en", 1);
    ::unsetenv("TZ");
    ::tzset();
    initI18n();
  }
  InLanguage(const InLanguage&) = delete;
  InLanguage& operator=(const InLanguage&) = delete;
};
constexpr std::time_t kSevenDecember = 1796603237;  // 2026-12-07T00:27:17Z
}  // namespace

BOOST_AUTO_TEST_SUITE(readable)

BOOST_AUTO_TEST_CASE(polish_time_is_local_with_the_month_in_the_genitive) {
  InLanguage pl("pl", "Europe/Warsaw");
  BOOST_TEST(catalogLanguage() == "pl");
  BOOST_TEST(readableTime(kSevenDecember) == "7 grudnia 2026, 01:27:17");
  // Summer time moves the clock two hours; July is "lipca".
  BOOST_TEST(readableTime(1783470437) == "8 lipca 2026, 02:27:17");  // 2026-07-08T00:27:17Z
  BOOST_TEST(utcTime(kSevenDecember) == "2026-12-07 00:27:17 UTC");
  BOOST_TEST(readableTimeWithOffset(kSevenDecember) == "7 grudnia 2026, 01:27:17 UTC+01:00");
  BOOST_TEST(readableTimeWithOffset(1783470437) == "8 lipca 2026, 02:27:17 UTC+02:00");
  // The one UTC formatter: the year padded to four digits, as ISO 8601 and
  // PDF dates (ISO 32000-1 §7.9.4) need.
  BOOST_TEST(formatUtc(kSevenDecember, UtcLayout::Iso8601) == "2026-12-07T00:27:17Z");
  BOOST_TEST(formatUtc(-30641760000, UtcLayout::Iso8601) == "0999-01-01T00:00:00Z");
  BOOST_TEST(formatUtc(kSevenDecember, UtcLayout::PdfDate) == "D:20261207002717Z");
  BOOST_TEST(readableTimeAndUtc(kSevenDecember) == "7 grudnia 2026, 01:27:17 (2026-12-07 00:27:17 UTC)");
}

BOOST_AUTO_TEST_CASE(english_time_follows_the_zone_it_is_given) {
  InLanguage en("en", "America/New_York");
  BOOST_TEST(catalogLanguage() == "en");
  BOOST_TEST(readableTime(kSevenDecember) == "6 December 2026, 19:27:17");
  BOOST_TEST(readableTimeWithOffset(kSevenDecember) == "6 December 2026, 19:27:17 UTC-05:00");
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  BOOST_TEST(readableTime(kSevenDecember) == "7 December 2026, 00:27:17");
}

BOOST_AUTO_TEST_CASE(counts_and_sizes_use_the_languages_separators) {
  {
    InLanguage pl("pl", "UTC");
    BOOST_TEST(readableCount(999) == "999");
    BOOST_TEST(readableCount(1234) == "1234");  // Polish groups from five digits
    BOOST_TEST(readableCount(12345) == "12\u00a0345");
    BOOST_TEST(readableCount(1234567) == "1\u00a0234\u00a0567");
    BOOST_TEST(readableSize(0) == "0 B");
    BOOST_TEST(readableSize(1023) == "1023 B");
    BOOST_TEST(readableSize(1536) == "1,5 KiB");
    BOOST_TEST(readableSize(3355443) == "3,2 MiB");
    BOOST_TEST(readableSize(1048575) == "1,0 MiB");  // 1023.999 KiB rounds up a unit
  }
  InLanguage en("en", "UTC");
  BOOST_TEST(readableCount(1234) == "1,234");
  BOOST_TEST(readableCount(std::numeric_limits<std::uint64_t>::max()) == "18,446,744,073,709,551,615");
  BOOST_TEST(readableSize(1536) == "1.5 KiB");
  BOOST_TEST(readableSize(std::uint64_t{5} << 40) == "5.0 TiB");
  BOOST_TEST(readableSize(std::numeric_limits<std::uint64_t>::max()) == "16,777,216.0 TiB");
}

BOOST_AUTO_TEST_SUITE_END()
