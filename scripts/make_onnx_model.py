#!/usr/bin/python3
"""Small ONNX models for the ONNX Runtime scorer's tests, fitted in numpy and written with onnx.helper.

What it makes, in tests/ModelOps.Testing/Onnx/:
  - churn.onnx: logistic regression on samples/churn/customers.csv (label churned). One graph input per column, named
    after it, shape [N,1], as sklearn-onnx writes them: float for numeric and yes/no columns, string for categorical
    ones. Inside: Scaler on the numbers, OneHotEncoder per category (unknown levels -> all zeros), Concat,
    LinearClassifier (LOGISTIC) -> outputs "label" (string, "no"/"yes") and "probabilities" [N,2].
  - regression.onnx + regression.csv: least squares on generated x1..x3 -> y; ONE float matrix input "features" [N,3]
    (the feature order is the CSV's), LinearRegressor -> output "variable" [N,1].
  - multiclass.onnx + multiclass.csv: softmax regression on generated x1, x2 (float inputs) and color (string input)
    -> class a/b/c; LinearClassifier (SOFTMAX) -> "label" (string) and "probabilities" [N,3].
  - expected.json: for each model a few rows (as JSON objects a predict call sends) and the outputs computed here in
    numpy, in float32 like ONNX Runtime, so the C# tests can compare to ~1e-6 without python.

How to run: apt-get install -y python3-onnx (Debian's onnx 1.12, with numpy), then
  /usr/bin/python3 scripts/make_onnx_model.py
Rerun after changing anything here and commit the outputs with the script. The fits are deterministic (fixed seeds,
closed-form or fixed-step solvers), so a rerun writes the same files.
"""
import csv
import json
import os

import numpy as np
from onnx import TensorProto, checker, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "ModelOps.Testing", "Onnx")
OPSETS = [helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 1)]


def save(graph, name):
    model = helper.make_model(graph, opset_imports=OPSETS, producer_name="modelops-tests")
    model.ir_version = 8
    checker.check_model(model)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(model.SerializeToString())


def f32(x):
    return np.asarray(x, dtype=np.float32)


def sigmoid(z):
    return (1 / (1 + np.exp(-z.astype(np.float64)))).astype(np.float32)


def softmax(z):
    e = np.exp(z.astype(np.float64) - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def logistic_fit(x, y, l2=1e-2, steps=50):
    """Newton's method (IRLS) with a small ridge: deterministic, converges in a few steps on standardised inputs."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w[:-1], w[-1]


def softmax_fit(x, y, classes, lr=0.5, steps=3000, l2=1e-3):
    xb = np.hstack([x, np.ones((len(x), 1))])
    onehot = (y[:, None] == np.arange(classes)[None, :]).astype(float)
    w = np.zeros((xb.shape[1], classes))
    for _ in range(steps):
        z = xb @ w
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        w -= lr * (xb.T @ (p - onehot) / len(x) + l2 * np.vstack([w[:-1], np.zeros((1, classes))]))
    return w[:-1], w[-1]


def one_hot_nodes(column, levels, prefix):
    """OneHotEncoder on a [N,1] string input gives [N,1,K]; Flatten makes it [N,K]. Unknown levels give zeros."""
    return [
        helper.make_node("OneHotEncoder", [column], [f"{prefix}_3d"], domain="ai.onnx.ml", cats_strings=levels, zeros=1),
        helper.make_node("Flatten", [f"{prefix}_3d"], [prefix], axis=1),
    ]


def churn():
    numeric = ["tenure_months", "monthly_charges", "total_charges", "support_calls"]
    flags = ["senior_citizen", "paperless_billing"]
    categorical = ["contract", "payment_method", "internet_service", "region"]
    with open(os.path.join(ROOT, "samples", "churn", "customers.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    num = np.array([[float(r[c]) if r[c] not in ("", "NA") else np.nan for c in numeric] for r in rows])
    num = np.where(np.isnan(num), np.nanmedian(num, axis=0), num)
    flag = np.array([[1.0 if r[c] == "yes" else 0.0 for c in flags] for r in rows])
    levels = {}
    cats = {}
    for c in categorical:
        values = [r[c] for r in rows]
        present = [v for v in values if v != ""]
        mode = max(sorted(set(present)), key=present.count)
        cats[c] = [v if v != "" else mode for v in values]
        levels[c] = sorted(set(present))
    y = np.array([1.0 if r["churned"] == "yes" else 0.0 for r in rows])

    mean, std = num.mean(axis=0), num.std(axis=0)
    design = np.hstack([(num - mean) / std, flag] + [
        np.array([[1.0 if v == level else 0.0 for level in levels[c]] for v in cats[c]]) for c in categorical])
    w, b = logistic_fit(design, y)

    # Two coefficient rows (-w for "no", +w for "yes") so LOGISTIC gives [1 - p, p] with no binary special case.
    nodes = [
        helper.make_node("Concat", numeric, ["numbers"], axis=1),
        helper.make_node("Scaler", ["numbers"], ["scaled"], domain="ai.onnx.ml",
                         offset=[float(v) for v in f32(mean)], scale=[float(v) for v in f32(1 / std)]),
    ]
    for c in categorical:
        nodes += one_hot_nodes(c, levels[c], f"{c}_onehot")
    nodes += [
        helper.make_node("Concat", ["scaled", *flags, *[f"{c}_onehot" for c in categorical]], ["design"], axis=1),
        helper.make_node("LinearClassifier", ["design"], ["label", "probabilities"], domain="ai.onnx.ml",
                         coefficients=[float(v) for v in f32(np.r_[-w, w])], intercepts=[float(-b), float(b)],
                         classlabels_strings=["no", "yes"], post_transform="LOGISTIC"),
    ]
    inputs = [helper.make_tensor_value_info(c, TensorProto.FLOAT, [None, 1]) for c in numeric + flags]
    inputs += [helper.make_tensor_value_info(c, TensorProto.STRING, [None, 1]) for c in categorical]
    outputs = [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])]
    save(helper.make_graph(nodes, "churn", inputs, outputs), "churn.onnx")

    # Rows as a predict call sends them: the sample's first complete rows, plus an unseen region (all zeros one-hot).
    sample = [r for r in rows if all(r[c] not in ("", "NA") for c in numeric + categorical)][:5]
    sample.append(dict(sample[0], region="atlantis"))
    requests, probabilities = [], []
    for r in sample:
        x_num = (f32([float(r[c]) for c in numeric]) - f32(mean)) * f32(1 / std)
        x = np.concatenate([x_num, f32([1.0 if r[c] == "yes" else 0.0 for c in flags])] + [
            f32([1.0 if r[c] == level else 0.0 for level in levels[c]]) for c in categorical])
        z = np.float32(np.dot(x, f32(w)) + np.float32(b))
        probabilities.append(float(sigmoid(np.array([z]))[0]))
        request = {c: float(r[c]) for c in numeric}
        request.update({c: r[c] == "yes" for c in flags})
        request.update({c: r[c] for c in categorical})
        requests.append(request)
    return {"rows": requests, "probability": probabilities, "label": [p >= 0.5 for p in probabilities]}


def regression():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 3)).round(4)
    y = (3 * x[:, 0] - 2 * x[:, 1] + 0.5 * x[:, 2] + 1 + rng.normal(scale=0.1, size=300)).round(4)
    with open(os.path.join(OUT, "regression.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["x1", "x2", "x3", "y"])
        out.writerows([[f"{v:.4f}" for v in row] + [f"{t:.4f}"] for row, t in zip(x, y)])
    coef, *_ = np.linalg.lstsq(np.hstack([x, np.ones((300, 1))]), y, rcond=None)
    nodes = [helper.make_node("LinearRegressor", ["features"], ["variable"], domain="ai.onnx.ml",
                              coefficients=[float(v) for v in f32(coef[:3])], intercepts=[float(coef[3])])]
    graph = helper.make_graph(nodes, "regression",
                              [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, 3])],
                              [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    save(graph, "regression.onnx")
    sample = x[:5]
    values = [float(np.float32(np.dot(f32(r), f32(coef[:3])) + np.float32(coef[3]))) for r in sample]
    return {"rows": [{"x1": float(r[0]), "x2": float(r[1]), "x3": float(r[2])} for r in sample], "value": values}


def multiclass():
    rng = np.random.default_rng(6)
    n = 300
    x = rng.normal(size=(n, 2)).round(4)
    colors = np.array(["red", "green", "blue"])[rng.integers(0, 3, size=n)]
    logits = np.stack([2 * x[:, 0], 2 * x[:, 1], (colors == "blue") * 2.0 - 0.5], axis=1) + rng.gumbel(size=(n, 3)) * 0.5
    y = logits.argmax(axis=1)
    classes = ["a", "b", "c"]
    with open(os.path.join(OUT, "multiclass.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["x1", "x2", "color", "class"])
        out.writerows([[f"{a:.4f}", f"{b:.4f}", c, classes[k]] for (a, b), c, k in zip(x, colors, y)])
    levels = ["blue", "green", "red"]
    design = np.hstack([x, (colors[:, None] == np.array(levels)[None, :]).astype(float)])
    w, b = softmax_fit(design, y, 3)
    nodes = [helper.make_node("Concat", ["x1", "x2"], ["numbers"], axis=1), *one_hot_nodes("color", levels, "color_onehot"),
             helper.make_node("Concat", ["numbers", "color_onehot"], ["design"], axis=1),
             helper.make_node("LinearClassifier", ["design"], ["label", "probabilities"], domain="ai.onnx.ml",
                              coefficients=[float(v) for v in f32(w.T).ravel()], intercepts=[float(v) for v in f32(b)],
                              classlabels_strings=classes, post_transform="SOFTMAX")]
    inputs = [helper.make_tensor_value_info("x1", TensorProto.FLOAT, [None, 1]),
              helper.make_tensor_value_info("x2", TensorProto.FLOAT, [None, 1]),
              helper.make_tensor_value_info("color", TensorProto.STRING, [None, 1])]
    outputs = [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])]
    save(helper.make_graph(nodes, "multiclass", inputs, outputs), "multiclass.onnx")
    requests, probabilities = [], []
    for i in range(5):
        row = np.concatenate([f32(x[i]), f32([1.0 if colors[i] == level else 0.0 for level in levels])])
        z = row @ f32(w) + f32(b)
        probabilities.append([float(v) for v in softmax(z[None, :])[0]])
        requests.append({"x1": float(x[i, 0]), "x2": float(x[i, 1]), "color": str(colors[i])})
    return {"rows": requests, "probabilities": probabilities, "label": [classes[int(np.argmax(p))] for p in probabilities]}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    expected = {"churn": churn(), "regression": regression(), "multiclass": multiclass()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote", ", ".join(sorted(os.listdir(OUT))), "to", os.path.relpath(OUT, ROOT))
