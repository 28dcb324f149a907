#!/usr/bin/env python3
"""Make the sample churn dataset: samples/churn/customers.csv.

What it makes: a small, real-looking binary-classification table of 2,000 telecom
customers (plus a few exact duplicate rows), one row per customer, label `churned`
(yes/no). Columns:

    customer_id        C00001 ... (an identifier; exclude it from the features)
    tenure_months      1-72
    monthly_charges    18.25-118.75
    total_charges      roughly tenure x monthly charges
    contract           month-to-month | one-year | two-year
    payment_method     electronic check | mailed check | bank transfer | credit card
    internet_service   fiber optic | dsl | none
    region             north | south | east | west
    support_calls      0-9 in the last year
    senior_citizen     yes | no
    paperless_billing  yes | no
    churned            yes | no   (the label)

Churn depends on the features the way real churn tends to (short tenure, month-to-month
contracts, electronic checks, fiber, many support calls and high charges raise it), with
noise, so a model can learn it but not perfectly. About 2% of cells in a few columns
are missing (empty, or "NA" in total_charges, as exports often write it), and 1% of
rows are exact copies of earlier rows, so the cleaning step has work to do.

Deterministic: a fixed seed, so running it again gives the same bytes.
Python 3.11 standard library only.

Run from the repository root:

    python3 scripts/make_sample_data.py            # writes samples/churn/customers.csv
    python3 scripts/make_sample_data.py --rows 500 --out /tmp/customers.csv
"""

import argparse
import csv
import math
import pathlib
import random

SEED = 20240611
COLUMNS = [
    "customer_id", "tenure_months", "monthly_charges", "total_charges", "contract",
    "payment_method", "internet_service", "region", "support_calls", "senior_citizen",
    "paperless_billing", "churned",
]


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def customer(rng: random.Random, number: int) -> list[str]:
    contract = rng.choices(["month-to-month", "one-year", "two-year"], weights=[55, 25, 20])[0]
    tenure = max(1, min(72, int(rng.expovariate(1 / (12 if contract == "month-to-month" else 36))) + 1))
    internet = rng.choices(["fiber optic", "dsl", "none"], weights=[44, 34, 22])[0]
    base = {"fiber optic": 80.0, "dsl": 55.0, "none": 22.0}[internet]
    monthly = round(min(118.75, max(18.25, rng.gauss(base, 12))) * 4) / 4
    total = round(monthly * tenure * rng.uniform(0.95, 1.02), 2)
    payment = rng.choice(["electronic check", "mailed check", "bank transfer", "credit card"])
    region = rng.choice(["north", "south", "east", "west"])
    calls = min(9, poisson(rng, 1.2 + (0.8 if internet == "fiber optic" else 0)))
    senior = rng.random() < 0.16
    paperless = rng.random() < 0.6

    logit = (-1.9
             - 0.045 * tenure
             + {"month-to-month": 1.3, "one-year": 0.0, "two-year": -1.4}[contract]
             + (0.6 if payment == "electronic check" else 0.0)
             + (0.5 if internet == "fiber optic" else 0.0)
             + 0.35 * calls
             + 0.012 * (monthly - 65)
             + (0.3 if senior else 0.0)
             + (0.2 if paperless else 0.0)
             + (0.15 if region == "south" else 0.0))
    churned = rng.random() < 1 / (1 + math.exp(-logit))

    row = [
        f"C{number:05d}", str(tenure), f"{monthly:.2f}", f"{total:.2f}", contract, payment,
        internet, region, str(calls), "yes" if senior else "no", "yes" if paperless else "no",
        "yes" if churned else "no",
    ]
    # Missing values, as real exports have them.
    for column, token in ((2, ""), (3, "NA"), (5, ""), (7, ""), (8, "")):
        if rng.random() < 0.02:
            row[column] = token
    return row


def make(rows: int, seed: int = SEED) -> list[list[str]]:
    rng = random.Random(seed)
    table: list[list[str]] = []
    number = 0
    while len(table) < rows:
        if len(table) > 20 and rng.random() < 0.01:
            table.append(list(rng.choice(table)))  # an exact duplicate, e.g. a row exported twice
        else:
            number += 1
            table.append(customer(rng, number))
    return table


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description="Make the sample churn dataset.")
    parser.add_argument("--rows", type=int, default=2000, help="data rows, duplicates included (default 2000)")
    parser.add_argument("--out", type=pathlib.Path, default=root / "samples" / "churn" / "customers.csv")
    args = parser.parse_args()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(make(args.rows))
    print(f"wrote {args.rows} rows to {args.out}")


if __name__ == "__main__":
    main()
