#pragma once
// What every command-line program's --help shares: CLI11's own words
// ("Usage", "OPTIONS"...) through gettext, and one column width.
#include <securedoc/i18n.h>

#include <CLI/CLI.hpp>

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

}  // namespace securedoc
