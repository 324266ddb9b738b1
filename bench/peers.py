#!/usr/bin/python3
"""Runs chokepoint's graph analyses and the same analyses in NetworkX and igraph on the same seeded
synthetic chain, checks that the three agree, and prints time and memory ratios per analysis and size.

Usage, from the repository root (Debian's python3-networkx and python3-igraph; if either is
missing: `apt-get install python3-igraph python3-networkx`, and run it with /usr/bin/python3):

    cmake -S . -B build-peers -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHOKEPOINT_TESTS=OFF
    cmake --build build-peers --target chokepoint_bench
    /usr/bin/python3 bench/peers.py [--sizes 1000,10000,100000] [--networkx-max 100000]
                                    [--bench build-peers/chokepoint_bench] [--seed 42]
                                    [--work DIR] [--json FILE] [--timeout SECONDS]

Steps:
 1. `chokepoint_bench --peer-analyses --dump WORK --json WORK/ours.json` generates the chain at
    each size, runs our analyses in process and writes, per size, the exact graphs they see
    (WORK/N/*.edges: only the usable edges of each view, in edge-id order), the max-flow's vertex
    capacities and sinks, and our answers in full (WORK/N/ours.*).
 2. For each size, analysis and tool (ours via `chokepoint_bench --from-dump`, NetworkX and igraph
    via this script's --worker mode), a fresh process loads the dump, runs the analysis and reports
    its time and memory, and the Python workers compare their answers with ours in full.

The four analyses (docs/performance.md, "Against NetworkX and igraph"):
  bfs             vertices reached from the root R in G_Dy, the element view of Dy
                  (nx.descendants; Graph.bfs)
  dominators      the immediate dominator of every vertex of G_Dy from R
                  (nx.immediate_dominators; Graph.dominator)
  biconnectivity  articulation points and bridges of the undirected overall view: parallel edges
                  are never bridges and self-loops are ignored, as in ours (nx.articulation_points +
                  nx.bridges on a MultiGraph; Graph.articulation_points + Graph.bridges)
  maxflow         max-flow with a minimum vertex cut from R to every demand sink of G_Nd, vertices
                  capacitated, edges not (nx.minimum_cut, preflow-push; Graph.maxflow, push-relabel).
                  The peers get the split network that src/graph/max_flow.cpp builds, rebuilt here
                  by the same rules (split_network below): the vertices on some R -> sink path;
                  vertex v becomes v_in -> v_out with its capacity; sinks merge into the super-sink;
                  a vertex fed by R alone has R as its v_in; unbounded vertices are not split.
                  Parallel unbounded arcs (a plant selling to several sinks) are merged, since
                  NetworkX's flow needs a DiGraph; they change neither the value nor any min cut.

Agreement (exit status 1 on any difference): BFS reached sets, idom arrays, articulation point
sets and bridge sets (as vertex pairs) must be equal; max-flow values must be equal exactly
(integer capacities: units of 1e-3 t/yr; igraph computes in doubles, exact below 2^53, which is
checked); each peer's own minimum cut must be a vertex cut whose capacity is the flow value; and
the cut nearest the source, which is unique, computed from each peer's flow, must be our cut
(for NetworkX from a second, untimed preflow_push: minimum_cut keeps only the preflow).
Ours from the dump must give the in-process answers (FNV-1a fingerprints).

Time: wall clock of the analysis call alone, loading and building the graph excluded, best of up to
5 runs while their total stays under 1 s. Ours in process (on the full graph with view masks) is
shown as well. For maxflow, ours includes finding the R -> sinks cone and building the split
network; the peers' time is the library call on the prebuilt network.

Memory: the peak resident set (VmHWM of /proc/self/status) during the analysis runs, after loading
the graph and resetting the peak (write "5" to /proc/self/clear_refs), less the resident set of the
same process before it loaded the graph (the Python workers: after importing their library; what
only the checks need waits in a temporary file meanwhile). So: the graph as the tool holds it plus
the analysis's workspace, not the transient peak of parsing the dump, nor the interpreter and
library (printed separately: about 4 MiB for chokepoint_bench, 20-30 MiB for Python with NetworkX,
60 MiB with igraph). The --json file has every figure: RSS at start, after import, after loading,
peak while loading, peak during the analysis.

Exit status: 0 all answers agree; 1 a disagreement, a failed or timed-out run; 2 usage or missing modules.
"""

import argparse
import ctypes
import gc
import importlib
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ANALYSES = ("bfs", "dominators", "biconnectivity", "maxflow")
TOOLS = ("chokepoint", "networkx", "igraph")
TITLES = {
    "bfs": "BFS from R (G_Dy)",
    "dominators": "dominator tree from R (G_Dy)",
    "biconnectivity": "articulation points and bridges (overall view)",
    "maxflow": "max-flow with min cut, R to every demand sink (G_Nd)",
}
INSTALL_HINT = (
    "bench/peers.py needs NetworkX and python-igraph: apt-get install python3-igraph python3-networkx\n"
    "(Debian's packages; run the script with /usr/bin/python3, the interpreter they install into)"
)
MAX_RUNS, MIN_TOTAL_SECONDS = 5, 1.0  # as chokepoint_bench --from-dump
EXACT_DOUBLE = 2**53


# ---- Measuring --------------------------------------------------------------------------------


def status_mib(key):
    """A field of /proc/self/status in MiB: VmRSS (resident now) or VmHWM (its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def settle_memory():
    """Frees what loading left behind and hands it back to the system, as far as glibc allows."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def best_of(run):
    """Runs `run` (which returns its result) up to MAX_RUNS times while under MIN_TOTAL_SECONDS in
    total; returns the best time, the number of runs and the last run's result."""
    best, total, runs, result = math.inf, 0.0, 0, None
    while runs < MAX_RUNS and total < MIN_TOTAL_SECONDS:
        result = None  # at most one result alive at a time
        t0 = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - t0
        best, total, runs = min(best, seconds), total + seconds, runs + 1
    return best, runs, result


# ---- The dump (written by chokepoint_bench --dump) ----------------------------------------------


def read_tokens(path):
    with open(path, "rb") as f:
        return f.read().split()


def read_edges(path):
    """'V E' then E lines 'from to': the vertex count and the edges in order."""
    tokens = read_tokens(path)
    vertices, count = int(tokens[0]), int(tokens[1])
    numbers = list(map(int, tokens[2:]))
    if len(numbers) != 2 * count:
        raise ValueError(f"{path}: expected {count} edges")
    return vertices, list(zip(numbers[0::2], numbers[1::2]))


def read_list(path, unbounded=None):
    """'N' then N items; 'inf' reads as `unbounded`."""
    tokens = read_tokens(path)
    items = [unbounded if t == b"inf" else int(t) for t in tokens[1:]]
    if len(items) != int(tokens[0]):
        raise ValueError(f"{path}: expected {int(tokens[0])} items")
    return items


def read_pairs(path):
    tokens = read_tokens(path)
    numbers = list(map(int, tokens[1:]))
    return list(zip(numbers[0::2], numbers[1::2]))


# ---- The max-flow network, as src/graph/max_flow.cpp builds it ----------------------------------

SOURCE, SINK = 0, 1


def search(adjacency, starts, allowed=None):
    """Breadth-first search over adjacency lists from `starts`; 1 = reached."""
    seen = bytearray(len(adjacency))
    queue = deque()
    for s in starts:
        if not seen[s] and (allowed is None or allowed[s]):
            seen[s] = 1
            queue.append(s)
    while queue:
        v = queue.popleft()
        for w in adjacency[v]:
            if not seen[w] and (allowed is None or allowed[w]):
                seen[w] = 1
                queue.append(w)
    return seen


def split_network(vertices, edges, root, sinks, capacity):
    """The split network of min_vertex_cut (src/graph/max_flow.cpp): nodes 0 (R) and 1 (the sinks);
    returns (node count, arcs as (tail, head, capacity or None for unbounded), split vertices as
    (vertex, in node, out node)), or None when no sink is reachable."""
    out_rows = [[] for _ in range(vertices)]
    in_rows = [[] for _ in range(vertices)]
    for u, w in edges:
        out_rows[u].append(w)
        in_rows[w].append(u)
    cone = search(in_rows, sinks)  # reaching a sink
    relevant = search(out_rows, [root], allowed=cone)  # ... and reachable from R within that cone
    if not relevant[root] or not any(relevant[t] for t in sinks):
        return None
    if root in set(sinks):
        raise ValueError("the root is a sink: the flow is unbounded")
    OUTSIDE, PLAIN, SPLIT, FED, IS_SINK = range(5)
    role = [OUTSIDE] * vertices
    for v in range(vertices):
        if relevant[v]:
            role[v] = PLAIN if capacity[v] is None else SPLIT
    for t in sinks:
        role[t] = IS_SINK if relevant[t] else OUTSIDE
    role[root] = PLAIN
    for v in range(vertices):
        if role[v] == SPLIT:
            suppliers = {u == root for u in in_rows[v] if relevant[u]}
            if suppliers == {True}:
                role[v] = FED
    in_node, out_node, split = [None] * vertices, [None] * vertices, []
    nodes = 2
    for v in range(vertices):
        r = role[v]
        if r == IS_SINK:
            in_node[v] = out_node[v] = SINK
        elif r == PLAIN:
            if v == root:
                in_node[v] = out_node[v] = SOURCE
            else:
                in_node[v] = out_node[v] = nodes
                nodes += 1
        elif r == FED:
            in_node[v], out_node[v] = SOURCE, nodes
            nodes += 1
        elif r == SPLIT:
            in_node[v], out_node[v] = nodes, nodes + 1
            nodes += 2
        if r in (FED, SPLIT):
            split.append((v, in_node[v], out_node[v]))
    arcs = [(i, o, capacity[v]) for v, i, o in split]
    for u in range(vertices):
        if role[u] in (OUTSIDE, IS_SINK):
            continue
        for w in out_rows[u]:
            # Arcs into a fed vertex come from R and are its split arc already.
            if w == u or role[w] in (OUTSIDE, FED) or w == root:
                continue
            arcs.append((out_node[u], in_node[w], None))
    return nodes, arcs, split


def simple_arcs(arcs):
    """Merges parallel unbounded arcs (NetworkX flow needs a DiGraph); they change neither the flow
    value nor any minimum cut. Returns the arcs and how many were merged."""
    index = {}
    merged = []
    for a, b, cap in arcs:
        key = (a, b)
        if key in index:
            if cap is not None or merged[index[key]][2] is not None:
                raise ValueError(f"parallel capacitated arcs {key}")
            continue
        index[key] = len(merged)
        merged.append((a, b, cap))
    return merged, len(arcs) - len(merged)


def cut_nearest_source(nodes, arcs, flow, split):
    """The split vertices cut by the minimum cut nearest the source: v_in reachable from the source
    in the residual network of the maximum flow `flow` (per arc), v_out not. Unique for a network."""
    residual = [[] for _ in range(nodes)]
    for (a, b, cap), f in zip(arcs, flow):
        if cap is None or f < cap:
            residual[a].append(b)
        if f > 0:
            residual[b].append(a)
    side = search(residual, [SOURCE])
    return sorted(v for v, i, o in split if side[i] and not side[o])


# ---- Workers: one tool, one analysis, one size, in a fresh process -----------------------------


class Check:
    """Collects disagreements with our answers."""

    def __init__(self):
        self.problems = []

    def equal(self, what, theirs, ours):
        if theirs == ours:
            return
        if isinstance(ours, list) and isinstance(theirs, list):
            if len(theirs) != len(ours):
                self.problems.append(f"{what}: {len(theirs)} items, ours {len(ours)}")
            else:
                k = next(k for k, (a, b) in enumerate(zip(theirs, ours)) if a != b)
                self.problems.append(f"{what}: first difference at position {k}: {theirs[k]}, ours {ours[k]}")
        else:
            self.problems.append(f"{what}: {theirs}, ours {ours}")


def load(tool, directory, analysis):
    """Builds the tool's graph for `analysis` from the dump; returns (graph, context): what the
    analysis call needs (root, capacity) and what only the checks afterwards need."""
    meta = json.loads((directory / "meta.json").read_text())
    root = meta["root"]
    if analysis == "maxflow":
        vertices, edges = read_edges(directory / "nd.edges")
        capacity = read_list(directory / "nd.capacity")
        sinks = read_list(directory / "nd.sinks")
        built = split_network(vertices, edges, root, sinks, capacity)
        if built is None:
            raise ValueError("no demand sink is reachable from R: nothing to compare")
        nodes, arcs, split = built
        arcs, merged = simple_arcs(arcs)
        del edges, capacity, sinks, built
        context = {"nodes": nodes, "arcs": arcs, "split": split, "merged_parallel_arcs": merged}
        finite = sum(c for _, _, c in arcs if c is not None)
        if tool == "networkx":
            import networkx as nx

            g = nx.DiGraph()
            g.add_nodes_from(range(nodes))
            g.add_edges_from((a, b) if c is None else (a, b, {"capacity": c}) for a, b, c in arcs)
        else:
            import igraph as ig

            # igraph capacities are doubles. Unbounded becomes more than all finite capacities
            # together, so no minimum cut can use such an arc. Every flow and excess is at most
            # what leaves the source, which must stay below 2^53 for the sums to be exact.
            big = finite + 1
            leaving = sum(big if c is None else c for a, _, c in arcs if a == SOURCE)
            if leaving >= EXACT_DOUBLE:
                raise ValueError(f"{leaving} can leave the source: beyond exact doubles, igraph's flow could round")
            g = ig.Graph(n=nodes, edges=[(a, b) for a, b, _ in arcs], directed=True)
            context["capacity"] = [float(big if c is None else c) for _, _, c in arcs]
            context["big"] = big
        return g, context
    file = "overall.edges" if analysis == "biconnectivity" else "dy.edges"
    vertices, edges = read_edges(directory / file)
    context = {"root": root, "vertices": vertices}
    if analysis == "biconnectivity":
        loops = sum(1 for u, w in edges if u == w)
        edges = [(u, w) for u, w in edges if u != w]  # ours ignores self-loops
        context["self_loops_dropped"] = loops
    if tool == "networkx":
        import networkx as nx

        g = nx.MultiGraph() if analysis == "biconnectivity" else nx.DiGraph()
        g.add_nodes_from(range(vertices))
        g.add_edges_from(edges)
        if analysis != "biconnectivity":
            context["parallel_edges_merged"] = len(edges) - g.number_of_edges()
    else:
        import igraph as ig

        g = ig.Graph(n=vertices, edges=edges, directed=analysis != "biconnectivity")
    return g, context


def both(first, second):
    """Runs two calls; returns their results and each one's seconds."""
    t0 = time.perf_counter()
    a = first()
    t1 = time.perf_counter()
    b = second()
    return a, b, t1 - t0, time.perf_counter() - t1


def run_networkx(analysis, g, c):
    import networkx as nx

    if analysis == "bfs":
        return lambda: nx.descendants(g, c["root"])
    if analysis == "dominators":
        return lambda: nx.immediate_dominators(g, c["root"])
    if analysis == "biconnectivity":
        return lambda: both(lambda: list(nx.articulation_points(g)), lambda: list(nx.bridges(g)))
    return lambda: nx.minimum_cut(g, SOURCE, SINK)


def run_igraph(analysis, g, c):
    if analysis == "bfs":
        return lambda: g.bfs(c["root"], mode="out")[0]
    if analysis == "dominators":
        return lambda: g.dominator(c["root"], mode="out")
    if analysis == "biconnectivity":
        return lambda: both(g.articulation_points, g.bridges)
    return lambda: g.maxflow(SOURCE, SINK, capacity=c["capacity"])


def answer_of(tool, analysis, g, c, result, directory, check):
    """Our answer's summary for this result, after comparing it with ours in full."""
    if analysis == "bfs":
        reached = sorted(result | {c["root"]}) if tool == "networkx" else sorted(result)
        check.equal("vertices reached", reached, read_list(directory / "ours.reached"))
        return {"reached": len(reached)}
    if analysis == "dominators":
        idom = [-1] * c["vertices"]
        if tool == "networkx":
            for v, d in result.items():
                if v != c["root"]:
                    idom[v] = d
        else:
            for v, d in enumerate(result):
                idom[v] = -1 if d != d or d < 0 else int(d)  # root: -1, unreachable: NaN
        check.equal("immediate dominators", idom, read_list(directory / "ours.idom"))
        return {"with_idom": sum(1 for d in idom if d >= 0), "idom_is_root": sum(1 for d in idom if d == c["root"])}
    if analysis == "biconnectivity":
        points, bridges, points_seconds, bridges_seconds = result
        if tool == "igraph":
            bridges = [g.es[e].tuple for e in bridges]
        pairs = sorted((min(u, w), max(u, w)) for u, w in bridges)
        check.equal("articulation points", sorted(points), read_list(directory / "ours.articulation"))
        check.equal("bridges (vertex pairs)", pairs, read_pairs(directory / "ours.bridges"))
        return {
            "articulation_points": len(points),
            "bridges": len(pairs),
            "self_loops_dropped": c["self_loops_dropped"],
            "last_run_seconds": {"articulation_points": points_seconds, "bridges": bridges_seconds},
        }
    return flow_answer(tool, g, c, result, directory, check)


def flow_answer(tool, g, c, result, directory, check):
    nodes, arcs, split = c["nodes"], c["arcs"], c["split"]
    ours = json.loads((directory / "meta.json").read_text())["answers"]["maxflow"]
    split_of = {(i, o): v for v, i, o in split}
    if tool == "networkx":
        import networkx as nx

        value, (source_side, _) = result
        own = [(a, b, cap) for a, b, cap in arcs if a in source_side and b not in source_side]
        # A full flow for the cut nearest the source (minimum_cut stops at the preflow); not timed.
        residual = nx.algorithms.flow.preflow_push(g, SOURCE, SINK)
        flow = [residual[a][b]["flow"] for a, b, _ in arcs]
    else:
        value = result.value
        own = [arcs[e] for e in result.cut]
        flow = result.flow
        if value >= c["big"]:
            value = math.inf
        elif value != int(value):
            check.problems.append(f"max-flow value {value} is not an integer")
        else:
            value = int(value)
    ours_value = math.inf if ours["unbounded"] else ours["max_flow"]
    check.equal("max-flow value", value, ours_value)
    own_capacity = sum(cap for _, _, cap in own if cap is not None)
    if any(cap is None for _, _, cap in own) or own_capacity != value:
        check.problems.append(f"the library's own cut has capacity {own_capacity}, not the flow value {value}")
    cut = cut_nearest_source(nodes, arcs, flow, split)
    check.equal("min cut nearest the source (vertices)", cut, read_list(directory / "ours.cut"))
    return {
        "max_flow": value,
        "cut": len(cut),
        "own_cut": sum(1 for a, b, _ in own if (a, b) in split_of),
        "network_nodes": nodes,
        "network_arcs": len(arcs),
        "merged_parallel_arcs": c["merged_parallel_arcs"],
    }


def worker(tool, directory, analysis):
    directory = Path(directory)
    rss_start = status_mib("VmRSS")
    importlib.import_module(tool)  # in the baseline, as our library is linked into chokepoint_bench
    rss_imported = status_mib("VmRSS")
    t0 = time.perf_counter()
    g, context = load(tool, directory, analysis)
    load_seconds = time.perf_counter() - t0
    # What only the checks need (the split network's arc list) waits on disk, out of the measurement.
    inputs = {k: context.pop(k) for k in ("root", "capacity") if k in context}
    with tempfile.TemporaryFile() as stash:
        pickle.dump(context, stash, protocol=pickle.HIGHEST_PROTOCOL)
        del context
        settle_memory()
        rss_loaded, load_peak = status_mib("VmRSS"), status_mib("VmHWM")
        reset_peak()
        run = run_networkx(analysis, g, inputs) if tool == "networkx" else run_igraph(analysis, g, inputs)
        seconds, runs, result = best_of(run)
        peak = status_mib("VmHWM")
        stash.seek(0)
        context = pickle.load(stash) | inputs
    check = Check()
    answer = answer_of(tool, analysis, g, context, result, directory, check)
    for key in ("parallel_edges_merged",):
        if key in context:
            answer[key] = context[key]
    out = {
        "tool": tool,
        "analysis": analysis,
        "seconds": seconds,
        "runs": runs,
        "load_seconds": load_seconds,
        "rss_start_mib": rss_start,
        "rss_imported_mib": rss_imported,
        "rss_loaded_mib": rss_loaded,
        "load_peak_rss_mib": load_peak,
        "peak_rss_mib": peak,
        "answer": answer,
        "problems": check.problems,
    }
    print(json.dumps(out))
    return 0


# ---- The driver --------------------------------------------------------------------------------


def parse_sizes(text):
    return [int(float(s)) for s in text.split(",") if s]


def fmt_seconds(s):
    if s is None:
        return "-"
    return f"{s:.2e}" if s < 1e-3 else f"{s:.4f}" if s < 0.01 else f"{s:.3f}" if s < 10 else f"{s:.1f}"


def fmt_ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    r = a / b
    return f"{r:.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


def fmt_mib(m):
    return "-" if m is None else f"{m:.0f}" if m >= 10 else f"{m:.1f}"


def run_child(command, timeout):
    """Runs a worker; returns its JSON report, or an error string."""
    try:
        p = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    if p.returncode != 0:
        return f"failed (exit {p.returncode}): {p.stderr.strip()[-2000:]}"
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"unreadable report: {p.stdout[-500:]!r} {p.stderr[-500:]!r}"


def main(argv):
    parser = argparse.ArgumentParser(
        description="chokepoint vs NetworkX vs igraph on the seeded synthetic chain (module docstring: details)."
    )
    repo = Path(__file__).resolve().parent.parent
    parser.add_argument("--sizes", default="1000,10000,100000", help="facilities per chain, comma-separated")
    parser.add_argument(
        "--networkx-max",
        type=float,
        default=100000,
        help="skip NetworkX above this size (pure Python: at 1e6 about 15 minutes and 4.5 GiB)",
    )
    parser.add_argument("--bench", default=str(repo / "build-peers" / "chokepoint_bench"), help="chokepoint_bench")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", help="directory for the dumps (default: a temporary one, removed afterwards)")
    parser.add_argument("--json", help="also write every measurement to this file")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per worker process")
    parser.add_argument("--worker", nargs=3, metavar=("TOOL", "DIR", "ANALYSIS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        tool, directory, analysis = args.worker
        if tool not in TOOLS[1:] or analysis not in ANALYSES:
            parser.error("--worker networkx|igraph DIR bfs|dominators|biconnectivity|maxflow")
        return worker(tool, directory, analysis)
    try:
        import igraph
        import networkx
    except ImportError as e:
        print(f"{e}\n{INSTALL_HINT}", file=sys.stderr)
        return 2

    bench = Path(args.bench)
    if not os.access(bench, os.X_OK):
        print(
            f"no chokepoint_bench at {bench}: build it first (Release):\n"
            "  cmake -S . -B build-peers -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHOKEPOINT_TESTS=OFF\n"
            "  cmake --build build-peers --target chokepoint_bench",
            file=sys.stderr,
        )
        return 2
    sizes = parse_sizes(args.sizes)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="chokepoint-peers-"))
    print(f"# chokepoint vs NetworkX {networkx.__version__} vs python-igraph {igraph.__version__}")
    print(f"# Python {sys.version.split()[0]}, seed {args.seed}, sizes {sizes}, dumps in {work}")
    print(f"# nproc {os.cpu_count()}, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)

    t0 = time.perf_counter()
    command = [str(bench), "--sizes", ",".join(map(str, sizes)), "--seed", str(args.seed), "--peer-analyses",
               "--dump", str(work), "--json", str(work / "ours.json")]
    p = subprocess.run(command, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"{' '.join(command)} failed:\n{p.stderr}", file=sys.stderr)
        return 1
    print(f"# generated, analysed in process and dumped in {time.perf_counter() - t0:.1f} s", flush=True)
    in_process = {run["size"]: run for run in json.loads((work / "ours.json").read_text())["sizes"]}

    results, problems, skipped = {}, [], []
    for n in sizes:
        directory = work / str(n)
        for analysis in ANALYSES:
            for tool in TOOLS:
                if tool == "networkx" and n > args.networkx_max:
                    skipped.append(f"NetworkX at {n}: above --networkx-max {args.networkx_max:.0f}")
                    continue
                if tool == "chokepoint":
                    command = [str(bench), "--from-dump", str(directory), "--analysis", analysis]
                else:
                    command = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(directory),
                               analysis]
                report = run_child(command, args.timeout)
                label = f"{tool} {analysis} at {n}"
                if isinstance(report, str):
                    problems.append(f"{label}: {report}")
                    print(f"  {label}: {report}", flush=True)
                    continue
                results[(n, analysis, tool)] = report
                if tool == "chokepoint":
                    expected = in_process[n]["answers"][analysis]
                    if report["answer"] != expected:
                        report["problems"] = [f"from the dump {report['answer']}, in process {expected}"]
                for problem in report.get("problems", []):
                    problems.append(f"{label}: {problem}")
                print(f"  {label}: {fmt_seconds(report['seconds'])} s, peak RSS {fmt_mib(report['peak_rss_mib'])} MiB, "
                      f"{'ok' if not report.get('problems') else 'DISAGREES'}", flush=True)

    def get(n, analysis, tool, key):
        r = results.get((n, analysis, tool))
        return None if r is None else r[key]

    def above_base(n, analysis, tool):
        """Peak RSS during the analysis over the process before loading (its library imported)."""
        r = results.get((n, analysis, tool))
        return None if r is None else r["peak_rss_mib"] - r.get("rss_imported_mib", r["rss_start_mib"])

    def base(tool):
        values = sorted(r.get("rss_imported_mib", r["rss_start_mib"]) for k, r in results.items() if k[2] == tool)
        return fmt_mib(values[len(values) // 2]) if values else "-"

    print()
    print("Time: seconds of the analysis alone, best of up to 5 runs, each tool in a fresh process on the same dump")
    print("(ours in process: one run inside chokepoint_bench, on the masked SupplyGraph);")
    print("ratios: the peer's over ours.")
    print("Memory: MiB, peak RSS during the analysis less the RSS of the same process before it loaded the graph")
    print(f"(library imported: ours {base('chokepoint')}, NetworkX {base('networkx')}, igraph {base('igraph')} MiB),")
    print("i.e. the graph as the tool holds it plus the analysis's workspace.")
    print()
    print("| analysis | size | ours in process (s) | ours (s) | NetworkX (s) | igraph (s) | NetworkX / ours "
          "| igraph / ours | ours (MiB) | NetworkX (MiB) | igraph (MiB) | NetworkX / ours | igraph / ours |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for analysis in ANALYSES:
        for n in sizes:
            t = {tool: get(n, analysis, tool, "seconds") for tool in TOOLS}
            m = {tool: above_base(n, analysis, tool) for tool in TOOLS}
            print(f"| {TITLES[analysis]} | {n} | {fmt_seconds(in_process[n]['seconds'][analysis])} "
                  f"| {fmt_seconds(t['chokepoint'])} | {fmt_seconds(t['networkx'])} | {fmt_seconds(t['igraph'])} "
                  f"| {fmt_ratio(t['networkx'], t['chokepoint'])} | {fmt_ratio(t['igraph'], t['chokepoint'])} "
                  f"| {fmt_mib(m['chokepoint'])} | {fmt_mib(m['networkx'])} | {fmt_mib(m['igraph'])} "
                  f"| {fmt_ratio(m['networkx'], m['chokepoint'])} | {fmt_ratio(m['igraph'], m['chokepoint'])} |")
    print()
    print("| size | vertices | reached from R (G_Dy) | with an idom / idom is R | articulation points / bridges "
          "| max-flow (1e-3 t/yr Nd) | min cut nearest R (ours) | NetworkX's own cut | igraph's own cut |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        a = in_process[n]["answers"]
        own = {tool: get(n, "maxflow", tool, "answer") for tool in TOOLS[1:]}
        print(f"| {n} | {in_process[n]['vertices']} | {a['bfs']['reached']} "
              f"| {a['dominators']['with_idom']} / {a['dominators']['idom_is_root']} "
              f"| {a['biconnectivity']['articulation_points']} / {a['biconnectivity']['bridges']} "
              f"| {a['maxflow']['max_flow']} | {a['maxflow']['cut']} "
              f"| {own['networkx']['own_cut'] if own['networkx'] else '-'} "
              f"| {own['igraph']['own_cut'] if own['igraph'] else '-'} |")
    for n in sizes:
        r = results.get((n, "maxflow", "igraph")) or results.get((n, "maxflow", "networkx"))
        if r:
            ans = r["answer"]
            print(f"# {n}: split network {ans['network_nodes']} nodes, {ans['network_arcs']} arcs "
                  f"({ans['merged_parallel_arcs']} parallel unbounded arcs merged)")
    for n in sizes:
        parts = []
        for tool, name in (("networkx", "NetworkX"), ("igraph", "igraph")):
            r = results.get((n, "biconnectivity", tool))
            if r:
                split_seconds = r["answer"]["last_run_seconds"]
                parts.append(f"{name} {fmt_seconds(split_seconds['articulation_points'])} s + "
                             f"{fmt_seconds(split_seconds['bridges'])} s")
        if parts:
            print(f"# {n}: articulation points + bridges, separately (last run): {'; '.join(parts)}")
    for line in skipped:
        print(f"# skipped: {line}")

    if args.json:
        Path(args.json).write_text(json.dumps(
            {"sizes": sizes, "seed": args.seed, "in_process": in_process,
             "runs": [results[k] | {"size": k[0]} for k in sorted(results)], "skipped": skipped,
             "problems": problems}, indent=1) + "\n")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("\nDISAGREEMENT or failure:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"\nAll answers agree ({len(results)} runs, {time.perf_counter() - t0:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
