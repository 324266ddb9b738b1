"""Reads chokepoint's GraphML export back with NetworkX and compares it with the JSON export.

Usage: check_graphml.py CHOKEPOINT DATASET...   (exit 77 when NetworkX is missing: CTest skips)
"""
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import networkx as nx
except ImportError:
    print("networkx is not installed (Debian: python3-networkx); skipping")
    sys.exit(77)

TRICKY = """dataset: {name: 'tricky & <co>', version: "1", as_of: 2026-01-01}
sources:
  - {id: src, title: S}
countries:
  - {code: CN, name: 'Chïna & <Co> "q"'}
  - {code: US, name: United States}
materials:
  - {id: conc, name: C, form: concentrate, basis: REO, composition: mixed}
  - {id: dy-oxide, name: Dy oxide, form: oxide, basis: REO, composition: {Dy: 1.0}}
facilities:
  - id: mine-a
    name: 'Mine "A" & <Sons> \\N back\\slash Ünïcödé 稀土 \\'
    country: CN
    stage: mine
    outputs: [{material: conc, production: 1000}]
    distribution: {Nd: 50, Dy: 5, La: 45}
  - id: sep-b
    name: Sep B
    country: US
    stage: separation
    outputs: [{material: dy-oxide, capacity: 50}]
links:
  - {from: mine-a, to: sep-b, material: conc}
"""

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def export(binary, dataset, to, path):
    subprocess.run([binary, "export", dataset, "--to", to, "-o", path], check=True)


def compare(binary, dataset, workdir):
    name = os.path.basename(os.path.normpath(dataset))
    graphml, js = os.path.join(workdir, name + ".graphml"), os.path.join(workdir, name + ".json")
    export(binary, dataset, "graphml", graphml)
    export(binary, dataset, "json", js)
    g = nx.read_graphml(graphml)
    doc = json.load(open(js, encoding="utf-8"))
    check(g.is_directed(), f"{name}: the graph is not directed")
    check(g.number_of_nodes() == len(doc["facilities"]),
          f"{name}: {g.number_of_nodes()} nodes, {len(doc['facilities'])} facilities")
    check(g.number_of_edges() == len(doc["links"]), f"{name}: {g.number_of_edges()} edges, {len(doc['links'])} links")
    for f in doc["facilities"]:
        n = g.nodes.get(f["id"])
        check(n is not None, f"{name}: no node {f['id']}")
        if n is None:
            continue
        check(n["id"] == f["id"] and n["label"] == f["name"], f"{name}: {f['id']} id/label")
        for key in ("country", "owner_country", "stage", "status", "operator"):
            check(n.get(key) == f[key], f"{name}: {f['id']} {key}: {n.get(key)!r} != {f[key]!r}")
        totals = {}
        for o in f["outputs"]:
            if o["capacity"] is not None:
                totals[o["material"]] = totals.get(o["material"], 0) + o["capacity"]
        for material, capacity in totals.items():
            check(close(n["capacity:" + material], capacity), f"{name}: {f['id']} capacity of {material}")
        if f["location"]:
            check(close(n["lat"], f["location"]["lat"]), f"{name}: {f['id']} lat")
        check(close(n["baseline_produced_re_t"], f["baseline"]["produced_re_t"]), f"{name}: {f['id']} produced")
    multi = g.is_multigraph()
    edges = {}
    for u, v, *rest in (g.edges(keys=True, data=True) if multi else g.edges(data=True)):
        edges[rest[-1]["from"], rest[-1]["to"], rest[-1]["material"], u, v] = rest[-1]
    for link in doc["links"]:
        e = next((d for (f, t, m, u, v), d in edges.items()
                  if (f, t, m) == (link["from"], link["to"], link["material"]) and (u, v) == (f, t)), None)
        check(e is not None, f"{name}: no edge for link {link['index']}")
        if e is None:
            continue
        check(e["status"] == link["status"], f"{name}: link {link['index']} status")
        check(close(e["weight"], link["baseline"]["flow_re_t"]), f"{name}: link {link['index']} weight")
        check(close(e["flow_t"], link["baseline"]["flow_t"]), f"{name}: link {link['index']} flow_t")
        check(e["in_baseline"] == link["baseline"]["in_plan"], f"{name}: link {link['index']} in_baseline")
        if link["volume"] is not None:
            check(close(e["volume"], link["volume"]), f"{name}: link {link['index']} volume")
    return g


def main():
    binary, datasets = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as workdir:
        for dataset in datasets:
            compare(binary, dataset, workdir)
        tricky = os.path.join(workdir, "tricky.yaml")
        open(tricky, "w", encoding="utf-8").write(TRICKY)
        g = compare(binary, tricky, workdir)
        check(g.nodes["mine-a"]["name"] == 'Mine "A" & <Sons> \\N back\\slash Ünïcödé 稀土 \\',
              "tricky: the name did not survive")
        check(g.graph.get("dataset") == "tricky & <co>", "tricky: the graph's dataset name")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(datasets) + 1} datasets read back with NetworkX {nx.__version__}: "
          f"{'ok' if not failures else str(len(failures)) + ' failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
