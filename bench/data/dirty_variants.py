"""Dirty variants of the data bench's CSV, for the memory and time of files that are not clean.

    /usr/bin/python3 bench/data/dirty_variants.py /tmp/bench200.csv

writes beside it:
  *-halfdup.csv  the first half of the rows, each written twice (half the file is exact duplicates)
  *-ragged.csv   4.5% of the rows with an extra field (the reader's rejects; the limit is 5%)
  *-ids.csv      two more text columns whose every value differs (an e-mail and a note), cut at the source's size
"""
import os
import random
import sys

source = sys.argv[1]
stem, ext = os.path.splitext(source)
size = os.path.getsize(source)

with open(source) as f, open(f"{stem}-halfdup{ext}", "w") as out:
    out.write(f.readline())
    for line in f:
        out.write(line)
        out.write(line)
        if out.tell() >= size:
            break

random.seed(2)
with open(source) as f, open(f"{stem}-ragged{ext}", "w") as out:
    out.write(f.readline())
    for line in f:
        out.write(line.rstrip("\n") + ",extra\n" if random.random() < 0.045 else line)

with open(source) as f, open(f"{stem}-ids{ext}", "w") as out:
    out.write(f.readline().rstrip("\n") + ",email,note\n")
    for i, line in enumerate(f):
        out.write(f"{line.rstrip(chr(10))},user{i * 7919 % 10000019}@example.com,free text {i * 31 % 999983} here\n")
        if out.tell() >= size:
            break
