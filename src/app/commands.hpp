#pragma once
// Private to the app: each subcommand registers itself on the CLI and runs from its options.

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "chokepoint/app/output.hpp"

namespace chokepoint {

/// Options every command shares.
struct GlobalOptions {
  ColorMode color = ColorMode::automatic;
};

/// A subcommand's runner, called after parsing; returns the exit code.
using Runner = std::function<int()>;

Runner setup_validate(CLI::App& app, const GlobalOptions& global);
Runner setup_scenario(CLI::App& app, const GlobalOptions& global);
Runner setup_diagram(CLI::App& app, const GlobalOptions& global);
Runner setup_export(CLI::App& app, const GlobalOptions& global);
Runner setup_diff(CLI::App& app, const GlobalOptions& global);
Runner setup_summary(CLI::App& app, const GlobalOptions& global);
Runner setup_concentration(CLI::App& app, const GlobalOptions& global);
Runner setup_generate(CLI::App& app, const GlobalOptions& global);
Runner setup_chokepoints(CLI::App& app, const GlobalOptions& global);
Runner setup_dependencies(CLI::App& app, const GlobalOptions& global);
Runner setup_risk(CLI::App& app, const GlobalOptions& global);

}  // namespace chokepoint
