#pragma once
/// The command-line application: parses arguments, runs a subcommand, maps errors to exit codes.

namespace chokepoint {

/// Exit codes (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFindings = 1,   ///< the input has errors, or a --fail-on threshold was crossed
  kExitUsage = 2,
  kExitIo = 3,         ///< a file could not be read or written
  kExitInternal = 70,
};

/// Runs the CLI; the only entry point main() calls.
int run_app(int argc, char** argv);

}  // namespace chokepoint
