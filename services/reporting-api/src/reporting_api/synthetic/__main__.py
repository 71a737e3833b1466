"""Make synthetic force-years and publish them to NATS JetStream or write them as NDJSON.

    python -m reporting_api.synthetic --forces 5 --years 2 --nats nats://127.0.0.1:4222
    python -m reporting_api.synthetic --forces demo,north-force --out history.ndjson

Each force is generated from its own seed (`--seed` plus its position), so the same command makes
the same events; the period ends today unless `--start` says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from contracts import CloudEvent
from reporting_api.synthetic.events import unopenable_sealed_field
from reporting_api.synthetic.generator import force_years
from reporting_api.synthetic.publish import publish, write_ndjson


def force_names(forces: str) -> list[str]:
    """`5` is five forces named force-1 ... force-5; otherwise a comma-separated list."""
    if forces.isdigit():
        return [f"force-{n}" for n in range(1, int(forces) + 1)]
    return [name.strip() for name in forces.split(",") if name.strip()]


def histories(
    forces: Sequence[str],
    *,
    start: date,
    years: int,
    referrals_per_year: int,
    seed: int,
    now: datetime,
) -> Iterator[list[CloudEvent]]:
    """Every force's journeys, one force after another, sharing one sealed contact."""
    sealed = unopenable_sealed_field()
    return itertools.chain.from_iterable(
        force_years(
            force,
            start=start,
            years=years,
            referrals_per_year=referrals_per_year,
            seed=seed + n,
            now=now,
            sealed=sealed,
        )
        for n, force in enumerate(forces)
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m reporting_api.synthetic", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--forces", default="demo", help="a number of forces, or their ids, comma-separated"
    )
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--referrals-per-year", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start", type=date.fromisoformat, help="first day (default: years before today)"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--nats", metavar="URL", help="publish to this NATS server's JetStream")
    target.add_argument("--out", type=Path, metavar="FILE", help="write NDJSON to FILE")
    args = parser.parse_args(argv)
    if not force_names(args.forces):
        parser.error("--forces names no force")
    if args.years < 1 or args.referrals_per_year < 1:
        parser.error("--years and --referrals-per-year must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    now = datetime.now(UTC)
    forces = force_names(args.forces)
    journeys = histories(
        forces,
        start=args.start or (now - timedelta(days=365 * args.years)).date(),
        years=args.years,
        referrals_per_year=args.referrals_per_year,
        seed=args.seed,
        now=now,
    )
    started = time.perf_counter()
    if args.nats:
        count = asyncio.run(publish(args.nats, journeys))
        where = f"published to {args.nats}"
    else:
        count = write_ndjson(args.out, journeys)
        where = f"written to {args.out}"
    print(
        f"{count} events of {len(forces)} force(s) x {args.years} year(s) {where} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
