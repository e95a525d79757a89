#!/usr/bin/env python3
"""Which questions changed outcome between two `voice eval --verbose` runs (docs/evaluation.md).

    python3 scripts/eval_diff.py before.txt after.txt

Prints each question right in one run and wrong in the other, with its set, path and both answers, then the counts.
Only the outcome lines are read ("ok  [text ours …] question → answer"), each assigned to the set whose report
follows it, so the two runs may hold different sets or be cut short.
"""
import re
import sys

OUTCOME = re.compile(r"^(ok  |MISS) \[(\w+) ours \S+ .*?\] (.*?) → (.*?)(?:  \(not in evidence: .*?\))?(?:  \[\d+ ms\])?$")
REPORT = re.compile(r"^answer quality: ([\w-]+) \((?:dev|test|sample)\)")


def outcomes(path):
    """(set, path, question) → (right, answer), for every outcome line followed by its set's report."""
    found, pending = {}, []
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if match := OUTCOME.match(line):
                mark, kind, question, answer = match.groups()
                pending.append((kind, question, mark == "ok  ", answer))
            elif match := REPORT.match(line):
                for kind, question, right, answer in pending:
                    found[(match.group(1), kind, question)] = (right, answer)
                pending = []
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    before, after = outcomes(sys.argv[1]), outcomes(sys.argv[2])
    gained = lost = 0
    for key in sorted(before.keys() & after.keys()):
        (was, old), (now, new) = before[key], after[key]
        if was == now:
            continue
        gained += now
        lost += was
        print(f"{'GAIN' if now else 'LOSS'} {key[1]} {key[0]}: {key[2]}\n    before: {old[:160]}\n    after:  {new[:160]}")
    print(f"{gained} gained, {lost} lost, {len(before.keys() & after.keys())} questions in both runs")


if __name__ == "__main__":
    main()
