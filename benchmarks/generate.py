"""Synthetic inputs shaped like data/raw/, for benchmarks: flows tables and dossier pages.

    python benchmarks/generate.py --rows 100000 --seed 1 --out /tmp/icegraph-100k

writes a complete data folder (raw/ plus the curated tables from data/) that `icegraph build
--data` reads. The flows tables keep the real file's quirks: three tables per file with
repeated headers and blank lines, Cyrillic look-alike letters in 'ICM', misspelled agency
names, N/A placeholders, HTML in citation cells and several citations run together. Systems
form chains that end in ICM, so reachability queries have real paths to follow; as in the real
table, each system keeps one full name, one operating agency and one role towards ICM (feeds
it, receives from it, or both) on every row. One dossier page in the real format is written
per 10,000 rows.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "Source\tDestination\tFull name\tSource Database Classification\tInformation Sharing Types\t"
    "Agency/Owner\tSub-Agency\tInformation Collected/Provided\tReference"
)
HUBS = ["ICM", "\u0406\u0421\u041c"]  # Latin, and Cyrillic look-alikes that fold to ICM
AGENCIES = [
    ("Department of Homeland Security", "Immigration and Customs Enforcement"),
    ("Department of Homeland Security", "Customs and Border Patrol"),
    ("Department of Justice", "Federal Bureau of Investigations"),
    ("Department of Justice", "Drug Enforcement Agency"),
    ("Department of Justice", "Bureau of Alcohol, Tobacco, Firearms and Explosives"),
    ("Department of State", "Bureau of Consular Affairs"),
    ("Interpol", "N/A"),
    ("National Insurance Crime Bureau", "N/A"),
]
CITATIONS = [
    "ICE Investigative Case Management DHS/ICE/PIA-045",
    "ICE TECS Modernization Program Operational Requirements Document",
    "Who's Behind ICE? <i>Mijente</i>",
    "The Intercept, Spencer Woodman",
    "Statement of Objectives",
]
DESCRIPTIONS = [
    "ICM users may query {s} from within ICM for subject records and border crossings.",
    "ICM users may search {s} from within ICM and either directly import or manually copy data.",
    "{s} receives a direct feed once every 24 hours containing a refresh of ICM data.",
    "Provides information on lookouts by name/DOB to investigators using {s}.",
    "Event and subject information related to investigations, held in {s}.",
]
WORDS = [
    "Case",
    "Border",
    "Records",
    "Subject",
    "Targeting",
    "Intelligence",
    "Identity",
    "Biometric",
    "Travel",
    "Financial",
    "Vehicle",
    "Telecom",
    "Watchlist",
    "Detention",
]


def system_name(i: int) -> str:
    return f"SYS{i:06d}"


def system_count(rows: int) -> int:
    """How many systems `rows` flow rows name: eight rows a system on average."""
    return max(10, rows // 8)


# A system's traits are the same on every row: worked out once, not on each of its rows.
@cache
def full_name(system: str) -> str:
    """One full name per system, as in the real table, where a system keeps its name."""
    rng = random.Random(system)
    return "N/A" if rng.random() < 0.02 else " ".join(rng.sample(WORDS, 3)) + " System"


@cache
def role(system: str) -> str:
    """How a system trades data with ICM, the same on every row that names it, in about the
    real table's proportions (16 systems feed ICM, 4 receive from it, 1 does both)."""
    r = random.Random(system + "/role").random()
    return "Inbound" if r < 0.75 else "Outbound" if r < 0.95 else "Bi-directional"


@cache
def operator(system: str) -> tuple[str, str]:
    """The one agency and sub-agency that run a system (a row may still leave the sub-agency
    out, as the real table does)."""
    return random.Random(system + "/agency").choice(AGENCIES)


def row(rng: random.Random, source: str, dest: str, sharing: str) -> str:
    other = dest if source.startswith(("ICM", "\u0406")) else source
    agency, sub = operator(other)
    if rng.random() < 0.03:
        sub = "N/A"
    refs = rng.sample(CITATIONS, rng.choice((1, 1, 2, 3)))
    desc = rng.choice(DESCRIPTIONS).format(s=other)
    name = full_name(other)
    classification = "Commercial" if agency.startswith("National Insurance") else "Government"
    return "\t".join(
        (source, dest, name, classification, sharing, agency, sub, desc, " ".join(refs))
    )


def flows_file(path: Path, rng: random.Random, start: int, count: int, systems: int) -> None:
    """`count` rows in three tables; ~70 % touch ICM, the rest chain systems towards it."""
    lines = []
    per_table = max(1, count // 3)
    for n in range(count):
        if n % per_table == 0 and n // per_table < 3:
            if lines:
                lines.append("")
            lines.append(HEADER)
        i = start + n
        hub = rng.choice(HUBS) if rng.random() < 0.05 else "ICM"
        a = system_name(i % systems)
        if rng.random() < 0.7:
            sharing = role(a)
            src, dst = (hub, a) if sharing == "Outbound" and rng.random() < 0.8 else (a, hub)
        else:
            # a system feeding one with a lower number: chains that end at systems feeding ICM
            target = system_name(rng.randrange(0, max(1, i % systems))) if i % systems else hub
            src, dst, sharing = a, target, "Inbound"
        lines.append(row(rng, src, dst, sharing))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def dossier(path: Path, rng: random.Random, n: int) -> None:
    seed = (ROOT / "data" / "raw" / "004_5faac12a7c82fa76.txt").read_text(encoding="utf-8")
    # Same format, another subject: the reader must take it with no code change.
    text = seed.replace(
        "US Immigration and Customs Enforcement (ICE)", f"Example Agency {n} (EA{n})"
    )
    path.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows-per-file", type=int, default=250_000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    raw = args.out / "raw"
    if args.out.exists():
        shutil.rmtree(args.out)
    raw.mkdir(parents=True)
    for csv in (ROOT / "data").glob("*.csv"):
        if csv.name != "wikidata-links.csv":
            shutil.copy(csv, args.out / csv.name)
    # corrections naming the seed's files would name files this collection does not have
    table = (args.out / "corrections.csv").read_text(encoding="utf-8").splitlines(True)
    kept = [line for i, line in enumerate(table) if i == 0 or line.startswith("*,")]
    (args.out / "corrections.csv").write_text("".join(kept), encoding="utf-8")
    systems = system_count(args.rows)
    done = 0
    part = 0
    while done < args.rows:
        count = min(args.rows_per_file, args.rows - done)
        flows_file(raw / f"flows-{part:03d}.txt", rng, done, count, systems)
        done += count
        part += 1
    for n in range(max(1, args.rows // 10_000)):
        dossier(raw / f"dossier-{n:04d}.txt", rng, n)
    print(
        f"{args.rows:,} flow rows in {part} file(s), {max(1, args.rows // 10_000)} dossier(s), "
        f"{systems:,} systems: {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
