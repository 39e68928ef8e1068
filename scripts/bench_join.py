#!/usr/bin/env python3
"""Sets two reports of scripts/bench.py side by side: for every loopback case both runs' MB/s,
ratio to curl and CPU per GiB, with the cases where the runs disagree by more than 10 % marked.

    scripts/bench_join.py FIRST.md SECOND.md [--label-first "run 1"] [--label-second "run 2"]

Prints a Markdown section to append to the first report (BENCHMARKS.md).
"""

import argparse
import re
import sys

DISAGREE = 0.10


def cases(path):
    """{(section, file, client): (MB/s, vs curl, CPU s/GiB)} from a report's per-protocol tables."""
    found, section = {}, None
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            # Only the per-protocol tables (### headings) hold cases; any other heading ends one.
            section = line[4:].strip() if line.startswith("### ") else None
            continue
        if section is None or not line.startswith("| ") or line.startswith("| file |"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not re.fullmatch(r"[\d.]+", cells[2]):
            continue
        found[(section, cells[0], cells[1])] = (
            float(cells[2]), float(cells[3].rstrip("x")), float(cells[4]))
    return found


def differs(a, b):
    return abs(a - b) > DISAGREE * max(a, b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--label-first", default="run 1")
    parser.add_argument("--label-second", default="run 2")
    args = parser.parse_args()
    first, second = cases(args.first), cases(args.second)
    shared = [key for key in first if key in second]
    if not shared:
        sys.exit("no case is in both reports")
    one, two = args.label_first, args.label_second
    lines = [
        "", f"## Two runs side by side ({one}, {two})", "",
        f"Every case both runs measured. A mark (**!**) where the two runs' MB/s or ratio to curl "
        f"differ by more than {DISAGREE:.0%}.", "",
        f"| case | file | client | {one} MB/s | {two} MB/s | {one} vs curl | {two} vs curl | "
        f"{one} CPU s/GiB | {two} CPU s/GiB | |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    marked = 0
    for key in shared:
        (mb1, r1, cpu1), (mb2, r2, cpu2) = first[key], second[key]
        mark = "**!**" if differs(mb1, mb2) or differs(r1, r2) else ""
        marked += bool(mark)
        section, size, client = key
        lines.append(f"| {section} | {size} | {client} | {mb1:.1f} | {mb2:.1f} | {r1:.2f}x | "
                     f"{r2:.2f}x | {cpu1:.2f} | {cpu2:.2f} | {mark} |")
    lines += ["", f"{marked} of {len(shared)} cases differ by more than {DISAGREE:.0%}.", ""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
