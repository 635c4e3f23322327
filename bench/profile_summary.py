"""Summarise a py-spy raw (collapsed) profile: the share of samples under each function.

python bench/profile_summary.py profile.txt [--top 40] [--match hub/]
"""

from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:]+)(?::\d+)?\)$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only frames whose file contains this")
    args = parser.parse_args()
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = []
        for frame in stack.split(";"):
            match = _FRAME.match(frame.strip())
            name = frame.strip()
            if match:
                short = match["file"].split("site-packages/")[-1].split("/work/main/")[-1]
                name = f"{match['function']} ({short})"
            frames.append(name)
        for name in set(frames):
            if args.match in name:
                inclusive[name] += count
        if frames and args.match in frames[-1]:
            own[frames[-1]] += count
    print(f"{total} samples")
    print("inclusive:")
    for name, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {name}")
    print("own:")
    for name, count in own.most_common(args.top // 2):
        print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
