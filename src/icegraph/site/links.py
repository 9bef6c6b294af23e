"""The server's pages, their links made relative: each link becomes the site's file for the
address it names, so the pages read the same and work from any folder of any static host."""

from __future__ import annotations

import html
import re
from collections.abc import Set
from urllib.parse import urljoin, urlsplit

from icegraph.site.addresses import PERSISTENT, file_for, omitted
from icegraph.site.addresses import link as link_to

_LINK = re.compile(r'\b(href|src|action)="([^"]*)"')
_KEPT_SCHEMES = ("mailto:", "data:", "blob:", "javascript:")


def local_address(href: str, page_address: str) -> str | None:
    """The server address a link on the page at page_address points to, or None for
    another site's and for a link within the page."""
    if href.startswith("#") or href.lower().startswith(_KEPT_SCHEMES):
        return None
    if href.startswith(PERSISTENT):
        href = "/" + href[len(PERSISTENT) :]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    # An identifier's path is taken as the IRI writes it: resolving it as a URL would drop
    # its '.' and '..' segments and name another identifier.
    if href.startswith("/"):
        return href.split("#", 1)[0]
    if href.startswith("?"):
        return urlsplit(page_address).path + href.split("#", 1)[0]
    joined = urlsplit(urljoin(page_address, href))
    return joined.path + (f"?{joined.query}" if joined.query else "")


def rewrite(
    page: str, page_file: str, page_address: str, clashes: Set[str] = frozenset()
) -> tuple[str, set[str], set[str]]:
    """The page with every link to one of our addresses made relative to page_file; the
    addresses it links to (to be written too) and those with no static equivalent.
    `clashes` as for addresses.file_for."""
    wanted: set[str] = set()
    unmatched: set[str] = set()

    def one(m: re.Match[str]) -> str:
        link = html.unescape(m.group(2))
        address = local_address(link, page_address)
        if address is None:
            return m.group(0)
        if omitted(address):
            return f'data-server-only="{m.group(2)}"'  # shown, no longer a link
        fragment = urlsplit(link).fragment
        target = file_for(address, clashes)
        if target is None:
            unmatched.add(address)
            return m.group(0)
        wanted.add(address)
        new = link_to(target, page_file) + (f"#{fragment}" if fragment else "")
        return f'{m.group(1)}="{html.escape(new)}"'

    return _LINK.sub(one, page), wanted, unmatched
