#include <algorithm>
#include <bit>
#include <unordered_map>
#include <utility>

#include "chokepoint/scenario/measures.hpp"
#include "market_model.hpp"

namespace chokepoint::market_detail {
namespace {

/// Tie-break weight of a tonne on an existing link against a tonne on a new one (phase 2).
constexpr double kExistingWeight = 1e-3;

double oxide_factor(std::size_t e) { return rare_earths()[e].oxide_factor; }

std::size_t lowest(std::uint32_t mask) { return static_cast<std::size_t>(std::countr_zero(mask)); }

enum class RowKind : std::uint64_t { mine = 1, feed, element, mixed, slot, group, measure, reference, total, hub };

std::uint64_t row_key(RowKind kind, std::uint64_t a, std::uint64_t b = 0) {
  return static_cast<std::uint64_t>(kind) << 56 | a << 24 | b;
}

/// The LP's rows, created on first use; every row is "A.x <= upper".
class Rows {
 public:
  explicit Rows(LinearProgram& lp) : lp_(lp) {}

  int get(std::uint64_t key, double upper) {
    const auto [it, fresh] = index_.try_emplace(key, static_cast<int>(lp_.row_upper.size()));
    if (fresh) {
      lp_.row_lower.push_back(-kInfinity);
      lp_.row_upper.push_back(upper);
    }
    return it->second;
  }

 private:
  LinearProgram& lp_;
  std::unordered_map<std::uint64_t, int> index_;
};

/// One column's entries, merged by row before they go into the LP (a self-link meets its own rows).
class Entries {
 public:
  void add(int row, double value) {
    if (value != 0) entries_.emplace_back(row, value);
  }
  void flush(LinearProgram& lp, int column) {
    std::sort(entries_.begin(), entries_.end());
    for (std::size_t i = 0; i < entries_.size();) {
      double sum = 0;
      const int row = entries_[i].first;
      for (; i < entries_.size() && entries_[i].first == row; ++i) sum += entries_[i].second;
      lp.entry_row.push_back(row);
      lp.entry_column.push_back(column);
      lp.entry_value.push_back(sum);
    }
    entries_.clear();
  }

 private:
  std::vector<std::pair<int, double>> entries_;
};

/// A license or quota and the bound of its row.
struct MeasureRow {
  const Measure* measure = nullptr;
  double cap = 0;
};

class ProgramBuilder {
 public:
  ProgramBuilder(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model)
      : baseline_(baseline), inputs_(inputs), model_(model), d_(*model.dataset), rows_(model.lp) {
    slot_content_.resize(model_.slots.size());
    for (Index s = 0; s < model_.slots.size(); ++s) {
      const SlotModel& slot = model_.slots[s];
      slot_content_[s] = shipment_content(d_, baseline_, slot.facility, slot.material);
    }
    for (const Measure* m : inputs_.measures) {
      if (m->type == MeasureType::license) measures_.push_back({m, m->approval_rate * baseline_covered(*m)});
      if (m->type == MeasureType::quota && m->quota) measures_.push_back({m, *m->quota});
    }
  }

  void build() {
    for (Index a = 0; a < model_.arcs.size(); ++a) {
      for (Index t : model_.arc_types(model_.arcs[a])) add_arc_column(a, t);
    }
    set_references();
    for (Index g = 0; g < model_.groups.size(); ++g) add_group_column(g);
    for (Index g = 0; g < model_.groups.size(); ++g) add_reference_column(g);
    add_total_row();
  }

 private:
  /// Link by link, the baseline tonnes of the links a measure covers.
  double baseline_covered(const Measure& m) const {
    const FlowPlan& plan = baseline_.plan();
    double total = 0;
    for (Index l = 0; l < d_.links.size(); ++l) {
      if (!plan.in_plan(l)) continue;
      const Link& link = d_.links[l];
      const ReVector content = shipment_content(d_, baseline_, link.from, link.material);
      if (measure_covers(d_, m, link.from, link.to, link.material, content)) total += baseline_.link(l).carried_tonnes;
    }
    return total;
  }

  /// A measure judges a shipment by its material's composition, or for a mixed material by its
  /// supplier's baseline stream (as the contracts bound does); mixed trade through a hub, or from a
  /// supplier that shipped none of it in the baseline, by the stream type itself. Arcs into a hub
  /// cross no border.
  bool covers(const Measure& m, const Arc& arc, Index type, double tonnes) const {
    if (model_.is_hub(arc.to)) return false;
    const bool from_hub = model_.is_hub(arc.from);
    const Material& material = d_.materials[arc.material];
    ReVector content = !material.mixed ? material.element_content() : from_hub ? ReVector{} : slot_content_[arc.slot];
    if (std::all_of(content.begin(), content.end(), [](double c) { return c <= 0; }) && tonnes > 0) {
      content = model_.types[type].content;
      for (double& c : content) c /= tonnes;
    }
    const Index supplier = from_hub ? model_.hubs[model_.hub_of(arc.from)].representative : arc.from;
    return measure_covers(d_, m, supplier, arc.to, arc.material, content);
  }

  Index masked(const StreamType& type, std::uint32_t mask) const { return model_.types.find(mask, type.content); }

  Index group_of(Index facility, Index material) const {
    const FacilityModel& fm = model_.facilities[facility];
    for (Index g = fm.group_begin; g < fm.group_end; ++g) {
      if (model_.groups[g].material == material) return g;
    }
    return kNone;
  }

  /// What one unit of the type takes out of its supplier's rows.
  void supply(const Arc& arc, Index t) {
    if (model_.is_hub(arc.from)) {
      entries_.add(rows_.get(row_key(RowKind::hub, model_.hub_of(arc.from), t), 0.0), 1.0);
      return;
    }
    const SlotModel& slot = model_.slots[arc.slot];
    const FacilityModel& fm = model_.facilities[arc.from];
    const StreamType& type = model_.types[t];
    const Index f = arc.from;
    switch (fm.rule) {
      case Rule::source:  // a unit is one element tonne of the mine's fixed mix
        entries_.add(rows_.get(row_key(RowKind::mine, arc.slot), slot.bound), 1.0 / slot.mix_total);
        return;
      case Rule::separate:
      case Rule::convert:
        if (slot.mixed)
          entries_.add(rows_.get(row_key(RowKind::mixed, f, t), 0.0), 1.0);
        else
          entries_.add(rows_.get(row_key(RowKind::element, f, lowest(type.mask)), 0.0), 1.0);
        if (fm.rule == Rule::convert && slot.bound != kInfinity) {
          entries_.add(rows_.get(row_key(RowKind::slot, arc.slot), slot.bound),
                       tonnes_of(model_, slot.material, type.content));
        }
        return;
      case Rule::recipe:
        for (std::uint32_t m = type.mask; m != 0; m &= m - 1) {
          entries_.add(rows_.get(row_key(RowKind::element, f, lowest(m)), 0.0), type.content[lowest(m)]);
        }
        if (slot.bound != kInfinity) {
          entries_.add(rows_.get(row_key(RowKind::slot, arc.slot), slot.bound),
                       tonnes_of(model_, slot.material, type.content));
        }
        return;
      case Rule::sink: return;
    }
  }

  /// What one unit of the type gives its customer's rows.
  void receive(const Arc& arc, Index t, double tonnes) {
    if (model_.is_hub(arc.to)) {
      entries_.add(rows_.get(row_key(RowKind::hub, model_.hub_of(arc.to), t), 0.0), -1.0);
      return;
    }
    const FacilityModel& fm = model_.facilities[arc.to];
    const StreamType& type = model_.types[t];
    const Index c = arc.to;
    const double r = fm.recovery;
    if (fm.rule == Rule::sink) {
      entries_.add(rows_.get(row_key(RowKind::group, group_of(c, arc.material)), 0.0), -tonnes);
      return;
    }
    if (fm.rule == Rule::separate && fm.feed_bound != kInfinity) {
      double reo = 0;
      for (std::uint32_t m = type.mask; m != 0; m &= m - 1) reo += type.content[lowest(m)] / oxide_factor(lowest(m));
      entries_.add(rows_.get(row_key(RowKind::feed, c), fm.feed_bound), reo);
    }
    const std::uint32_t to_elements = fm.rule == Rule::recipe ? fm.uses : fm.fixed;
    for (std::uint32_t m = type.mask & to_elements; m != 0; m &= m - 1) {
      entries_.add(rows_.get(row_key(RowKind::element, c, lowest(m)), 0.0), -r * type.content[lowest(m)]);
    }
    if (fm.rule == Rule::recipe || !fm.mixed_outputs) return;
    // What is left of a unit after the separated elements are taken out, in units of its own type.
    const Index u = masked(type, fm.leftover);
    double left = 0;
    for (std::uint32_t m = type.mask & fm.leftover; m != 0; m &= m - 1) left += type.content[lowest(m)];
    if (u != kNone) entries_.add(rows_.get(row_key(RowKind::mixed, c, u), 0.0), -r * left);
  }

  void add_arc_column(Index a, Index t) {
    const Arc& arc = model_.arcs[a];
    const StreamType& type = model_.types[t];
    if (!model_.is_hub(arc.to) && (type.mask & model_.facilities[arc.to].uses) == 0) return;
    const double tonnes = tonnes_of(model_, arc.material, type.content);
    for (const Measure* m : inputs_.measures) {
      if (m->type == MeasureType::ban && covers(*m, arc, t, tonnes)) return;
    }
    supply(arc, t);
    receive(arc, t, tonnes);
    for (std::size_t i = 0; i < measures_.size(); ++i) {
      if (covers(*measures_[i].measure, arc, t, tonnes)) {
        entries_.add(rows_.get(row_key(RowKind::measure, i), measures_[i].cap), tonnes);
      }
    }
    LinearProgram& lp = model_.lp;
    const int column = static_cast<int>(lp.cost.size());
    entries_.flush(lp, column);
    lp.column_lower.push_back(0.0);
    lp.column_upper.push_back(kInfinity);
    lp.cost.push_back(0.0);
    // A new trade costs 1 per tonne, half on each side of a hub; a tonne on a dataset link far less.
    const bool hub = model_.is_hub(arc.from) || model_.is_hub(arc.to);
    model_.phase3_cost.push_back(tonnes * (arc.link != kNone ? kExistingWeight : hub ? 0.5 : 1.0));
    model_.columns.push_back({a, t, tonnes});
  }

  void add_column(double lower, double upper, double cost) {
    LinearProgram& lp = model_.lp;
    entries_.flush(lp, static_cast<int>(lp.cost.size()));
    lp.column_lower.push_back(lower);
    lp.column_upper.push_back(upper);
    lp.cost.push_back(cost);
    model_.phase3_cost.push_back(0.0);
  }

  /// The tonnes each group received in the reference run: the contracts run when given, else the baseline.
  void set_references() {
    const DemandRows rows = baseline_.demand();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const DemandFlow row = rows[i];  // computed on read: once
      const Index g = group_of(row.facility, row.material);
      if (g == kNone) continue;
      const bool given = i < inputs_.reference_delivered.size();
      model_.groups[g].reference += std::max(0.0, given ? inputs_.reference_delivered[i] : row.delivered_tonnes);
    }
  }

  /// Delivered tonnes d_g <= what arrives in the group's material (phase 1 maximises priority x d_g).
  void add_group_column(Index g) {
    const DemandGroup& group = model_.groups[g];
    entries_.add(rows_.get(row_key(RowKind::group, g), 0.0), 1.0);
    add_column(0.0, model_.facilities[group.facility].participates ? group.quantity : 0.0, -group.priority);
  }

  /// Kept reference k_g <= min(d_g, reference): phase 2 maximises their sum among optimal deliveries.
  void add_reference_column(Index g) {
    const auto d = static_cast<int>(model_.columns.size() + g);
    const int row = rows_.get(row_key(RowKind::reference, g), 0.0);
    entries_.add(row, 1.0);
    add_column(0.0, model_.groups[g].reference, 0.0);
    LinearProgram& lp = model_.lp;
    lp.entry_row.push_back(row);
    lp.entry_column.push_back(d);
    lp.entry_value.push_back(-1.0);
  }

  /// Sum of priority x d_g: free in phase 1, held at its optimum afterwards.
  void add_total_row() {
    LinearProgram& lp = model_.lp;
    model_.total_row = rows_.get(row_key(RowKind::total, 0), kInfinity);
    for (Index g = 0; g < model_.groups.size(); ++g) {
      if (model_.groups[g].priority == 0) continue;
      lp.entry_row.push_back(model_.total_row);
      lp.entry_column.push_back(static_cast<int>(model_.columns.size() + g));
      lp.entry_value.push_back(model_.groups[g].priority);
    }
  }

  const FlowResult& baseline_;
  const MarketInputs& inputs_;
  MarketModel& model_;
  const Dataset& d_;
  Rows rows_;
  Entries entries_;
  std::vector<ReVector> slot_content_;
  std::vector<MeasureRow> measures_;
};

}  // namespace

void build_program(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model) {
  ProgramBuilder(baseline, inputs, model).build();
}

}  // namespace chokepoint::market_detail
