#!/usr/bin/env python3
"""The pandas side of the data benchmark: read_csv + drop_duplicates + fillna + describe on the same file.

Needs Debian's pandas:  apt-get install -y python3-pandas   (run with /usr/bin/python3)
Usage: python3 bench/data/pandas_bench.py FILE.csv   -> one JSON line, the same fields as the .NET side.
"""
import json
import os
import resource
import sys
import time

import pandas as pd


def main(path):
    start = time.perf_counter()
    df = pd.read_csv(path)
    read = time.perf_counter()
    # pandas has no validator: nothing to time here, kept as 0 so the columns line up.
    validated = read
    df = df.drop_duplicates()
    df = df.dropna(subset=["label"])
    numeric = df.select_dtypes(include="number").columns
    fills = {c: df[c].median() for c in numeric}
    for c in df.columns.difference(numeric):
        mode = df[c].mode(dropna=True)
        if len(mode):
            fills[c] = mode.iloc[0]
    df = df.fillna(fills)
    cleaned = time.perf_counter()
    profile = df.describe(include="all")
    done = time.perf_counter()
    assert profile is not None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss * 1024
    print(json.dumps({
        "engine": "pandas", "seconds": done - start, "bytes": os.path.getsize(path), "rows": int(len(df)),
        "peakRssBytes": peak, "readSeconds": read - start, "validateSeconds": validated - read,
        "cleanSeconds": cleaned - validated, "profileSeconds": done - cleaned, "anomalies": 0, "rowsOut": int(len(df)),
        "cpuSeconds": usage.ru_utime + usage.ru_stime,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
