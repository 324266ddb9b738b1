#pragma once
// A tiny dataset whose names hold everything that can break DOT, HTML labels, SVG and GraphML:
// quotes, ampersands, angle brackets, backslashes (one before N, one at the end) and non-ASCII.

namespace chokepoint::testing {

/// The facility name to find again, exactly, in every output.
inline constexpr const char* kTrickyName = R"(Mine "A" & <Sons> \N back\slash Ünïcödé 稀土 \)";

inline constexpr const char* kTrickyDataset = R"(dataset: {name: 'tricky & <co>', version: "1", as_of: 2026-01-01}
sources:
  - {id: src, title: S}
countries:
  - {code: CN, name: 'Chïna & <Co> "q"'}
  - {code: US, name: United States}
materials:
  - {id: conc, name: C, form: concentrate, basis: REO, composition: mixed}
  - {id: dy-oxide, name: Dy oxide, form: oxide, basis: REO, composition: {Dy: 1.0}}
  - {id: magnet, name: M, form: magnet, basis: product, composition: {Nd: 0.3, Dy: 0.02, Fe: 0.67, B: 0.01}}
facilities:
  - id: mine-a
    name: 'Mine "A" & <Sons> \N back\slash Ünïcödé 稀土 \'
    country: CN
    stage: mine
    outputs: [{material: conc, production: 1000}]
    distribution: {Nd: 50, Dy: 5, La: 45}
  - id: sep-b
    name: Sep B
    country: CN
    stage: separation
    outputs: [{material: dy-oxide, capacity: 50}]
  - id: magnet-c
    name: Magnet C
    country: US
    stage: magnet
    inputs: [dy-oxide]
    outputs: [{material: magnet, capacity: 500}]
  - id: sink-us
    name: US sink
    country: US
    stage: demand
    demand: [{material: magnet, quantity: 100}]
links:
  - {from: mine-a, to: sep-b, material: conc}
  - {from: sep-b, to: magnet-c, material: dy-oxide}
  - {from: magnet-c, to: sink-us, material: magnet}
)";

}  // namespace chokepoint::testing
