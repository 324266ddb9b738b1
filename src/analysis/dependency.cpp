#include "chokepoint/analysis/dependency.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <utility>

namespace chokepoint {
namespace {

/// Shares are sums of products; a share meant to equal a threshold must not miss it by rounding.
constexpr double kEpsilon = 1e-9;

std::string_view code_of(const Dataset& d, Index country) {
  return country < d.countries.size() ? std::string_view(d.countries[country].code) : std::string_view("~");
}

bool by_share_then_code(const Dataset& d, const CountryDependency& a, const CountryDependency& b) {
  if (a.share != b.share) return a.share > b.share;
  return code_of(d, a.country) < code_of(d, b.country);
}

/// Element tonnes the consumers receive, summed in consumer order over what each receives.
ReVector total_received(const FlowResult& flow, const std::vector<Index>& consumers) {
  ReVector total{};
  for (Index f : consumers) {
    const ReVector x = flow.received(f);
    for (std::size_t e = 0; e < x.size(); ++e) {
      if (x[e] > 0) total[e] += x[e];
    }
  }
  return total;
}

StageDependency stage_row(const Dataset& d, Stage stage, double reached, const std::map<Index, double>& shares,
                          double received, const std::vector<Index>& must_pass, const DependencyOptions& o) {
  StageDependency row{stage, reached, {}};
  for (const auto& [country, share] : shares) {
    CountryDependency c;
    c.country = country;
    c.share = share;
    c.tonnes = share * received;
    c.must_pass = std::binary_search(must_pass.begin(), must_pass.end(), country);
    c.domestic = country != kNone && std::binary_search(o.home.begin(), o.home.end(), country);
    c.flagged = !c.domestic && share >= o.threshold - kEpsilon;
    c.critical = c.flagged && (share >= o.critical - kEpsilon || c.must_pass);
    row.countries.push_back(c);
  }
  std::sort(row.countries.begin(), row.countries.end(),
            [&](const CountryDependency& a, const CountryDependency& b) { return by_share_then_code(d, a, b); });
  return row;
}

/// What a consumer's facilities brought in of one element, by stage and country, as the trace
/// hands their rows over: tonnes received times share, summed.
struct ElementSums {
  std::array<double, kStageCount> reached{};
  std::array<std::map<Index, double>, kStageCount> shares;
};

ElementDependency element_row(const Dataset& d, const ElementSums& sums, double received, int element,
                              const DependencyOptions& o) {
  ElementDependency row;
  row.element = element;
  row.must_pass = o.must_pass[static_cast<std::size_t>(element)];
  std::sort(row.must_pass.begin(), row.must_pass.end());
  row.received = received;
  if (row.received <= 0) return row;
  for (std::size_t s = 0; s < sums.reached.size(); ++s) {
    if (sums.reached[s] <= 0) continue;
    std::map<Index, double> shares = sums.shares[s];
    for (auto& [country, share] : shares) share /= row.received;
    row.stages.push_back(
        stage_row(d, static_cast<Stage>(s), sums.reached[s] / row.received, shares, row.received, row.must_pass, o));
  }
  return row;
}

}  // namespace

std::vector<Index> resolve_consumers(const Dataset& dataset, std::string_view spec) {
  if (const Index f = dataset.find_facility(spec); f != kNone) return {f};
  const std::vector<Index> countries = dataset.resolve_countries(spec);
  std::vector<Index> consumers;
  for (Index f = 0; f < dataset.facilities.size(); ++f) {
    const Facility& facility = dataset.facilities[f];
    if (facility.stage != Stage::demand) continue;
    if (std::binary_search(countries.begin(), countries.end(), facility.country)) consumers.push_back(f);
  }
  return consumers;
}

std::vector<Index> home_countries(const Dataset& dataset, std::string_view spec) {
  if (const Index f = dataset.find_facility(spec); f != kNone) {
    const Index country = dataset.facilities[f].country;
    return country == kNone ? std::vector<Index>{} : std::vector<Index>{country};
  }
  std::vector<Index> countries = dataset.resolve_countries(spec);
  std::sort(countries.begin(), countries.end());
  return countries;
}

std::vector<DependencyReport> single_country_dependencies(const FlowResult& flow,
                                                         const std::vector<std::vector<Index>>& consumers,
                                                         const std::vector<DependencyOptions>& options,
                                                         std::size_t batch) {
  if (options.size() != consumers.size()) {
    throw std::invalid_argument("single_country_dependencies: one DependencyOptions per consumer");
  }
  std::vector<DependencyReport> reports(consumers.size());
  std::vector<std::vector<int>> elements(consumers.size());
  std::vector<ReVector> received(consumers.size());
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    DependencyReport& report = reports[i];
    report.consumers = consumers[i];
    std::sort(report.consumers.begin(), report.consumers.end());
    report.consumers.erase(std::unique(report.consumers.begin(), report.consumers.end()), report.consumers.end());
    report.threshold = options[i].threshold;
    report.critical = options[i].critical;
    if (report.consumers.empty()) continue;
    received[i] = total_received(flow, report.consumers);
    elements[i] = options[i].elements;
    if (elements[i].empty()) {   // every element received
      for (int e = 0; e < kRareEarthCount; ++e) {
        if (received[i][static_cast<std::size_t>(e)] > 0) elements[i].push_back(e);
      }
    }
    std::sort(elements[i].begin(), elements[i].end());
    elements[i].erase(std::unique(elements[i].begin(), elements[i].end()), elements[i].end());
  }
  // A facility's row depends only on what is upstream of it, not on which targets were asked for:
  // one trace of several consumers' facilities serves them all (40 consumers traced one by one took
  // a minute at 10^6 facilities). The trace keeps no consumer's row: each is added into the sums of
  // the consumers it belongs to as it is made, so a batch costs its upstream rows, whatever its
  // size (a quarter of a million demand sinks' rows, kept, took 0.4 GB).
  for (std::size_t first = 0; first < consumers.size();) {
    std::size_t last = first, size = 0;
    std::vector<Index> targets;
    std::array<bool, kRareEarthCount> wanted{};
    for (; last < consumers.size() && (last == first || size + reports[last].consumers.size() <= batch); ++last) {
      size += reports[last].consumers.size();
      targets.insert(targets.end(), reports[last].consumers.begin(), reports[last].consumers.end());
      for (const int e : elements[last]) wanted[static_cast<std::size_t>(e)] = true;
    }
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    // Each facility's reports in the batch, and each report's sums per element. The trace hands
    // every target's row over once (dependency.hpp: one trace serves every consumer of a batch).
    std::vector<std::pair<Index, std::size_t>> member;   // (facility, report), sorted
    for (std::size_t i = first; i < last; ++i) {
      for (const Index f : reports[i].consumers) member.emplace_back(f, i);
    }
    std::sort(member.begin(), member.end());
    std::vector<std::array<ElementSums, kRareEarthCount>> sums(last - first);
    std::vector<int> traced;
    for (int e = 0; e < kRareEarthCount; ++e) {
      if (wanted[static_cast<std::size_t>(e)]) traced.push_back(e);
    }
    if (traced.empty()) {   // nothing received: no element rows
      first = last;
      continue;
    }
    visit_origins(flow, targets, traced, [&](const OriginRow& row) {
      const auto e = static_cast<std::size_t>(row.element);
      const double r = row.received;
      if (r <= 0) return;
      auto it = std::lower_bound(member.begin(), member.end(), std::pair<Index, std::size_t>(row.facility, 0));
      for (; it != member.end() && it->first == row.facility; ++it) {
        ElementSums& into = sums[it->second - first][e];
        for (std::size_t s = 0; s < row.stages.size(); ++s) into.reached[s] += r * row.stages[s];
        for (const StageCountryShare& c : row.countries) {
          into.shares[static_cast<std::size_t>(c.stage)][c.country] += r * c.share;
        }
      }
    });
    for (std::size_t i = first; i < last; ++i) {
      for (const int e : elements[i]) {
        const auto k = static_cast<std::size_t>(e);
        reports[i].elements.push_back(
            element_row(flow.plan().dataset(), sums[i - first][k], received[i][k], e, options[i]));
      }
    }
    first = last;
  }
  return reports;
}

DependencyReport single_country_dependency(const FlowResult& flow, const std::vector<Index>& consumers,
                                           const DependencyOptions& options) {
  return std::move(single_country_dependencies(flow, {consumers}, {options}, consumers.size()).front());
}

std::vector<FlaggedDependency> flagged_dependencies(const Dataset& dataset, const DependencyReport& report) {
  std::vector<FlaggedDependency> flagged;
  for (const ElementDependency& element : report.elements) {
    for (const StageDependency& stage : element.stages) {
      for (const CountryDependency& c : stage.countries) {
        if (c.flagged) flagged.push_back({element.element, stage.stage, c.country, c.share, c.critical});
      }
    }
  }
  std::stable_sort(flagged.begin(), flagged.end(), [&](const FlaggedDependency& a, const FlaggedDependency& b) {
    if (a.critical != b.critical) return a.critical;
    if (a.share != b.share) return a.share > b.share;
    if (a.element != b.element) return a.element < b.element;
    if (a.stage != b.stage) return a.stage < b.stage;
    return code_of(dataset, a.country) < code_of(dataset, b.country);
  });
  return flagged;
}

}  // namespace chokepoint
