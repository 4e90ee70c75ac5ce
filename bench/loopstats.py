"""Prints one case of bench/loop.sh: per tool the median time, its ratio
to go build's median, the median of its runs' ratios to the go build run
beside each (paired), the median peak RSS and, for mingo, the median
phases."""
import re
import statistics
import sys

work, case, tools = sys.argv[1], sys.argv[2], sys.argv[3:]


def times(tool):
    rows = [l.split() for l in open(f"{work}/{case}.{tool}.times") if l.strip()]
    return [float(r[0]) for r in rows], [int(r[1]) for r in rows]


def phases(tool):
    # Each run's trace is a paragraph; a phase's figure for a run is its
    # longest instance (the slower platform), its platform dropped.
    runs = open(f"{work}/{case}.{tool}.trace").read().split("\n\n")
    per = {}
    for run in runs:
        longest = {}
        for m in re.finditer(r"mingo trace: (.+?)\s+([0-9.]+)s", run):
            name = re.sub(r" (linux/\S+)$", "", m.group(1))
            name = re.sub(r"^(layer|image\+sbom) \S+", r"\1", name)
            longest[name] = max(longest.get(name, 0), float(m.group(2)))
        for k, v in longest.items():
            per.setdefault(k, []).append(v)
    return "  ".join(f"{k.split(' (')[0]} {statistics.median(v):.3f}" for k, v in per.items())


base, _ = times("go")
floor = statistics.median(base)
for tool in tools:
    t, rss = times(tool)
    med = statistics.median(t)
    # Runs alternate, so each run's ratio to the floor run next to it
    # cancels the machine's drift; their median ("paired") is the steadier
    # figure when the floor itself moves from run to run.
    paired = statistics.median(x / g for x, g in zip(t, base))
    line = f"{case:9} {tool:6} {med:7.3f}s {med / floor:5.2f}x  paired {paired:5.2f}x  rss {statistics.median(rss) / 1024:6.1f} MiB  (n={len(t)})"
    if tool != "go":
        line += "\n" + " " * 17 + "phases: " + phases(tool)
    print(line)
