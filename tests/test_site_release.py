"""The static site of a real release (`icegraph release`): the claim release 1.1 withdrew
keeps its address, as a tombstone page and RDF files, and the history shows both releases
with the change log between them."""

from __future__ import annotations

import pytest
from markupsafe import escape

from icegraph.errors import InputError
from icegraph.namespaces import ID
from icegraph.site import oxigraph_js
from icegraph.site.addresses import file_for
from icegraph.site.generate import SiteResult, generate_site
from tests.releases import RETRACTION_REASON, Series, two_releases_fixture  # noqa: F401


@pytest.fixture(scope="module")
def site(two_releases: Series, tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    try:
        engine = oxigraph_js.find()
    except InputError as exc:
        pytest.skip(str(exc))
    out = tmp_path_factory.mktemp("release-site") / "site"
    return generate_site(two_releases.releases / "1.1", out, two_releases.releases, engine)


def test_a_retracted_claim_shows_its_tombstone(site: SiteResult, two_releases: Series):
    address = "/id/" + two_releases.retracted[len(ID) :]
    page_file = file_for(address)
    assert page_file is not None
    page = (site.out / page_file).read_text(encoding="utf-8")
    assert "Withdrawn on 2026-12-01 by Desk editor" in page
    assert str(escape(RETRACTION_REASON)) in page
    turtle = (site.out / page_file).with_suffix(".ttl").read_text(encoding="utf-8")
    assert "invalidatedAtTime" in turtle and "2026-12-01" in turtle
    assert site.broken == []


def test_the_history_shows_both_releases_and_the_change_log(site: SiteResult):
    history = (site.out / "releases.html").read_text(encoding="utf-8")
    assert "1.0" in history and "1.1" in history and "(this site)" in history
    log = (site.out / "releases" / "1.1.html").read_text(encoding="utf-8")
    assert "newsys" in log.casefold()  # the claim the second release added
    assert str(escape(RETRACTION_REASON)) in log  # and the one it withdrew, with why
