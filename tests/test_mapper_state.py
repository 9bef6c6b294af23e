"""The state a build leaves for the next one is the mapper's state after its last input, as it
was then: the mapper writes it once the stream has ended, so nothing the derived graph and
the last checks do in between may change it."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

from icegraph.catalogue import load_catalogue
from icegraph.mapping.support import Support
from icegraph.pipeline import build, discover_inputs
from icegraph.produce import STATE_FILE, MapState, _read_resume, graph_blocks
from icegraph.publish.metadata import Typed
from icegraph.report import Report
from icegraph.resolve.gather import mark, mention_all, settle, settled_as_before
from tests.test_incremental import ADDED, KNOWN


def fields(state: MapState) -> dict[str, bytes]:
    """Each field of the state as pickled. The support tally's `touched` (which flows an
    incremental build changed) is the running build's own: set again by the build that
    resumes, so not compared."""
    out = {}
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        if isinstance(value, Support):
            touched, value.touched = value.touched, None
            out[f.name] = pickle.dumps(value)
            value.touched = touched
        else:
            out[f.name] = pickle.dumps(value)
    return out


def checked_against_the_end(data: Path, inputs: list, resume=None) -> MapState:
    """Every block made, with the state pickled when it was given and again at the end."""
    given: list[tuple[MapState, dict[str, bytes]]] = []

    def checkpoint(state: MapState, before: int | None) -> None:
        if before is None:
            given.append((state, fields(state)))

    blocks = graph_blocks(load_catalogue(data), inputs, Report(), None, checkpoint, resume)
    assert sum(len(b.triples) for b in blocks) > 0
    [(state, then)] = given
    now = fields(state)
    assert [name for name in then if now[name] != then[name]] == []
    return state


def test_the_state_of_a_full_build_is_not_changed_by_the_derived_graph(data_copy: Path):
    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    state = checked_against_the_end(data_copy, discover_inputs(data_copy))
    assert state.files[-1] == "900_added.txt"
    assert state.routing is not None and state.routing.best  # routes: something to change


def test_the_state_of_an_incremental_build_is_not_changed_by_the_derived_graph(
    data_copy: Path, tmp_path: Path
):
    out = tmp_path / "build"
    build(data_copy, out)
    added = data_copy / "raw" / "900_added.txt"
    added.write_text(ADDED, encoding="utf-8")
    resume = _read_resume(out / "current" / "state", streamed=False, rewound=False)
    state = checked_against_the_end(data_copy, [(added, "flows_table")], resume)
    assert state.files[-1] == "900_added.txt"


def test_the_state_file_reads_back_whole(data_copy: Path, tmp_path: Path):
    """What the mapper took early (the typed counts, the validator's snapshot) reads back as
    itself, with what it was when taken: the derived graph's counts are not in it."""
    out = tmp_path / "build"
    result = build(data_copy, out)
    with (out / "current" / "state" / STATE_FILE).open("rb") as fh:
        state = pickle.load(fh)  # noqa: S301 - written by the build above
    assert isinstance(state, MapState)
    assert isinstance(state.typed, Typed)
    assert isinstance(state.validator, dict)
    assert state.validator["blocks_checked"] > 0
    # taken before the derived graph, whose routes the published description counts
    assert state.routing is not None and state.routing.best
    classes = dict(state.typed.summary()["classes"])
    assert "https://w3id.org/icegraph/ns#Route" not in classes
    assert result.report.counts["information flows"] > 0


def settled_from_scratch(cat, inputs: list) -> tuple:
    return settle(mention_all(cat, inputs))


def test_an_added_input_that_repeats_known_names_settles_as_a_full_settle_does(
    data_copy: Path,
):
    """Settling is skipped when the added input's names are all repeats: the entities, their
    redirects, the conflicts and the systems with no known operator are what settling every
    name again gives."""
    cat = load_catalogue(data_copy)
    inputs = discover_inputs(data_copy)
    gathered = mention_all(cat, inputs)
    then = mark(gathered)
    names = pickle.dumps(gathered)  # as the state keeps them: before settling
    settled = pickle.dumps(settle(gathered))
    again = data_copy / "raw" / "900_known.txt"
    again.write_text(KNOWN, encoding="utf-8")
    start = pickle.loads(names)  # noqa: S301 - made above
    start[0].reattach(cat)
    fast = settled_as_before(
        mention_all(cat, [(again, "flows_table")], start), then, settled, cat, None
    )
    assert fast is not None
    full = settled_from_scratch(cat, [*inputs, (again, "flows_table")])
    assert fast[0].entities == full[0].entities
    assert fast[0].conflicts == full[0].conflicts
    assert fast[1] == full[1]
    for entity in list(full[0].entities.values()):
        for name in entity.names:
            assert fast[0].resolve(name, entity.type).id == full[0].resolve(name, entity.type).id


def test_an_added_input_with_a_name_of_its_own_is_settled_again(data_copy: Path):
    cat = load_catalogue(data_copy)
    inputs = discover_inputs(data_copy)
    gathered = mention_all(cat, inputs)
    then = mark(gathered)
    names = pickle.dumps(gathered)
    settled = pickle.dumps(settle(gathered))
    added = data_copy / "raw" / "900_added.txt"
    added.write_text(ADDED, encoding="utf-8")  # "Brand New Feed"
    start = pickle.loads(names)  # noqa: S301 - made above
    start[0].reattach(cat)
    grown = mention_all(cat, [(added, "flows_table")], start)
    assert settled_as_before(grown, then, settled, cat, None) is None
    # nor when the state kept no settled names (the checkpoint before a full build's last input)
    assert settled_as_before(gathered, mark(gathered), b"", cat, None) is None
