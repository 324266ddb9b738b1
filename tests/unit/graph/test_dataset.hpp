#pragma once
// Small Datasets built in C++ for graph and analysis tests.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chokepoint/core/elements.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint::testing {

using Composition = std::vector<std::pair<std::string, double>>;

inline Element element(const std::string& symbol) { return parse_element(symbol).value(); }
inline int re(const std::string& symbol) { return rare_earth_index(element(symbol)); }

inline Index add_country(Dataset& d, const std::string& code, std::optional<double> wgi = {}, std::string name = {}) {
  Country c;
  c.code = code;
  c.name = name.empty() ? code : std::move(name);
  c.wgi = wgi;
  d.countries.push_back(c);
  return static_cast<Index>(d.countries.size() - 1);
}

/// A material; an empty composition makes it `mixed`.
inline Index add_material(Dataset& d, const std::string& id, Form form, Basis basis, const Composition& composition) {
  Material m;
  m.id = id;
  m.form = form;
  m.basis = basis;
  m.mixed = composition.empty();
  for (const auto& [symbol, fraction] : composition) m.composition.push_back({element(symbol), fraction});
  std::sort(m.composition.begin(), m.composition.end(),
            [](const Component& a, const Component& b) { return a.element < b.element; });
  d.materials.push_back(m);
  return static_cast<Index>(d.materials.size() - 1);
}

inline Index add_facility(Dataset& d, const std::string& id, Stage stage, Index country,
                          Status status = Status::operating) {
  Facility f;
  f.id = id;
  f.stage = stage;
  f.country = country;
  f.status = status;
  d.facilities.push_back(f);
  return static_cast<Index>(d.facilities.size() - 1);
}

inline void add_output(Dataset& d, Index facility, Index material, std::optional<double> capacity,
                       std::optional<double> production = {}) {
  Output o;
  o.material = material;
  o.capacity = capacity;
  o.production = production;
  d.facilities[facility].outputs.push_back(o);
}

/// A mine's distribution in % of TREO.
inline void set_distribution(Dataset& d, Index mine, const Composition& percent) {
  Facility& f = d.facilities[mine];
  f.has_distribution = true;
  for (const auto& [symbol, pct] : percent) f.distribution[static_cast<std::size_t>(re(symbol))] = pct;
}

inline Index add_link(Dataset& d, Index from, Index to, Index material, std::optional<double> volume = {}) {
  Link l;
  l.from = from;
  l.to = to;
  l.material = material;
  l.volume = volume;
  d.links.push_back(l);
  return static_cast<Index>(d.links.size() - 1);
}

}  // namespace chokepoint::testing
