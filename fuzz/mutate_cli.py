#!/usr/bin/env python3
"""Mutation testing of the whole command line on the bundled data (complements the libFuzzer
targets beside it, which drive the loaders in-process).

Each round copies data/rare-earths and data/scenarios (or a generated CSV chain, with --csv),
makes one to three edits of the kind a hurried maintainer or a broken copy makes, and runs
`validate`; when the edited dataset still loads, it also runs the analyses, a scenario, the
diagram, export, diff, timeline and risk on it. A round fails on a crash, a hang (120 s), an exit
code other than 0-3 (70 is an internal error), a sanitizer report, or NaN or infinity in an
analysis's output. Failing rounds are kept under OUT with a WHY file.

    python3 fuzz/mutate_cli.py build/asan/chokepoint --rounds 300 --seed 1 --out /tmp/mutants
    python3 fuzz/mutate_cli.py build/dev/chokepoint --csv --rounds 300 --seed 2 --out /tmp/mutants-csv

Every edit is drawn from --seed, so a failing round is found again by the same command. Not run
in CI (a few minutes per hundred rounds under ASan); run it after changing a loader or a command.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ODD = ["-1", "0", "1e400", "-1e400", ".nan", ".inf", "-.inf", "NaN", "1e-320", "99999999999999999999999", "0x10",
       "abc", "''", "~", "null", "[]", "{}", "[1, 2]", "true", "2.5e18", "1.7976931348623157e308", "-0", "1_000",
       "2024-13-45", "0.0000001", "4294967296", "2147483648", "65536", "255", "256"]
KEYS = ["id", "country", "stage", "material", "capacity", "production", "year", "source", "from", "to", "share",
        "volume", "elements", "status", "recipe", "yield", "measures", "type", "start", "end", "date", "wgi"]
YAML_JUNK = ["\t", "\0", "\xff", "\u00e9", "&a", "*a", "!!binary", "<<: *x", "- ", ": ", "{", "[", "'", '"',
             "%YAML 1.2\n", "---\n", "...\n", "? ", "|\n", ">-\n", "#", "\r", "\ufeff"]
CSV_JUNK = [",", '"', '""', "\n", "\r\n", ",,", '"a,b"', '"unterminated', "\t", "\0", "\xff", "=1+1", " ", "-",
            "1e999", "nan", "-5", "", "\ufeff"]


def edit_yaml(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(14)
    if kind == 0 and lines:
        del lines[rng.randrange(len(lines))]
    elif kind == 1 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 2 and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind in (3, 4, 5):
        nums = [(i, m) for i, l in enumerate(lines) for m in re.finditer(r"(?<![\w.])-?\d+(\.\d+)?(e-?\d+)?", l)]
        if nums:
            i, m = rng.choice(nums)
            lines[i] = lines[i][:m.start()] + rng.choice(ODD) + lines[i][m.end():]
    elif kind == 6:
        cands = [(i, m) for i, l in enumerate(lines) for m in re.finditer(r"(\w+): ([^,}\n]+)", l)]
        if cands:
            i, m = rng.choice(cands)
            other = rng.choice(cands)[1].group(2) if rng.random() < 0.5 else rng.choice(ODD)
            lines[i] = lines[i][:m.start(2)] + other + lines[i][m.end(2):]
    elif kind == 7:
        cands = [(i, m) for i, l in enumerate(lines) for m in re.finditer(r"(\w+):", l)]
        if cands:
            i, m = rng.choice(cands)
            lines[i] = lines[i][:m.start(1)] + rng.choice(KEYS) + lines[i][m.end(1):]
    elif kind == 8:
        s = "\n".join(lines)
        return s[:rng.randrange(len(s) + 1)]
    elif kind == 9:
        s = "\n".join(lines)
        p = rng.randrange(len(s) + 1)
        return s[:p] + rng.choice(YAML_JUNK) + s[p:]
    elif kind == 10 and lines:
        i = rng.randrange(len(lines))
        d = rng.choice([-2, 2, -1, 1, 4])
        lines[i] = (" " * d + lines[i]) if d > 0 else lines[i][-d:]
    elif kind == 11:
        words = re.findall(r"\b[a-z][a-z0-9-]{3,}\b", text)
        if len(words) > 2:
            a, b = rng.choice(words), rng.choice(words)
            return re.sub(r"\b%s\b" % re.escape(a), b, text, count=rng.randrange(1, 4))
    elif kind == 12:
        return rng.choice(["", "\n", "---\n", "~\n", "[]\n", "{}\n", "facilities:\n", "facilities: []\n", "a: b\n"])
    elif kind == 13 and lines:
        i = rng.randrange(len(lines))
        j = min(len(lines), i + rng.randrange(1, 12))
        lines[i:i] = lines[i:j]
    return "\n".join(lines)


def edit_csv(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(8)
    if kind == 0 and len(lines) > 1:
        del lines[rng.randrange(1, len(lines))]
    elif kind == 1:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 2:
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(ODD + CSV_JUNK)
        lines[i] = ",".join(cells)
    elif kind == 3:
        s = "\n".join(lines)
        p = rng.randrange(len(s) + 1)
        return s[:p] + rng.choice(CSV_JUNK) + s[p:]
    elif kind == 4:
        s = "\n".join(lines)
        return s[:rng.randrange(len(s) + 1)]
    elif kind == 5:
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        if len(cells) > 1:
            del cells[rng.randrange(len(cells))]
        lines[i] = ",".join(cells)
    elif kind == 6:
        cells = lines[0].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(cells + ["id", "x", "", "ID", " id"])
        lines[0] = ",".join(cells)
    elif kind == 7:
        words = re.findall(r"[a-z]+-\d+", text)
        if len(words) > 2:
            a, b = rng.choice(words), rng.choice(words)
            return re.sub(r"\b%s\b" % re.escape(a), b, text, count=rng.randrange(1, 4))
    return "\n".join(lines)


def run(binary, args):
    env = dict(os.environ, NO_COLOR="1",
               ASAN_OPTIONS="detect_leaks=1:suppressions=%s/tests/asan.supp" % ROOT,
               LSAN_OPTIONS="suppressions=%s/tests/lsan.supp" % ROOT,
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    try:
        p = subprocess.run([binary] + args, capture_output=True, timeout=120, env=env)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""


def problem(rc, out, err, outputs, analysis):
    if rc == "timeout":
        return "hang"
    if rc not in (0, 1, 2, 3):
        return "exit %s" % rc
    if "Sanitizer" in err or "runtime error" in err:
        return "sanitizer report"
    if rc == 0 and analysis:   # (validate echoes names, which an edit may have made "NaN")
        for text in [out] + outputs:
            m = re.search(r"(?i)(?<![\w-])-?(nan|inf|infinity)(?![\w-])", text)
            if m:
                return "NaN or infinity in the output: ..." + text[max(0, m.start() - 150):m.end() + 50]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="mutants")
    ap.add_argument("--csv", action="store_true", help="edit a generated CSV chain of 60 facilities instead")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    failed = 0
    for rnd in range(a.rounds):
        work = tempfile.mkdtemp(prefix="mutant")
        ds, sc = work + "/rare-earths", work + "/scenarios"
        if a.csv:
            subprocess.run([binary, "generate", "--facilities", "60", "--seed", "3", "--format", "csv", "-o", ds],
                           check=True, capture_output=True)
        else:
            shutil.copytree(ROOT + "/data/rare-earths", ds)
        shutil.copytree(ROOT + "/data/scenarios", sc)
        if a.csv:
            files = [os.path.join(ds, f) for f in sorted(os.listdir(ds))]
        else:
            files = sorted(os.path.join(d, f) for top in (ds, sc) for d, _, fs in os.walk(top) for f in fs
                           if f.endswith(".yaml"))
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            f = rng.choice(files)
            with open(f, encoding="utf-8") as h:
                text = h.read()
            edited = edit_csv(text, rng) if f.endswith(".csv") else edit_yaml(text, rng)
            with open(f, "w", encoding="utf-8", errors="surrogateescape") as h:
                h.write(edited)
        scenario = sc + "/" + rng.choice(sorted(os.listdir(sc)))
        commands = [["validate", ds]]
        if not a.csv:
            commands.append(["validate", sc])
        if run(binary, ["validate", ds])[0] == 0:
            commands += [
                ["summary", ds], ["concentration", ds],
                ["chokepoints", ds, "--format", "json", "-o", work + "/out-chokepoints.json"],
                ["dependencies", ds, "-o", work + "/out-dependencies.txt"],
                ["export", ds, "--to", rng.choice(["graphml", "json", "dot"]), "-o", work + "/export.out"],
                ["risk", ds, "--samples", "20", "-o", work + "/risk.txt"],
            ]
            if not a.csv:
                commands += [
                    ["scenario", "run", ds, scenario, "--format", "json", "-o", work + "/out-impact.json"],
                    ["scenario", "timeline", ds, scenario, "--from", "2025-01-01", "--to", "2026-12-01", "--step",
                     "6m", "-o", work + "/out-timeline.txt"],
                    ["diagram", ds, "--element", "Dy", "-o", work + "/diagram.svg"],
                    ["diff", ROOT + "/data/rare-earths", ds, "--format", "json", "-o", work + "/diff.json"],
                ]
        why = None
        for c in commands:
            rc, out, err = run(binary, c)
            outputs = []
            for f in os.listdir(work):
                if f.startswith("out-"):
                    with open(os.path.join(work, f), errors="replace") as h:
                        outputs.append(h.read())
                    os.remove(os.path.join(work, f))
            why = problem(rc, out, err, outputs, c[0] != "validate")
            if why:
                why = "%s\n$ chokepoint %s\nexit %s\n%s" % (why, " ".join(c), rc, err[-3000:])
                break
        if why:
            failed += 1
            dest = os.path.join(a.out, "round%05d" % rnd)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(work, dest)
            with open(os.path.join(dest, "WHY"), "w") as h:
                h.write(why + "\n")
            print("round %d: %s" % (rnd, why.split("\n")[0]), flush=True)
        shutil.rmtree(work)
    print("%d rounds, %d failed (kept under %s)" % (a.rounds, failed, a.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
