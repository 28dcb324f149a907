#!/usr/bin/python3
"""Shared test vectors for the drift statistics in src/ModelOps.Core/Monitoring.

What it makes: tests/ModelOps.Core.Tests/Monitoring/drift_vectors.json, holding inputs and scipy's answers for
  - ks_2samp(a, b) (method='auto': exact and asymptotic cases, ties, identical samples, shifted samples),
  - kstwo.sf(d, n) and scipy.special.smirnov(n, d) over every branch scipy's Kolmogorov code takes,
  - wasserstein_distance(u, v),
  - chisquare(f_obs, f_exp), including the reference/window construction the C# DriftDetector uses
    (levels unseen in the reference pooled into one bucket with a reference pseudo-count of 0.5),
  - jensenshannon(p, q) in base e and base 2,
  - Benjamini-Hochberg adjusted p-values, and numpy.percentile (linear) for the latency signal.
The C# tests (tests/ModelOps.Core.Tests/Monitoring/ScipyVectorTests.cs) read the file and compare to 1e-9.

How to run: /usr/bin/python3 scripts/drift_vectors.py   (Debian's python3 with scipy 1.10 and numpy; rerun after
changing a case and commit the JSON with it).

Samples: large samples are not stored; both sides regenerate them from a seed with the same bit-exact generator
(splitmix64 -> 53-bit uniforms -> Irwin-Hall normal: the sum of 12 uniforms minus 6, optionally floored to a grid to make
ties), so the JSON stays small and C# sees exactly the values scipy saw. Small samples are stored inline.

BH: scipy 1.10 has no false_discovery_control (added in 1.11) and statsmodels is not installed, so the expected values
come from statsmodels' fdr_bh formula written out below in numpy (sorted p / (rank/m), running minimum from the top,
capped at 1).
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

MASK = (1 << 64) - 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ModelOps.Core.Tests", "Monitoring",
                   "drift_vectors.json")


def splitmix_uniforms(seed, count):
    state = seed & MASK
    out = np.empty(count)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        out[i] = (z >> 11) * (1.0 / 9007199254740992.0)
    return out


def generate(spec):
    """Irwin-Hall normal(loc, scale), summed left to right in float64, optionally floored to a grid of 1/ties."""
    u = splitmix_uniforms(spec["seed"], 12 * spec["n"])
    values = np.empty(spec["n"])
    for i in range(spec["n"]):
        s = 0.0
        for k in range(12):
            s += u[12 * i + k]
        values[i] = spec["loc"] + spec["scale"] * (s - 6.0)
    if spec.get("ties"):
        values = np.floor(values * spec["ties"]) / spec["ties"]
    return values


def spec(seed, n, loc=0.0, scale=1.0, ties=0):
    return {"seed": seed, "n": n, "loc": loc, "scale": scale, "ties": ties}


def ks_cases():
    cases = []
    rng = np.random.default_rng(20240605)
    inline = [
        ("small equal sizes, shifted", rng.normal(0, 1, 20), rng.normal(0.8, 1, 20)),
        ("small unequal sizes", rng.normal(0, 1, 30), rng.normal(0.3, 1.2, 45)),
        ("small ties", np.round(rng.normal(0, 1, 40), 1), np.round(rng.normal(0.1, 1, 55), 1)),
        ("identical samples", np.arange(25.0), np.arange(25.0)),
        ("completely separated", np.arange(8.0), np.arange(10.0) + 100),
        ("one value each", np.array([1.0]), np.array([2.0])),
        ("integers with many ties", rng.integers(0, 5, 90).astype(float), rng.integers(0, 6, 70).astype(float)),
    ]
    for name, a, b in inline:
        cases.append({"name": name, "a": a.tolist(), "b": b.tolist()})
    generated = [
        ("exact inside method 3000 vs 5000", spec(1, 3000), spec(2, 5000, 0.05)),
        ("exact square 10000 vs 10000", spec(3, 10000), spec(4, 10000, 0.03)),
        ("exact with ties 2000 vs 2500", spec(5, 2000, ties=4), spec(6, 2500, 0.1, ties=4)),
        ("asymptotic large en, same distribution", spec(7, 50000), spec(8, 20000)),
        ("asymptotic large en, small shift", spec(9, 50000), spec(10, 20000, 0.03)),
        ("asymptotic large en, shift", spec(11, 50000), spec(12, 20000, 0.1)),
        ("asymptotic large en, big shift (p underflows)", spec(13, 50000), spec(14, 20000, 1.0)),
        ("asymptotic both above 10000", spec(15, 11000), spec(16, 11000, 0.02)),
        ("asymptotic small en, same", spec(17, 12000), spec(18, 60)),
        ("asymptotic small en, shift", spec(19, 12000), spec(20, 60, 0.4)),
        ("asymptotic small en, big shift", spec(21, 12000), spec(22, 60, 1.5)),
        ("asymptotic small en, ties", spec(23, 15000, ties=2), spec(24, 100, 0.2, ties=2)),
    ]
    for name, sa, sb in generated:
        cases.append({"name": name, "aSpec": sa, "bSpec": sb, "a": generate(sa), "b": generate(sb)})
    for c in cases:
        r = stats.ks_2samp(c["a"], c["b"])
        c["statistic"] = float(r.statistic)
        c["pvalue"] = float(r.pvalue)
        if "aSpec" in c:
            del c["a"], c["b"]
    return cases


def kstwo_cases():
    out = []
    grid = [
        (5, 0.05), (5, 0.15), (5, 0.3), (5, 0.6), (5, 0.85), (20, 0.04), (20, 0.1), (20, 0.2), (20, 0.3), (20, 0.5),
        (60, 0.02), (60, 0.09), (60, 0.2), (60, 0.3), (140, 0.05), (140, 0.12), (140, 0.2), (141, 0.05), (141, 0.12),
        (141, 0.2), (1000, 0.0009), (1000, 0.02), (1000, 0.04), (1000, 0.06), (1000, 0.2), (14286, 0.003),
        (14286, 0.008), (14286, 0.0124), (14286, 0.02), (14286, 0.05), (47619, 0.0008), (47619, 0.004),
        (47619, 0.0068), (47619, 0.01), (100000, 0.001), (100001, 0.001), (200000, 0.002), (200000, 0.004),
    ]
    for n, d in grid:
        out.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n))})
    return out


def smirnov_cases():
    out = []
    for n, d in [(1, 0.3), (3, 0.1), (3, 0.5), (10, 0.05), (10, 0.3), (10, 0.95), (50, 0.2), (140, 0.2), (1000, 0.05),
                 (1000, 0.07), (14286, 0.0124), (14286, 0.03), (47619, 0.0068), (47619, 0.012), (300000, 0.003)]:
        out.append({"n": n, "d": d, "sf": float(special.smirnov(n, d))})
    return out


def wasserstein_cases():
    rng = np.random.default_rng(7)
    cases = []
    inline = [
        ("small", rng.normal(0, 1, 15), rng.normal(0.5, 2, 11)),
        ("ties", np.round(rng.normal(0, 1, 60), 1), np.round(rng.normal(0.2, 1, 40), 1)),
        ("identical", np.arange(10.0), np.arange(10.0)),
        ("single values", np.array([0.0]), np.array([3.5])),
    ]
    for name, u, v in inline:
        cases.append({"name": name, "u": u.tolist(), "v": v.tolist(), "distance": float(stats.wasserstein_distance(u, v))})
    for name, su, sv in [("generated 50000 vs 20000 shifted", spec(31, 50000), spec(32, 20000, 0.2, 1.5)),
                         ("generated ties", spec(33, 5000, ties=3), spec(34, 7000, 0.5, ties=3))]:
        cases.append({"name": name, "uSpec": su, "vSpec": sv,
                      "distance": float(stats.wasserstein_distance(generate(su), generate(sv)))})
    return cases


def chisquare_cases():
    cases = []
    direct = [
        ([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]),
        ([10, 20, 30], [20, 20, 20]),
        ([500, 480, 20], [333.3333333333333, 333.3333333333333, 333.3333333333334]),
        (list(range(1, 301)), [150.5] * 300),
        ([0, 5, 0, 95], [25, 25, 25, 25]),
    ]
    for obs, exp in direct:
        r = stats.chisquare(np.array(obs, float), np.array(exp, float))
        cases.append({"observed": [float(x) for x in obs], "expected": [float(x) for x in exp],
                      "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    return cases


def chisquare_drift_cases():
    """Reference and window level counts, built into observed/expected the way DriftDetector.ChiSquaredCounts does."""
    cases = [
        ("same proportions", {"a": 300, "b": 200, "c": 100}, {"a": 2950, "b": 2050, "c": 1000}),
        ("shifted proportions", {"a": 300, "b": 200, "c": 100}, {"a": 200, "b": 200, "c": 200}),
        ("level missing from the window", {"a": 50, "b": 40, "c": 10}, {"a": 70, "b": 30}),
        ("unseen levels pooled", {"a": 400, "b": 300}, {"a": 390, "b": 300, "x": 4, "y": 6}),
    ]
    out = []
    for name, ref, cur in cases:
        levels = sorted(ref)
        unseen = sorted(k for k in cur if k not in ref)
        observed = [float(cur.get(k, 0)) for k in levels]
        ref_counts = [float(ref[k]) for k in levels]
        if unseen:
            observed.append(float(sum(cur[k] for k in unseen)))
            ref_counts.append(0.5)
        ref_total = sum(ref_counts)
        cur_total = float(sum(cur.values()))
        expected = [c / ref_total * cur_total for c in ref_counts]
        r = stats.chisquare(observed, expected)
        out.append({"name": name, "reference": ref, "current": cur, "observed": observed, "expected": expected,
                    "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    return out


def jensenshannon_cases():
    rng = np.random.default_rng(11)
    pairs = [
        ([0.5, 0.3, 0.2], [0.5, 0.3, 0.2]),
        ([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]),
        ([1.0, 0.0], [0.0, 1.0]),
        ([10, 0, 5, 3], [2, 7, 0, 9]),
        (rng.random(50).tolist(), rng.random(50).tolist()),
    ]
    out = []
    for p, q in pairs:
        out.append({"p": [float(x) for x in p], "q": [float(x) for x in q],
                    "distance": float(distance.jensenshannon(p, q)),
                    "distance2": float(distance.jensenshannon(p, q, base=2))})
    return out


def bh(p):
    p = np.asarray(p, float)
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    m = len(p)
    ecdf = np.arange(1, m + 1) / float(m)
    raw = sorted_p / ecdf
    adj = np.minimum.accumulate(raw[::-1])[::-1]
    adj[adj > 1] = 1
    out = np.empty(m)
    out[order] = adj
    return out


def bh_cases():
    rng = np.random.default_rng(3)
    vectors = [
        [0.01, 0.04, 0.03, 0.20, 0.5],
        [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.222, 0.251, 0.269, 0.275, 0.34, 0.341,
         0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986],
        [0.02, 0.02, 0.02, 0.9],
        [1.0, 1.0],
        rng.random(20).tolist(),
        (rng.random(30) ** 4).tolist(),
    ]
    return [{"p": [float(x) for x in v], "adjusted": bh(v).tolist()} for v in vectors]


def percentile_cases():
    rng = np.random.default_rng(5)
    out = []
    for v in [rng.lognormal(2, 0.5, 101), rng.lognormal(1, 1, 1000), np.array([3.0]), np.array([1.0, 2.0])]:
        out.append({"values": v.tolist(), "p50": float(np.percentile(v, 50)), "p95": float(np.percentile(v, 95)),
                    "p99": float(np.percentile(v, 99))})
    return out


def main():
    doc = {
        "generator": "drift_vectors.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "ks": ks_cases(),
        "kstwo": kstwo_cases(),
        "smirnov": smirnov_cases(),
        "wasserstein": wasserstein_cases(),
        "chisquare": chisquare_cases(),
        "chisquareDrift": chisquare_drift_cases(),
        "jensenshannon": jensenshannon_cases(),
        "benjaminiHochberg": bh_cases(),
        "percentile": percentile_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}: " + ", ".join(f"{k} {len(v)}" for k, v in doc.items() if isinstance(v, list)))


if __name__ == "__main__":
    main()
