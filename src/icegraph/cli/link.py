"""icegraph link and icegraph same-as: matches proposed for a person to review."""

from __future__ import annotations

from pathlib import Path

import click

from icegraph.cli.options import path_option, store_option


@click.command("link")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@path_option(
    "--review", "review_path", "data/wikidata-links.csv", "The review file to update.", False
)
@path_option(
    "--wikidata-dir",
    "wikidata_dir",
    "data/wikidata",
    "Where the entity files are when no FILES are given.",
)
@click.option("--online", is_flag=True, help="Also ask Wikidata's API (wbsearchentities).")
@click.option(
    "--api",
    default="https://www.wikidata.org/w/api.php",
    show_default=True,
    help="The API's base URL, with --online.",
)
@path_option(
    "--cache", "cache_dir", "build/wikidata-cache", "Where API answers are cached, with --online."
)
@click.option("--rate", default=1.0, show_default=True, help="Seconds between API requests.")
def link_command(
    files: tuple[Path, ...],
    store_dir: Path,
    review_path: Path,
    wikidata_dir: Path,
    online: bool,
    api: str,
    cache_dir: Path,
    rate: float,
) -> None:
    """Propose Wikidata matches for the graph's entities, for a person to review.

    Reads Wikidata entity exports (Special:EntityData .rdf/.json) as they are, scores each
    candidate with its evidence, and updates the review file: rows a person marked
    accepted or rejected are kept as they are and never proposed again. Only accepted
    rows become owl:sameAs links at the next build.

    \b
    Example:
      icegraph link                                  # the files in data/wikidata/
      icegraph link --online --rate 1.0              # and Wikidata's API
    """
    from icegraph.link.match import ACCEPT_THRESHOLD, rank
    from icegraph.link.ours import linkable_entities
    from icegraph.link.propose import merge
    from icegraph.link.review import read_review, write_review
    from icegraph.readers.wikidata import read_pool
    from icegraph.store import open_store

    paths = list(files) or sorted(
        p for p in wikidata_dir.glob("*") if p.suffix in (".rdf", ".json")
    )
    pool = read_pool(paths)
    for line in pool.repairs:
        click.echo(f"repaired: {line}", err=True)
    entities = linkable_entities(open_store(store_dir, read_only=True))
    if online:
        from icegraph.link.online import WikidataAPI, gather_online

        client = WikidataAPI(api, cache_dir, min_interval=rate)
        gather_online(client, [e.label for e in entities], pool)
        click.echo(
            f"Wikidata API: {client.requests} request(s), {client.cache_hits} from cache", err=True
        )
    proposals = rank(entities, pool)
    rows = merge(read_review(review_path), proposals)
    write_review(review_path, rows)
    strong = sum(1 for cs in proposals.values() if cs[0].score >= ACCEPT_THRESHOLD)
    counts = {s: sum(r.status == s for r in rows) for s in ("accepted", "rejected", "proposed")}
    click.echo(
        f"{len(entities)} entities, {len(pool.items)} Wikidata items from {len(paths)} file(s); "
        f"{strong} entities with a candidate at or above {ACCEPT_THRESHOLD}."
    )
    click.echo(
        f"{review_path}: {counts['accepted']} accepted, {counts['rejected']} rejected, "
        f"{counts['proposed']} proposed for review."
    )


@click.command("same-as")
@store_option
@path_option("--review", "review_path", "data/same-as.csv", "The review file to update.", False)
def same_as_command(store_dir: Path, review_path: Path) -> None:
    """Propose possible duplicates among the graph's entities, for a person to review.

    Names that are the same name after normalisation were merged by the build already; this
    looks for names that only resemble each other (a shared acronym, shared words, a close
    spelling, the same operator), scores each pair with its evidence and updates the review
    file. Rows a person marked accepted or rejected are kept as they are and never proposed
    again; open rows are refreshed, or dropped when they no longer score. Only accepted rows
    fold one entity into the other, at the next build.

    \b
    Example:
      icegraph build && icegraph same-as
      # edit data/same-as.csv: set status to accepted or rejected, with reviewer and date
      icegraph build                                 # accepted rows fold the second id
    """
    from icegraph.resolve.same_as import (
        accepted_pairs,
        decided_pairs,
        merge,
        read_same_as,
        write_same_as,
    )
    from icegraph.resolve.similar import PROPOSE_THRESHOLD, entities_in_store, propose
    from icegraph.store import open_store

    existing = read_same_as(review_path)
    folded = accepted_pairs(existing)
    # An entity folded by an accepted row is a name of its canonical entity now.
    entities = [
        e for e in entities_in_store(open_store(store_dir, read_only=True)) if e.id not in folded
    ]
    merged = merge(existing, propose(entities, decided_pairs(existing)))
    write_same_as(review_path, merged.rows)
    waiting = sum(r.status == "proposed" for r in merged.rows)
    click.echo(
        f"{len(entities)} entities compared; pairs scoring {PROPOSE_THRESHOLD} or more are "
        "proposed."
    )
    click.echo(f"{review_path}: {merged.summary()}; {waiting} open for review.")
