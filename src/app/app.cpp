#include "chokepoint/app/app.hpp"

#include <cstdio>
#include <exception>
#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "chokepoint/core/text.hpp"

#include "chokepoint/app/output.hpp"
#include "commands.hpp"

#ifndef CHOKEPOINT_VERSION
#define CHOKEPOINT_VERSION "0.1.0"
#endif

namespace chokepoint {

int run_app(int argc, char** argv) {
  CLI::App app{"chokepoint: chokepoints, dependencies and export-control impacts in supply-chain graphs"};
  app.set_version_flag("--version", std::string("chokepoint ") + CHOKEPOINT_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'chokepoint COMMAND --help' for a command's options and an example.\n"
             "Exit codes: 0 ok, 1 findings (input errors or --fail-on), 2 usage, 3 I/O, 70 internal.");
  GlobalOptions global;
  std::string color = "auto";
  app.add_option("--color", color, "Colour in terminal output: auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  std::map<const CLI::App*, Runner> runners;
  const auto add = [&](Runner r) { runners.emplace(app.get_subcommands({}).back(), std::move(r)); };
  add(setup_validate(app, global));
  add(setup_summary(app, global));
  add(setup_concentration(app, global));
  add(setup_chokepoints(app, global));
  add(setup_dependencies(app, global));
  add(setup_scenario(app, global));
  add(setup_diagram(app, global));
  add(setup_export(app, global));
  add(setup_diff(app, global));
  add(setup_generate(app, global));
  add(setup_risk(app, global));

  // An unknown first word is most likely a mistyped command.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      fmt::print(stderr, "chokepoint: unknown command '{}'\n", argv[1]);
      if (auto note = did_you_mean(argv[1], names); !note.empty()) fmt::print(stderr, "note: {}\n", note);
      fmt::print(stderr, "Commands: {}\nRun 'chokepoint --help' for more information.\n", fmt::join(names, ", "));
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  global.color = color == "always" ? ColorMode::always : color == "never" ? ColorMode::never : ColorMode::automatic;
  try {
    for (const auto* sub : app.get_subcommands()) {
      if (auto it = runners.find(sub); it != runners.end()) return it->second();
    }
    return kExitUsage;
  } catch (const CLI::Error& e) {
    fmt::print(stderr, "chokepoint: error: {}\n", e.what());
    return kExitUsage;
  } catch (const InputError& e) {
    fmt::print(stderr, "chokepoint: error: {}\n", e.what());
    return kExitIo;
  } catch (const OutputError& e) {
    fmt::print(stderr, "chokepoint: error: {}\n", e.what());
    return kExitIo;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "chokepoint: error: out of memory\n");
    return kExitInternal;
  } catch (const std::exception& e) {
    fmt::print(stderr, "chokepoint: internal error: {}\n", e.what());
    return kExitInternal;
  }
}

}  // namespace chokepoint
