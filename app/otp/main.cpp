// securedoc-otp: a small TOTP authenticator for the cloud signing accounts
// (RFC 6238).  The store and PIN handling live in securedoc_otp_store.
#include "otp_store.h"
#include "pin_source.h"

#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>
#include <securedoc/crypto/qr.h>
#include <securedoc/crypto/totp.h>
#include <securedoc/i18n.h>

#include <securedoc/app/cli_help.h>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <iostream>

using namespace securedoc;
using namespace securedoc::otp;
namespace fs = std::filesystem;

namespace {

constexpr int kExitFailed = 1;    // wrong PIN, or an operation failed
constexpr int kExitNotFound = 2;  // no store, or no such entry
constexpr int kExitDamaged = 4;   // the store or an input cannot be read or parsed

/// Something the user named does not exist (exit 2).
class NotFound : public Error {
 public:
  explicit NotFound(std::string message, std::string file = {})
      : Error(Category::Usage, std::move(message), std::move(file)) {}
};

int exitFor(const Error& e) {
  if (dynamic_cast<const NotFound*>(&e)) return kExitNotFound;
  switch (e.category()) {
    case Category::Usage:
      return kExitUsage;
    case Category::Io:
    case Category::Malformed:
    case Category::Unsupported:
      return kExitDamaged;
    default:
      return kExitFailed;
  }
}

struct Options {
  std::string store;
  std::string pinFile;
  std::string newPinFile;
  std::string input;
  std::string name;
};

bool startsWithIgnoreCase(const std::string& s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

/// The account to add: an otpauth:// URI, "-" for one line of standard input
/// (keeps the secret out of the shell history), or a PNG file with its QR code.
OtpAuth readAccount(const std::string& input) {
  if (input == "-") {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    OtpAuth a = OtpAuth::parse(line);
    wipe(line);
    return a;
  }
  if (startsWithIgnoreCase(input, "otpauth:")) return OtpAuth::parse(input);
  // Never echo something that looks like a URI: it may carry a secret.
  if (input.find("://") != std::string::npos || input.find("secret=") != std::string::npos) {
    throw Error(Category::Malformed, tr("not an otpauth:// URI"));
  }
  std::error_code ec;
  if (!fs::is_regular_file(input, ec)) {
    throw Error(Category::Io, tr("neither an otpauth:// URI nor a readable PNG file"), input);
  }
  const std::string text = readQrPng(input);
  try {
    return OtpAuth::parse(text);
  } catch (const Error& e) {
    throw e.withFile(input);
  }
}

PinSource pinSource(const Options& o) {
  PinSource s;
  if (!o.pinFile.empty()) s.file = o.pinFile;
  s.envName = "SECUREDOC_OTP_PIN";
  s.optionName = "--pin-file";
  return s;
}

fs::path storePath(const Options& o) { return o.store.empty() ? defaultStorePath() : fs::path(o.store); }

Store openExisting(const Options& o) {
  const fs::path path = storePath(o);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw NotFound(tr("there is no OTP store yet; add an account first: securedoc-otp add URI|QR.png"), path.string());
  }
  const SecretString pin = pinSource(o).ask(tr("PIN of the OTP store: "));
  return Store::open(path, pin.view());
}

std::vector<Entry>::iterator findEntry(Store& store, const std::string& name) {
  auto& entries = store.entries();
  return std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.name == name; });
}

int runAdd(const Options& o) {
  OtpAuth account = readAccount(o.input);
  const WipeOnExit wipeSecret(account.secret);
  const fs::path path = storePath(o);
  std::error_code ec;
  std::optional<Store> store;
  if (fs::exists(path, ec)) {
    const SecretString pin = pinSource(o).ask(tr("PIN of the OTP store: "));
    store.emplace(Store::open(path, pin.view()));
  } else {
    const SecretString pin = askNewPin(pinSource(o));
    store.emplace(Store::create(path, pin.view()));
  }
  const std::string name = account.name();
  if (findEntry(*store, name) != store->entries().end()) {
    throw Error(Category::Usage, format(tr("the store already holds {0}; remove it first"), {name}), path.string());
  }
  store->entries().push_back({name, account.uri()});
  store->save();
  std::cout << format(tr("Added {0}."), {name}) << '\n';
  return 0;
}

int runCode(const Options& o) {
  Store store = openExisting(o);
  const auto& entries = store.entries();
  const Entry* entry = nullptr;
  if (!o.name.empty()) {
    const auto it = findEntry(store, o.name);
    if (it == store.entries().end())
      throw NotFound(format(tr("no account named {0} in the store"), {o.name}), store.file().string());
    entry = &*it;
  } else if (entries.empty()) {
    throw NotFound(tr("the OTP store holds no account"), store.file().string());
  } else if (entries.size() > 1) {
    throw Error(Category::Usage, tr("the store holds several accounts: name one (securedoc-otp list shows them)"));
  } else {
    entry = &entries.front();
  }
  OtpAuth account = OtpAuth::parse(entry->uri);
  const WipeOnExit wipeSecret(account.secret);
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string code = totpCode(account, now);
  // The code on the first line, which --otp-command reads; the seconds it has
  // left on the second (README.md "securedoc-otp: the authenticator").
  std::cout << code << '\n' << secondsLeft(now, account.period) << '\n';
  return 0;
}

int runList(const Options& o) {
  Store store = openExisting(o);
  for (const auto& e : store.entries()) std::cout << e.name << '\n';
  return 0;
}

int runRemove(const Options& o) {
  Store store = openExisting(o);
  const auto it = findEntry(store, o.name);
  if (it == store.entries().end())
    throw NotFound(format(tr("no account named {0} in the store"), {o.name}), store.file().string());
  wipe(it->uri);
  store.entries().erase(it);
  store.save();
  std::cout << format(tr("Removed {0}."), {o.name}) << '\n';
  return 0;
}

int runResetPin(const Options& o) {
  Store store = openExisting(o);
  PinSource fresh;
  if (!o.newPinFile.empty()) fresh.file = o.newPinFile;
  fresh.envName = "SECUREDOC_OTP_NEW_PIN";
  fresh.optionName = "--new-pin-file";
  const SecretString pin = askNewPin(fresh);
  store.changePin(pin.view());
  store.save();
  std::cout << tr("The PIN of the OTP store is changed.") << '\n';
  return 0;
}

CLI::App* command(CLI::App& app, const char* name, const char* description) {
  auto* c = app.add_subcommand(name, description);
  c->group(tr("Commands"));
  c->set_help_flag("-h,--help", tr("Print this help and exit"));
  return c;
}

int run(int argc, char** argv) {
  CLI::App app{tr("SecureDoc authenticator: keeps TOTP accounts in a PIN-protected store and shows their codes."),
               "securedoc-otp"};
  translateHelp(app, 30);
  app.option_defaults()->group(tr("Options"));
  app.require_subcommand(1);
  app.fallthrough();
  app.set_help_flag("-h,--help", tr("Print this help and exit"));
  app.footer(
      tr("Exit status: 0 done, 1 wrong PIN or failure, 2 no store or no such account, "
         "4 the store or an input cannot be read or is damaged, 64 bad usage.\n"
         "PIN: --pin-file (first line), else SECUREDOC_OTP_PIN, else the terminal asks; "
         "a new PIN is asked twice (reset-pin: --new-pin-file or SECUREDOC_OTP_NEW_PIN)."));
  Options o;
  app.add_option("--store", o.store, tr("The store (default: $XDG_DATA_HOME/securedoc/otp-store)"))
      ->type_name(tr("FILE"));
  app.add_option("--pin-file", o.pinFile, tr("Read the PIN from the first line of this file"))->type_name(tr("FILE"));

  auto* add =
      command(app, "add",
              tr("Add an account from its otpauth:// URI, a PNG with its QR code, or - (one line of standard input)"));
  add->add_option("account", o.input, tr("otpauth://totp/... URI, QR.png or -"))->required()->type_name(tr("URI|FILE"));
  auto* code = command(app, "code", tr("Print the current code, then the seconds it has left"));
  code->add_option("name", o.name, tr("The account (needed when the store holds several)"))->type_name(tr("NAME"));
  auto* list = command(app, "list", tr("List the accounts (names only)"));
  auto* remove = command(app, "remove", tr("Remove an account"));
  remove->add_option("name", o.name, tr("The account, as list shows it"))->required()->type_name(tr("NAME"));
  auto* reset = command(app, "reset-pin", tr("Change the PIN: the old one, then the new one twice"));
  reset->add_option("--new-pin-file", o.newPinFile, tr("Read the new PIN from the first line of this file"))
      ->type_name(tr("FILE"));

  if (const auto done = parseCommandLine(app, argc, argv, "securedoc-otp")) return *done;

  return runCommand(
      "securedoc-otp",
      [&] {
        if (*add) return runAdd(o);
        if (*code) return runCode(o);
        if (*list) return runList(o);
        if (*remove) return runRemove(o);
        if (*reset) return runResetPin(o);
        return kExitUsage;
      },
      exitFor);
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("securedoc-otp", [&] { return run(argc, argv); });
}
