#pragma once
// What every command-line program shares: CLI11's own words ("Usage",
// "OPTIONS"...) through gettext, parsing with one way of reporting bad
// usage, and the outermost error handling of main().
#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <optional>
#include <string>

namespace securedoc {

inline void translateHelp(CLI::App& app, std::size_t columnWidth) {
  auto fmt = app.get_formatter();
  fmt->label("Usage", tr("Usage"));
  fmt->label("OPTIONS", tr("OPTIONS"));
  fmt->label("SUBCOMMAND", tr("COMMAND"));
  fmt->label("SUBCOMMANDS", tr("COMMANDS"));
  fmt->label("REQUIRED", tr("REQUIRED"));
  fmt->label("Positionals", tr("Arguments"));
  fmt->label("TEXT", tr("TEXT"));
  fmt->label("FILE", tr("FILE"));
  fmt->label("DIR", tr("DIR"));
  fmt->label("Excludes", tr("Excludes"));
  fmt->label("Needs", tr("Needs"));
  fmt->column_width(columnWidth);
}

constexpr int kExitUsage = 64;
constexpr int kExitInternal = 70;

/// Parses the command line.  Returns the exit status when the program is
/// done already (--help printed, or bad usage reported in one line), else
/// nothing.
inline std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv, const std::string& program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << program << ": " << format(tr("bad usage: {0}"), {e.what()}) << '\n'
              << format(tr("Run \"{0} --help\" for the options."), {program}) << '\n';
    return kExitUsage;
  }
  return std::nullopt;
}

/// Runs a command: an Error becomes one line on stderr and `exitFor(error)`,
/// any other exception an internal error (exit 70).
template <class Command, class ExitFor>
int runCommand(const std::string& program, Command&& command, ExitFor&& exitFor) {
  try {
    return command();
  } catch (const Error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exitFor(e);
  } catch (const std::exception& e) {
    std::cerr << program << ": " << format(tr("internal error: {0}"), {e.what()}) << '\n';
    return kExitInternal;
  }
}

/// The whole of main(): the catalogs, then `run`; anything escaping is exit 70.
template <class Run>
int runMain(const std::string& program, Run&& run) {
  try {
    initI18n();
    return run();
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return kExitInternal;
  }
}

}  // namespace securedoc
