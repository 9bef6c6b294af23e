"""The site's 404 page: the server's own "not found" page, made to work at any depth.

A host shows 404.html at whatever address was asked for (`/graph/1.0/id/system/nope`), so a
link relative to the site's root would resolve against the wrong folder, and an absolute one
("/directory.html") is wrong under a sub-path. The page therefore carries its stylesheet inline
and a small script that finds the site's root, the nearest folder above the address that holds
the site's `static/site.js`, and points every link there. Without JavaScript the links are
right when the site is at the host's root, the usual case for the hosts that show 404.html.
"""

from __future__ import annotations

import re
from collections.abc import Set
from importlib.resources import files

from icegraph.site.links import rewrite

NAME = "404.html"
MESSAGE = "There is no page at this address in this release."
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="[^"]*style\.css">')
_SITE_SCRIPT = re.compile(r'<script src="[^"]*static/site\.js"></script>\n?')

# Finds the root by asking for static/site.js from the deepest folder up (a HEAD request each,
# at most one a folder), then rebases the links and fills the search box from the address.
_REBASE = """<script>
(function () {
  "use strict";
  var parts = location.pathname.split("/");
  var guess = decodeURIComponent(parts[parts.length - 1] || "").replace(/-/g, " ");
  var box = document.getElementById("not-found-q");
  if (box && !box.value) box.value = guess.replace(/\\.html$/, "");
  function rebase(root) {
    document.querySelectorAll("[data-site-href]").forEach(function (el) {
      var attr = el.tagName === "FORM" ? "action" : "href";
      el.setAttribute(attr, root + el.getAttribute("data-site-href"));
    });
  }
  function probe(i) {
    if (i < 1) return;
    var root = parts.slice(0, i).join("/") + "/";
    fetch(root + "static/site.js", { method: "HEAD" }).then(function (r) {
      if (r.ok) rebase(root); else probe(i - 1);
    }, function () { probe(i - 1); });
  }
  probe(parts.length - 1);
})();
</script>
"""
_RELATIVE = re.compile(r'\b(href|action)="(?![a-z]+:|#|/)([^"]*)"')


def not_found_page(page: str, clashes: Set[str] = frozenset()) -> tuple[str, set[str]]:
    """The server's not-found page (with the site's chrome) as the site's 404.html, and the
    addresses it links to. Its name search goes to the site's search page."""
    page = page.replace('action="/directory"', 'action="/search"', 1)
    text, wanted, _ = rewrite(page, NAME, "/" + NAME, clashes)
    style = (files("icegraph.serve") / "static" / "style.css").read_text(encoding="utf-8")
    text = _STYLESHEET.sub(lambda _: f"<style>\n{style}</style>", text, count=1)
    text = _SITE_SCRIPT.sub("", text, count=1)
    # Each link keeps its address from the root in data-site-href, for the script to rebase.
    text = _RELATIVE.sub(lambda m: f'{m.group(0)} data-site-href="{m.group(2)}"', text)
    text = text.replace("</body>", _REBASE + "</body>", 1)
    return text, wanted
