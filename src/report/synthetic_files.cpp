#include "chokepoint/report/synthetic_files.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "chokepoint/core/elements.hpp"

namespace chokepoint {
namespace {

using Out = std::back_insert_iterator<fmt::memory_buffer>;

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

// A CSV cell (RFC 4180): quoted only when it holds a comma, a quote or a line break.
std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

template <typename Optional>   // std::optional<T> or OptionalDouble
std::string optional_text(const Optional& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

std::string source_id(const Dataset& ds, Index source) { return source == kNone ? std::string() : ds.sources[source].id; }

// The sections every layout keeps in YAML: dataset, sources, countries, materials.
void write_header(const Dataset& ds, Out out) {
  fmt::format_to(out,
                 "# Synthetic rare-earth chain written by 'chokepoint generate' (format v1, docs/data-format.md).\n"
                 "dataset:\n  name: {}\n  version: {}\n  as_of: {}\n  description: {}\n  license: {}\n",
                 yaml_quoted(ds.info.name), yaml_quoted(ds.info.version), ds.info.as_of ? ds.info.as_of->str() : "2026-01-01",
                 yaml_quoted(ds.info.description), ds.info.license);
  fmt::format_to(out, "\nsources:\n");
  for (const Source& src : ds.sources) {
    fmt::format_to(out, "  - {{id: {}, title: {}, publisher: {}}}\n", src.id, yaml_quoted(src.title),
                   yaml_quoted(src.publisher));
  }
  fmt::format_to(out, "\ncountries:\n");
  for (const Country& c : ds.countries) {
    fmt::format_to(out, "  - {{code: {}, name: {}", c.code, yaml_quoted(c.name));
    if (c.wgi) {
      fmt::format_to(out, ", wgi: {}", *c.wgi);
      if (c.source != kNone) fmt::format_to(out, ", source: {}", ds.sources[c.source].id);
    }
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
      fmt::format_to(out, "{}{}: {}", i ? ", " : "", element_symbol(m.composition[i].element), m.composition[i].fraction);
    }
    fmt::format_to(out, "}}}}\n");
  }
}

void write_facility_yaml(const Dataset& ds, const Facility& f, Out out) {
  const auto cite = [&](Index source) {
    return source == kNone ? std::string() : fmt::format(", source: {}", ds.sources[source].id);
  };
  fmt::format_to(out, "  - {{id: {}, name: {}, country: {}, stage: {}", f.id, yaml_quoted(f.name),
                 ds.countries[f.country].code, stage_name(f.stage));
  if (!f.operator_name.empty()) fmt::format_to(out, ", operator: {}", yaml_quoted(f.operator_name));
  if (f.owner_country != kNone) fmt::format_to(out, ", owner_country: {}", ds.countries[f.owner_country].code);
  if (f.status != Status::operating) fmt::format_to(out, ", status: {}", status_name(f.status));
  if (f.recovery != 1.0) fmt::format_to(out, ", recovery: {}", f.recovery);
  if (f.priority != 1.0) fmt::format_to(out, ", priority: {}", f.priority);
  if (!f.outputs.empty()) {
    fmt::format_to(out, ", outputs: [");
    for (std::size_t i = 0; i < f.outputs.size(); ++i) {
      const Output& o = f.outputs[i];
      fmt::format_to(out, "{}{{material: {}", i ? ", " : "", ds.materials[o.material].id);
      if (o.capacity) fmt::format_to(out, ", capacity: {}", *o.capacity);
      if (o.production) fmt::format_to(out, ", production: {}", *o.production);
      if (o.provenance.year) fmt::format_to(out, ", year: {}", *o.provenance.year);
      fmt::format_to(out, "{}}}", cite(o.provenance.source));
    }
    fmt::format_to(out, "]");
  }
  if (f.has_distribution) {
    fmt::format_to(out, ", distribution: {{");
    bool first = true;
    for (std::size_t e = 0; e < rare_earths().size(); ++e) {
      if (f.distribution[e] == 0) continue;
      fmt::format_to(out, "{}{}: {}", first ? "" : ", ", rare_earths()[e].symbol, f.distribution[e]);
      first = false;
    }
    fmt::format_to(out, "}}");
  }
  if (!f.demand.empty()) {
    fmt::format_to(out, ", demand: [");
    for (std::size_t i = 0; i < f.demand.size(); ++i) {
      const DemandEntry& d = f.demand[i];
      fmt::format_to(out, "{}{{material: {}, quantity: {}", i ? ", " : "", ds.materials[d.material].id, d.quantity);
      if (d.provenance.year) fmt::format_to(out, ", year: {}", *d.provenance.year);
      fmt::format_to(out, "{}}}", cite(d.provenance.source));
    }
    fmt::format_to(out, "]");
  }
  fmt::format_to(out, "}}\n");
}

void write_link_yaml(const Dataset& ds, const Link& l, Out out) {
  fmt::format_to(out, "  - {{from: {}, to: {}, material: {}", ds.facilities[l.from].id, ds.facilities[l.to].id,
                 ds.materials[l.material].id);
  if (l.volume) fmt::format_to(out, ", volume: {}", *l.volume);
  if (l.share) fmt::format_to(out, ", share: {}", *l.share);
  if (l.status != LinkStatus::active) fmt::format_to(out, ", status: {}", link_status_name(l.status));
  if (l.source != kNone) fmt::format_to(out, ", source: {}", ds.sources[l.source].id);
  fmt::format_to(out, "}}\n");
}

std::string header_text(const Dataset& ds) {
  fmt::memory_buffer buf;
  write_header(ds, std::back_inserter(buf));
  return fmt::to_string(buf);
}

}  // namespace

std::string synthetic_yaml(const Dataset& ds) {
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  write_header(ds, out);
  fmt::format_to(out, "\nfacilities:\n");
  for (const Facility& f : ds.facilities) write_facility_yaml(ds, f, out);
  fmt::format_to(out, "\nlinks:\n");
  for (const Link& l : ds.links) write_link_yaml(ds, l, out);
  return fmt::to_string(buf);
}

std::vector<DatasetFile> synthetic_yaml_files(const Dataset& ds, std::size_t per_file) {
  per_file = std::max<std::size_t>(per_file, 1);
  std::vector<DatasetFile> files;
  files.push_back({"dataset.yaml", header_text(ds)});
  const auto chunks = [&](const char* section, std::size_t count, const auto& write_one) {
    for (std::size_t begin = 0, part = 1; begin < count; begin += per_file, ++part) {
      fmt::memory_buffer buf;
      auto out = std::back_inserter(buf);
      fmt::format_to(out,
                     "# Written by 'chokepoint generate' (format v1, docs/data-format.md).\n{}:\n",
                     section);
      for (std::size_t i = begin; i < std::min(count, begin + per_file); ++i) write_one(i, out);
      files.push_back({fmt::format("{}-{:04}.yaml", section, part), fmt::to_string(buf)});
    }
  };
  chunks("facilities", ds.facilities.size(), [&](std::size_t i, Out out) { write_facility_yaml(ds, ds.facilities[i], out); });
  chunks("links", ds.links.size(), [&](std::size_t i, Out out) { write_link_yaml(ds, ds.links[i], out); });
  return files;
}

std::vector<DatasetFile> synthetic_csv_files(const Dataset& ds) {
  fmt::memory_buffer fac, outs, dem, dist, links;
  auto f = std::back_inserter(fac);
  auto o = std::back_inserter(outs);
  auto d = std::back_inserter(dem);
  auto t = std::back_inserter(dist);
  auto l = std::back_inserter(links);
  fmt::format_to(f, "id,name,operator,country,owner_country,stage,status,recovery,priority\n");
  fmt::format_to(o, "facility,material,capacity,production,year,source\n");
  fmt::format_to(d, "facility,material,quantity,year,source\n");
  fmt::format_to(t, "facility,element,percent\n");
  fmt::format_to(l, "from,to,material,volume,share,status,source\n");
  for (const Facility& fc : ds.facilities) {
    const std::string id = csv_cell(fc.id);
    fmt::format_to(f, "{},{},{},{},{},{},{},{},{}\n", id, csv_cell(fc.name), csv_cell(fc.operator_name),
                   ds.countries[fc.country].code,
                   fc.owner_country == kNone ? std::string() : ds.countries[fc.owner_country].code, stage_name(fc.stage),
                   status_name(fc.status), fc.recovery, fc.priority);
    for (const Output& out : fc.outputs) {
      fmt::format_to(o, "{},{},{},{},{},{}\n", id, ds.materials[out.material].id, optional_text(out.capacity),
                     optional_text(out.production), optional_text(out.provenance.year),
                     source_id(ds, out.provenance.source));
    }
    for (const DemandEntry& dm : fc.demand) {
      fmt::format_to(d, "{},{},{},{},{}\n", id, ds.materials[dm.material].id, dm.quantity,
                     optional_text(dm.provenance.year), source_id(ds, dm.provenance.source));
    }
    if (fc.has_distribution) {
      for (std::size_t e = 0; e < fc.distribution.size(); ++e) {
        if (fc.distribution[e] == 0) continue;
        fmt::format_to(t, "{},{},{}\n", id, rare_earths()[e].symbol, fc.distribution[e]);
      }
    }
  }
  for (const Link& lk : ds.links) {
    fmt::format_to(l, "{},{},{},{},{},{},{}\n", csv_cell(ds.facilities[lk.from].id), csv_cell(ds.facilities[lk.to].id),
                   ds.materials[lk.material].id, optional_text(lk.volume), optional_text(lk.share),
                   link_status_name(lk.status), source_id(ds, lk.source));
  }
  std::vector<DatasetFile> files;
  files.push_back({"dataset.yaml", header_text(ds)});
  files.push_back({"facilities.csv", fmt::to_string(fac)});
  files.push_back({"outputs.csv", fmt::to_string(outs)});
  files.push_back({"demand.csv", fmt::to_string(dem)});
  files.push_back({"distribution.csv", fmt::to_string(dist)});
  files.push_back({"links.csv", fmt::to_string(links)});
  return files;
}

std::size_t synthetic_csv_rows(const Dataset& ds) {
  std::size_t rows = ds.facilities.size() + ds.links.size();
  for (const Facility& f : ds.facilities) {
    rows += f.outputs.size() + f.demand.size();
    if (f.has_distribution) {
      rows += static_cast<std::size_t>(std::count_if(f.distribution.begin(), f.distribution.end(),
                                                     [](double p) { return p != 0; }));
    }
  }
  return rows;
}

}  // namespace chokepoint
