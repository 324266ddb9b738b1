#include "chokepoint/model/dataset.hpp"

#include <algorithm>
#include <array>

namespace chokepoint {
namespace {

constexpr std::array<const char*, kStageCount> kStageNames = {
    "mine", "processing", "separation", "metal", "alloy", "magnet", "manufacturing", "recycling", "demand"};
constexpr std::array<const char*, kStatusCount> kStatusNames = {"operating", "ramping", "construction",
                                                                "planned",   "idle",    "closed"};
constexpr std::array<const char*, kFormCount> kFormNames = {
    "ore", "concentrate", "mixed-compound", "oxide", "metal", "alloy", "magnet", "product", "scrap"};
constexpr std::array<const char*, 3> kLinkStatusNames = {"active", "planned", "ended"};

template <class E, std::size_t N>
std::optional<E> parse_enum(const std::array<const char*, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  return std::nullopt;
}

template <std::size_t N>
std::vector<std::string> all_names(const std::array<const char*, N>& names) {
  return {names.begin(), names.end()};
}

}  // namespace

const char* stage_name(Stage s) { return kStageNames[static_cast<std::size_t>(s)]; }
const char* status_name(Status s) { return kStatusNames[static_cast<std::size_t>(s)]; }
const char* form_name(Form f) { return kFormNames[static_cast<std::size_t>(f)]; }
const char* basis_name(Basis b) { return b == Basis::reo ? "REO" : "product"; }
const char* link_status_name(LinkStatus s) { return kLinkStatusNames[static_cast<std::size_t>(s)]; }
std::optional<Stage> parse_stage(std::string_view s) { return parse_enum<Stage>(kStageNames, s); }
std::optional<Status> parse_status(std::string_view s) { return parse_enum<Status>(kStatusNames, s); }
std::optional<Form> parse_form(std::string_view s) { return parse_enum<Form>(kFormNames, s); }
std::optional<LinkStatus> parse_link_status(std::string_view s) { return parse_enum<LinkStatus>(kLinkStatusNames, s); }
std::optional<Basis> parse_basis(std::string_view s) {
  if (s == "REO") return Basis::reo;
  if (s == "product") return Basis::product;
  return std::nullopt;
}
std::vector<std::string> stage_names() { return all_names(kStageNames); }
std::vector<std::string> status_names() { return all_names(kStatusNames); }
std::vector<std::string> form_names() { return all_names(kFormNames); }
std::vector<std::string> link_status_names() { return all_names(kLinkStatusNames); }

bool is_producing(Status s) { return s == Status::operating || s == Status::ramping; }

ReVector Material::element_content() const {
  ReVector content{};
  for (const auto& c : composition) {
    const int re = rare_earth_index(c.element);
    if (re < 0) continue;
    content[static_cast<std::size_t>(re)] =
        basis == Basis::reo ? c.fraction * rare_earths()[static_cast<std::size_t>(re)].oxide_factor : c.fraction;
  }
  return content;
}

bool Material::carries(int re_index) const {
  return std::any_of(composition.begin(), composition.end(),
                     [&](const Component& c) { return rare_earth_index(c.element) == re_index && c.fraction > 0; });
}

bool Link::active_on(const std::optional<Date>& date) const {
  if (status == LinkStatus::planned) return false;
  if (!date) return status == LinkStatus::active;
  if (since && *date < *since) return false;
  if (until && !(*date < *until)) return false;
  // An ended link with dates was active inside its window; without `until` it is simply over.
  return status == LinkStatus::active || until.has_value();
}

namespace {

// The forms each stage accepts without explicit `inputs`, one bit per Form, by Stage.
constexpr std::uint16_t bit(Form f) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(f)); }
constexpr std::array<std::uint16_t, kStageCount> kDefaultInputs{
    /* mine */ 0,
    /* processing */ bit(Form::ore) | bit(Form::concentrate),
    /* separation */ bit(Form::ore) | bit(Form::concentrate) | bit(Form::mixed_compound) | bit(Form::scrap),
    /* metal */ bit(Form::oxide) | bit(Form::metal),
    /* alloy */ bit(Form::oxide) | bit(Form::metal) | bit(Form::alloy),
    /* magnet */ bit(Form::oxide) | bit(Form::metal) | bit(Form::alloy),
    /* manufacturing */ bit(Form::oxide) | bit(Form::metal) | bit(Form::alloy) | bit(Form::magnet) | bit(Form::product),
    /* recycling */ bit(Form::scrap) | bit(Form::magnet) | bit(Form::product),
    /* demand */ static_cast<std::uint16_t>((1u << kFormCount) - 1),
};
static_assert(static_cast<int>(Stage::demand) == kStageCount - 1 && kFormCount <= 16);

}  // namespace

bool accepts_by_default(Stage s, Form f) {
  return (kDefaultInputs[static_cast<std::size_t>(s)] & bit(f)) != 0;
}

void Dataset::build_indexes() {
  source_ix_.build(sources);
  country_ix_.build(countries);
  group_ix_.build(groups);
  material_ix_.build(materials);
  facility_ix_.build(facilities);
  // Counting sort of the links by end: each facility's links stay in link order. Links are
  // numbered by Index, as every analysis numbers them.
  if (links.size() >= kNone) throw std::length_error("a dataset holds fewer than 2^32 - 1 links");
  const auto group = [&](std::vector<Index>& first, std::vector<Index>& items, Index Link::*end) {
    first.assign(facilities.size() + 1, 0);
    for (const Link& l : links) {
      if (l.*end < facilities.size()) ++first[l.*end + 1];
    }
    for (std::size_t f = 0; f < facilities.size(); ++f) first[f + 1] += first[f];
    items.resize(first.back());
    std::vector<Index> fill(first.begin(), first.end() - 1);
    for (std::size_t l = 0; l < links.size(); ++l) {
      if (links[l].*end < facilities.size()) items[fill[links[l].*end]++] = static_cast<Index>(l);
    }
  };
  group(out_first_, out_links_, &Link::from);
  group(in_first_, in_links_, &Link::to);
}

bool Dataset::accepts(Index facility, Index material) const {
  const Facility& f = facilities[facility];
  if (f.inputs_given) return std::find(f.inputs.begin(), f.inputs.end(), material) != f.inputs.end();
  return accepts_by_default(f.stage, materials[material].form);
}

bool Dataset::produces(Index facility, Index material) const {
  const auto& outs = facilities[facility].outputs;
  return std::any_of(outs.begin(), outs.end(), [&](const Output& o) { return o.material == material; });
}

std::vector<int> Dataset::capability(Index facility) const {
  const Facility& f = facilities[facility];
  std::array<bool, kRareEarthCount> can{};
  if (f.elements_given) {
    for (Element e : f.elements) {
      const int re = rare_earth_index(e);
      if (re >= 0) can[static_cast<std::size_t>(re)] = true;
    }
  } else {
    for (const auto& o : f.outputs) {
      const Material& m = materials[o.material];
      for (const auto& c : m.composition) {
        const int re = rare_earth_index(c.element);
        if (re >= 0 && c.fraction > 0) can[static_cast<std::size_t>(re)] = true;
      }
    }
  }
  std::vector<int> result;
  for (int re = 0; re < kRareEarthCount; ++re) {
    if (can[static_cast<std::size_t>(re)]) result.push_back(re);
  }
  return result;
}

std::vector<Index> Dataset::resolve_countries(std::string_view country_or_group) const {
  if (Index c = find_country(country_or_group); c != kNone) return {c};
  if (Index g = find_group(country_or_group); g != kNone) {
    auto members = groups[g].members;
    std::sort(members.begin(), members.end());
    return members;
  }
  return {};
}

std::string Dataset::label() const {
  return info.version.empty() ? info.name : info.name + " " + info.version;
}

}  // namespace chokepoint
