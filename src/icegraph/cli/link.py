"""icegraph link."""

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
