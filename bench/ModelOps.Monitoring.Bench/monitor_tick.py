#!/usr/bin/python3
"""The scipy side of the monitor-tick benchmark: reads the data the C# side wrote, runs the same tick, prints JSON.

Per numeric feature: wasserstein_distance / np.std(reference), PSI over 10 equal-width reference bins (outer bins open),
null and out-of-domain rates. Per categorical feature: value counts (pandas), jensenshannon over the union of levels,
PSI with epsilon 1e-4, null and unseen rates. Also times ks_2samp on the numeric features alone.
Usage: /usr/bin/python3 monitor_tick.py DATA_FOLDER RUNS
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


def load(folder):
    meta = json.load(open(os.path.join(folder, "meta.json")))
    numeric = [(np.fromfile(os.path.join(folder, f"ref_num{f}.f64")), np.fromfile(os.path.join(folder, f"cur_num{f}.f64")))
               for f in range(meta["numeric"])]
    categorical = []
    for f, levels in enumerate(meta["levels"]):
        names = np.array(levels + [None], dtype=object)  # code -1 -> None (missing)
        ref = names[np.fromfile(os.path.join(folder, f"ref_cat{f}.i32"), dtype=np.int32)]
        cur = names[np.fromfile(os.path.join(folder, f"cur_cat{f}.i32"), dtype=np.int32)]
        categorical.append((ref, cur))
    return numeric, categorical


def psi(ref_p, cur_p, eps=1e-4):
    r = np.where(ref_p == 0, eps, ref_p)
    c = np.where(cur_p == 0, eps, cur_p)
    return float(np.sum((r - c) * np.log(r / c)))


def numeric_baseline(ref):
    ref = ref[np.isfinite(ref)]
    edges = np.linspace(ref.min(), ref.max(), 11)[1:-1]
    bins = np.concatenate(([-np.inf], edges, [np.inf]))
    return {"ref": ref, "std": np.std(ref), "min": ref.min(), "max": ref.max(), "bins": bins,
            "p": np.histogram(ref, bins)[0] / len(ref)}


def categorical_baseline(ref):
    counts = pd.Series(ref).value_counts(dropna=True)
    return {"counts": counts}


def numeric_tick(b, cur):
    present = cur[~np.isnan(cur)]
    finite = present[np.isfinite(present)]
    d = stats.wasserstein_distance(b["ref"], finite) / b["std"]
    cur_p = np.histogram(finite, b["bins"])[0] / len(finite)
    out_of_domain = np.count_nonzero((present < b["min"]) | (present > b["max"])) / len(present)
    null_rate = 1 - len(present) / len(cur)
    return d, d >= 0.1, psi(b["p"], cur_p), out_of_domain, null_rate


def categorical_tick(b, cur):
    counts = pd.Series(cur).value_counts(dropna=True)
    ref_counts = b["counts"]
    levels = ref_counts.index.union(counts.index)
    p = ref_counts.reindex(levels, fill_value=0).to_numpy(float)
    q = counts.reindex(levels, fill_value=0).to_numpy(float)
    js = distance.jensenshannon(p / p.sum(), q / q.sum())
    unseen = counts[~counts.index.isin(ref_counts.index)].sum() / counts.sum()
    null_rate = 1 - counts.sum() / len(cur)
    return js, js >= 0.1, psi(p / p.sum(), q / q.sum()), unseen, null_rate


def median_ms(runs, action):
    """Medians of wall-clock and CPU milliseconds."""
    action()
    wall, cpu = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    return float(np.median(wall)), float(np.median(cpu))


def main():
    folder, runs = sys.argv[1], int(sys.argv[2])
    numeric, categorical = load(folder)
    nb = [numeric_baseline(ref) for ref, _ in numeric]
    cb = [categorical_baseline(ref) for ref, _ in categorical]
    results = []

    def tick():
        results.clear()
        for b, (_, cur) in zip(nb, numeric):
            results.append(numeric_tick(b, cur))
        for b, (_, cur) in zip(cb, categorical):
            results.append(categorical_tick(b, cur))

    def ks():
        for b, (_, cur) in zip(nb, numeric):
            stats.ks_2samp(b["ref"], cur[np.isfinite(cur)])

    tick_ms, tick_cpu_ms = median_ms(runs, tick)
    ks_ms, ks_cpu_ms = median_ms(runs, ks)
    print(json.dumps({"tickMs": tick_ms, "tickCpuMs": tick_cpu_ms, "ksMs": ks_ms, "ksCpuMs": ks_cpu_ms, "drifted": int(sum(r[1] for r in results)),
                      "distances": [float(r[0]) for r in results]}))


if __name__ == "__main__":
    main()
