#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "chokepoint/analysis/synthetic.hpp"
#include "chokepoint/app/app.hpp"
#include "chokepoint/app/output.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct GenerateOptions {
  std::size_t facilities = 1000;
  std::uint64_t seed = 1;
  std::string output;
};

// A double-quoted YAML scalar.
std::string yaml_quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string to_yaml(const Dataset& ds) {
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  fmt::format_to(out,
                 "# Synthetic rare-earth chain written by 'chokepoint generate' (docs/schema/dataset.schema.json).\n"
                 "dataset:\n  name: {}\n  version: {}\n  as_of: {}\n  description: {}\n  license: {}\n",
                 yaml_quoted(ds.info.name), yaml_quoted(ds.info.version), ds.info.as_of ? ds.info.as_of->str() : "2026-01-01",
                 yaml_quoted(ds.info.description), ds.info.license);
  fmt::format_to(out, "\nsources:\n");
  for (const Source& src : ds.sources) {
    fmt::format_to(out, "  - {{id: {}, title: {}, publisher: {}}}\n", src.id, yaml_quoted(src.title),
                   yaml_quoted(src.publisher));
  }
  const auto cite = [&](Index source) {
    return source == kNone ? std::string() : fmt::format(", source: {}", ds.sources[source].id);
  };
  fmt::format_to(out, "\ncountries:\n");
  for (const Country& c : ds.countries) {
    fmt::format_to(out, "  - {{code: {}, name: {}", c.code, yaml_quoted(c.name));
    if (c.wgi) fmt::format_to(out, ", wgi: {}{}", *c.wgi, cite(c.source));
    fmt::format_to(out, "}}\n");
  }
  fmt::format_to(out, "\nmaterials:\n");
  for (const Material& m : ds.materials) {
    fmt::format_to(out, "  - {{id: {}, name: {}, form: {}, basis: {}, composition: ", m.id, yaml_quoted(m.name),
                   form_name(m.form), basis_name(m.basis));
    if (m.mixed) {
      fmt::format_to(out, "mixed}}\n");
      continue;
    }
    fmt::format_to(out, "{{");
    for (std::size_t i = 0; i < m.composition.size(); ++i) {
      fmt::format_to(out, "{}{}: {}", i ? ", " : "", element_symbol(m.composition[i].element),
                     m.composition[i].fraction);
    }
    fmt::format_to(out, "}}}}\n");
  }
  fmt::format_to(out, "\nfacilities:\n");
  const auto& res = rare_earths();
  for (const Facility& f : ds.facilities) {
    fmt::format_to(out, "  - {{id: {}, name: {}, country: {}, stage: {}", f.id, yaml_quoted(f.name),
                   ds.countries[f.country].code, stage_name(f.stage));
    if (!f.outputs.empty()) {
      fmt::format_to(out, ", outputs: [");
      for (std::size_t i = 0; i < f.outputs.size(); ++i) {
        const Output& o = f.outputs[i];
        fmt::format_to(out, "{}{{material: {}", i ? ", " : "", ds.materials[o.material].id);
        if (o.capacity) fmt::format_to(out, ", capacity: {}", *o.capacity);
        if (o.production) fmt::format_to(out, ", production: {}", *o.production);
        fmt::format_to(out, "{}", cite(o.provenance.source));
        fmt::format_to(out, "}}");
      }
      fmt::format_to(out, "]");
    }
    if (f.has_distribution) {
      fmt::format_to(out, ", distribution: {{");
      bool first = true;
      for (std::size_t e = 0; e < res.size(); ++e) {
        if (f.distribution[e] == 0) continue;
        fmt::format_to(out, "{}{}: {}", first ? "" : ", ", res[e].symbol, f.distribution[e]);
        first = false;
      }
      fmt::format_to(out, "}}");
    }
    if (!f.demand.empty()) {
      fmt::format_to(out, ", demand: [");
      for (std::size_t i = 0; i < f.demand.size(); ++i) {
        fmt::format_to(out, "{}{{material: {}, quantity: {}{}}}", i ? ", " : "", ds.materials[f.demand[i].material].id,
                       f.demand[i].quantity, cite(f.demand[i].provenance.source));
      }
      fmt::format_to(out, "]");
    }
    fmt::format_to(out, "}}\n");
  }
  fmt::format_to(out, "\nlinks:\n");
  for (const Link& l : ds.links) {
    fmt::format_to(out, "  - {{from: {}, to: {}, material: {}", ds.facilities[l.from].id, ds.facilities[l.to].id,
                   ds.materials[l.material].id);
    if (l.volume) fmt::format_to(out, ", volume: {}", *l.volume);
    if (l.share) fmt::format_to(out, ", share: {}", *l.share);
    fmt::format_to(out, "{}", cite(l.source));
    fmt::format_to(out, "}}\n");
  }
  return fmt::to_string(buf);
}

int run_generate(const GenerateOptions& opt) {
  if (opt.facilities < 5) throw CLI::ValidationError("--facilities", "needs at least 5 facilities");
  const Dataset ds = generate_chain(opt.facilities, opt.seed);
  const std::string yaml = to_yaml(ds);
  if (opt.output.empty() || opt.output == "-") {
    emit("-", yaml);
  } else {
    write_file_atomic(opt.output, yaml);
  }
  return kExitOk;
}

}  // namespace

Runner setup_generate(CLI::App& app, const GlobalOptions& /*global*/) {
  auto opt = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand("generate", "Write a seeded synthetic supply chain as one YAML dataset file");
  cmd->add_option("--facilities", opt->facilities, "Number of facilities (at least 5)")
      ->check(CLI::Range(std::size_t{5}, std::size_t{5'000'000}))
      ->default_str("1000");
  cmd->add_option("--seed", opt->seed, "Random seed; the same seed gives the same file")->default_str("1");
  cmd->add_option("-o,--output", opt->output, "Output file (default: stdout)");
  cmd->footer("Example:\n  chokepoint generate --facilities 10000 --seed 7 -o synthetic.yaml");
  return [opt] { return run_generate(*opt); };
}

}  // namespace chokepoint
