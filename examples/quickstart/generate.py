#!/usr/bin/env python3
"""Generates the quickstart's sample orders: one CSV per region, a few rows deliberately bad.

Deterministic (fixed seed), so the shipped files and a regenerated set are identical:
    python3 examples/quickstart/generate.py [ROWS_PER_REGION]
"""
import csv
import os
import random
import sys
from datetime import datetime, timedelta, timezone

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
HERE = os.path.dirname(os.path.abspath(__file__))
CUSTOMERS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne"]

# (row index, what is wrong) — each lands in keel.dead_letter with its line and reason
BAD = {
    17: "amount not a number",
    101: "date that does not exist",
    250: "missing field",
    333: "null customer",
    480: "duplicate id",
    777: "too many decimals",
}


def main():
    random.seed(42)
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for r, region in enumerate(["eu", "us", "apac"]):
        path = os.path.join(HERE, "data", f"orders-{region}.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "customer", "amount", "ts", "region"])
            for i in range(ROWS):
                oid = (r + 1) * 1_000_000 + i
                customer = random.choice(CUSTOMERS)
                amount = f"{random.randint(-500, 100_000) / 100:.2f}"
                ts = (base + timedelta(minutes=random.randint(0, 60 * 24 * 90))).strftime("%Y-%m-%dT%H:%M:%SZ")
                row = [oid, customer, amount, ts, region]
                problem = BAD.get(i)
                if problem == "amount not a number":
                    row[2] = "12,5O"
                elif problem == "date that does not exist":
                    row[3] = "2026-02-30T10:00:00Z"
                elif problem == "missing field":
                    row = row[:4]
                elif problem == "null customer":
                    row[1] = ""
                elif problem == "duplicate id":
                    row[0] = (r + 1) * 1_000_000 + 479
                elif problem == "too many decimals":
                    row[2] = "10.125"
                if i == 50:
                    row[1] = "o'brien, \"the\" customer"  # quotes and a comma: valid CSV
                w.writerow(row)


if __name__ == "__main__":
    main()
