#!/usr/bin/env python3
"""Deterministic orders CSV for the benchmarks: id,customer,amount,ts,region.

    bench/gen-orders.py OUT.csv [--rows N] [--variant V]

The same N and V always give the same bytes. Ids are 1..N (unique). --variant 1 keeps every id,
customer, ts and region and changes every amount, so an upsert of it over variant 0 updates every row.
"""
import argparse

CUSTOMERS = ["acme", "globex", "initech", "hooli", "tyrell", "cyberdyne", "wayne", "umbrella",
             "stark", "wonka", "soylent", "oscorp", "vandelay", "pied piper", "aperture", "dunder"]
REGIONS = ["eu", "us", "apac", "latam"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--variant", type=int, default=0)
    a = ap.parse_args()
    # Timestamps: minutes from 2026-01-01T00:00Z over 90 days, precomputed as strings.
    days = ["2026-%02d-%02d" % (m, d) for m in (1, 2, 3) for d in range(1, 32)
            if not (m == 2 and d > 28)][:90]
    with open(a.out, "w", newline="", buffering=1 << 20) as f:
        f.write("id,customer,amount,ts,region\n")
        lines = []
        for i in range(1, a.rows + 1):
            h = (i * 2654435761) & 0xFFFFFFFF          # Knuth's multiplicative hash: deterministic, well spread
            cents = 100 + (h % 99_900) + a.variant * 7  # 1.00 .. 999.99 (+ variant)
            minute = (h >> 8) % (90 * 1440)
            ts = "%sT%02d:%02d:00Z" % (days[minute // 1440], (minute % 1440) // 60, minute % 60)
            lines.append("%d,%s,%d.%02d,%s,%s\n" % (i, CUSTOMERS[(h >> 4) % 16], cents // 100, cents % 100,
                                                   ts, REGIONS[(h >> 20) % 4]))
            if len(lines) == 10_000:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))


if __name__ == "__main__":
    main()
