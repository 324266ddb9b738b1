#pragma once
// Builds small datasets in C++ for the flow-engine and market tests: countries and materials by
// id, facilities with their outputs, demand and links. Shared so both bounds are tested on the
// same kind of input.

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chokepoint/core/elements.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint::test_support {

/// Element symbol -> share (or % for distributions).
using Composition = std::vector<std::pair<std::string, double>>;

/// RE index of a symbol ("Dy").
inline int re(const std::string& symbol) { return rare_earth_index(*parse_element(symbol)); }
/// Oxide factor of a symbol.
inline double factor(const std::string& symbol) {
  return rare_earths()[static_cast<std::size_t>(re(symbol))].oxide_factor;
}

/// Builds small datasets in code: countries and materials by id, facilities with their outputs.
class DatasetBuilder {
 public:
  Index country(const std::string& code) {
    if (Index c = find(dataset_.countries, code); c != kNone) return c;
    Country c;
    c.code = code;
    c.name = code;
    dataset_.countries.push_back(c);
    return static_cast<Index>(dataset_.countries.size() - 1);
  }

  Index material(const std::string& id, Form form, Basis basis, const Composition& composition) {
    Material m;
    m.id = id;
    m.name = id;
    m.form = form;
    m.basis = basis;
    m.mixed = composition.empty();
    for (const auto& [symbol, fraction] : composition) m.composition.push_back({*parse_element(symbol), fraction});
    std::sort(m.composition.begin(), m.composition.end(),
              [](const Component& a, const Component& b) { return a.element < b.element; });
    dataset_.materials.push_back(m);
    return static_cast<Index>(dataset_.materials.size() - 1);
  }

  Index facility(const std::string& id, Stage stage, const std::string& country_code) {
    Facility f;
    f.id = id;
    f.name = id;
    f.stage = stage;
    f.country = country(country_code);
    dataset_.facilities.push_back(f);
    return static_cast<Index>(dataset_.facilities.size() - 1);
  }

  Facility& at(Index f) { return dataset_.facilities[f]; }

  void output(Index f, Index material, std::optional<double> capacity, std::optional<double> production = {}) {
    Output o;
    o.material = material;
    o.capacity = capacity;
    o.production = production;
    dataset_.facilities[f].outputs.push_back(o);
  }

  void distribution(Index f, const Composition& percent) {
    Facility& fac = dataset_.facilities[f];
    fac.has_distribution = true;
    for (const auto& [symbol, p] : percent) fac.distribution[static_cast<std::size_t>(re(symbol))] = p;
  }

  void elements(Index f, std::initializer_list<const char*> symbols) {
    Facility& fac = dataset_.facilities[f];
    fac.elements_given = true;
    for (const char* s : symbols) fac.elements.push_back(*parse_element(s));
  }

  void demand(Index f, Index material, double quantity) {
    DemandEntry d;
    d.material = material;
    d.quantity = quantity;
    dataset_.facilities[f].demand.push_back(d);
  }

  Index link(Index from, Index to, Index material, std::optional<double> volume = {},
             std::optional<double> share = {}) {
    Link l;
    l.from = from;
    l.to = to;
    l.material = material;
    l.volume = volume;
    l.share = share;
    dataset_.links.push_back(l);
    return static_cast<Index>(dataset_.links.size() - 1);
  }

  Link& link_at(Index l) { return dataset_.links[l]; }

  Dataset build() {
    dataset_.build_indexes();
    return dataset_;
  }

 private:
  static Index find(const std::vector<Country>& countries, const std::string& code) {
    for (Index i = 0; i < countries.size(); ++i) {
      if (countries[i].code == code) return i;
    }
    return kNone;
  }
  Dataset dataset_;
};

}  // namespace chokepoint::test_support
