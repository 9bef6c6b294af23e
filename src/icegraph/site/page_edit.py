"""What the static copy of a server page adds: the script that answers queries in the
browser, links to the pages only the site has, which release it is, and, on a catalogue
question's page, the answer rendered when the site was made."""

from __future__ import annotations

import html
import re

from icegraph.site.history import Release

_TEXTAREA = re.compile(r'<textarea id="query"[^>]*>(.*?)</textarea>', re.S)
_RESULTS_TABLE = re.compile(r'<table id="results-table">.*?</table>', re.S)
_PARAM_FORM = re.compile(r'<form class="params" id="param-form".*?</form>', re.S)
_PARAM_VALUE = re.compile(r'<label for="param-[^"]*">([^<]*)</label>\s*<input [^>]*value="([^"]*)"')


def site_chrome(page: str, release: Release) -> str:
    """The site script in the head, the site's own pages in the navigation, the release
    under the header. Links are server addresses here; they are made relative after."""
    page = page.replace("</head>", '<script src="/static/site.js"></script>\n</head>', 1)
    page = page.replace(
        "</nav>",
        ' <a href="/search">Find by name</a> <a href="/identifiers">Every identifier</a>'
        ' <a href="/releases">Releases</a></nav>',
        1,
    )
    # The nav's endpoint link leads to the page that runs queries here, in the browser.
    page = page.replace(">SPARQL endpoint</a>", ">SPARQL in your browser</a>", 1)
    issued = f", issued {html.escape(release.issued)}" if release.issued else ""
    banner = (
        f'<p class="release-banner" id="release-banner">Release '
        f"<strong>{html.escape(release.version)}</strong>{issued}: a static copy; queries "
        'run in your browser. <a href="/releases">Every release</a></p>'
    )
    return page.replace("</header>", "</header>\n" + banner, 1)


def query_text(page: str) -> str | None:
    """The query the page's editor holds, as the reader will run it."""
    m = _TEXTAREA.search(page)
    return html.unescape(m.group(1)) if m else None


def with_answer(page: str, results_page: str, csv_link: str, json_link: str, rows: int) -> str:
    """A catalogue question's page with its answer already in place: the results table from
    the server's own results page, and the downloads pointing at the files written beside.
    The page no longer runs the query on opening; "Run query" runs it in the browser."""
    table = _RESULTS_TABLE.search(results_page)
    found = table.group(0) if table else "<p>No answer.</p>"
    note = (
        f'<p class="muted" id="prerendered">{rows} row{"s" if rows != 1 else ""}, answered '
        "when this release's site was made. Run the query to ask it again in your browser.</p>"
    )
    page = page.replace(' data-autorun="1"', "", 1)
    # Another value for a parameter needs the server to resolve its name: the form becomes a
    # note of the value answered for (both already escaped by the template).
    form = _PARAM_FORM.search(page)
    if form:
        values = ", ".join(f"{n} = {v}" for n, v in _PARAM_VALUE.findall(form.group(0)))
        page = page.replace(
            form.group(0),
            f'<p class="params" id="param-note">Answered for {values}. To ask for another '
            "value, change it in the query below and run the query.</p>",
            1,
        )
    page = page.replace(
        '<div id="results"></div>',
        f'<div id="results">{note}<div class="scroll">{found}</div></div>',
        1,
    )
    page = page.replace(
        '<a id="download-csv" href="#">', f'<a id="download-csv" href="{csv_link}">', 1
    )
    return page.replace(
        '<a id="download-json" href="#">', f'<a id="download-json" href="{json_link}">', 1
    )
