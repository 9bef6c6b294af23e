"""Content negotiation without a server: rules for the common static hosts that send
`/id/x` to `id/x.html`, `.ttl`, `.jsonld` or `.nt` by the Accept header (docs/site.md).

The rules match media types in the Accept header by substring and ignore q-values: a browser
(which asks for text/html first) gets the page, an RDF client asking for one RDF type gets that
file. Netlify's and Cloudflare's `_redirects` cannot look at headers at all: there the address
without a suffix is the page, and RDF clients use the file addresses (`id/x.ttl`).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from urllib.parse import quote, unquote

from icegraph.site.addresses import name_of

# (old path, new path) below /id/, as the IRIs write them: dcterms:isReplacedBy
Moves = Sequence[tuple[str, str]]

# (media type, suffix), most specific first; HTML is the default.
RDF_TYPES = (
    ("text/turtle", ".ttl"),
    ("application/ld+json", ".jsonld"),
    ("application/n-triples", ".nt"),
)
# Addresses that have a page and RDF files beside it.
NEGOTIATED = r"(id/.+|dataset|dataset/.+|ns|ns/.+)"
TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".trig": "application/trig; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples; charset=utf-8",
    ".sha256": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".wasm": "application/wasm",
}


def _pattern(media: str) -> str:
    """A media type as a regular expression ('+' is a quantifier there)."""
    return media.replace("+", "\\+")


def asked(path: str) -> str:
    """The path a host matches for a request of /id/<path>: percent-decoded."""
    return "/id/" + unquote(path)


def target(path: str, clashes: Set[str] = frozenset()) -> str:
    """Where a moved identifier now is: its new address (the file's name without a suffix,
    which the negotiation rules complete), encoded so no rule syntax reads it."""
    return "/id/" + quote(name_of(path, clashes), safe="/-._~")


def _pcre(path: str) -> str:
    """A decoded path as a regular expression of its bytes (Apache matches bytes)."""
    keep = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-"
    return "".join(chr(b) if b in keep else f"\\x{b:02x}" for b in path.encode("utf-8"))


def htaccess(moves: Moves = (), clashes: Set[str] = frozenset()) -> str:
    """Apache (mod_rewrite, mod_headers, mod_mime), from the site's own folder: the rules
    are relative, so they work at a host's root and under a sub-path."""
    lines = [
        "# icegraph static site: content negotiation for Apache (docs/site.md)",
        "Options -MultiViews",
        "DirectoryIndex index.html",
        "DirectorySlash Off",
    ]
    lines += [f"AddType {t.split(';')[0]} {s}" for s, t in TYPES.items()]
    lines += [
        "AddCharset utf-8 .ttl .trig .nt .md",
        "",
        "RewriteEngine On",
        "# The address of this folder as the browser asks for it, without its leading '/'",
        "# (the site may sit under a sub-path), for the redirects and the 404 page below.",
        "RewriteCond %{REQUEST_URI}::$1 ^/(.*?)(.*)::\\2$",
        "RewriteRule ^(.*)$ - [E=ICEGRAPH_BASE:%1]",
        "ErrorDocument 404 /%{reqenv:ICEGRAPH_BASE}404.html",
    ]
    if moves:
        lines.append("# identifiers that moved (dcterms:isReplacedBy): for good")
    for old, new in moves:
        lines.append(
            f'RewriteRule "^{_pcre(asked(old)[1:])}$" '
            f'"/%{{ENV:ICEGRAPH_BASE}}{target(new, clashes)[1:]}" [R=301,NE,L]'
        )
    for media, suffix in RDF_TYPES:
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {_pattern(media)}",
            f"RewriteCond %{{REQUEST_FILENAME}}{suffix} -f",
            f"RewriteRule ^{NEGOTIATED}$ $1{suffix} [L]",
        ]
    lines += [
        "RewriteCond %{REQUEST_FILENAME}.html -f",
        f"RewriteRule ^{NEGOTIATED}$ $1.html [L]",
        "RewriteRule ^sparql/?$ index.html [L]",
        "",
        "<IfModule mod_headers.c>",
        "  # what a cache keeps for an IRI depends on what was asked for",
        '  <FilesMatch "\\.(html|ttl|jsonld|nt)$">',
        "    Header merge Vary Accept",
        "  </FilesMatch>",
        '  Header set Access-Control-Allow-Origin "*"',
        "</IfModule>",
        "",
    ]
    return "\n".join(lines)


def redirects(moves: Moves = (), clashes: Set[str] = frozenset()) -> str:
    """Netlify / Cloudflare Pages `_redirects`: moved identifiers (301), then rewrites
    (status 200) to the page. Both hosts show 404.html for an address with no file."""
    moved = [f"{quote(asked(o), safe='/-._~')}  {target(n, clashes)}.html  301" for o, n in moves]
    return "\n".join(
        [
            "# icegraph static site (docs/site.md). These hosts cannot choose by the Accept",
            "# header: /id/x is the page; RDF is at /id/x.ttl, /id/x.jsonld, /id/x.nt.",
            *moved,
            "/sparql      /index.html        200",
            "/dataset     /dataset.html      200",
            "/dataset/*   /dataset/:splat.html 200",
            "/ns          /ns.html           200",
            "/ns/*        /ns/:splat.html    200",
            "/id/*        /id/:splat.html    200",
            "",
        ]
    )


def headers() -> str:
    """Netlify / Cloudflare Pages `_headers`: the media types of the RDF files."""
    out = ["# icegraph static site: media types of the RDF files (docs/site.md)"]
    for suffix, media in TYPES.items():
        out += [f"/*{suffix}", f"  Content-Type: {media}", "  Access-Control-Allow-Origin: *"]
    return "\n".join(out) + "\n"


def _nginx_string(text: str) -> str:
    """A quoted nginx string (an exact location is not a script: '$' stays as it is)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx(moves: Moves = (), clashes: Set[str] = frozenset()) -> str:
    """An nginx snippet to `include` in the server block whose root is the site. It chooses
    with `set` and `if` rather than a `map`, which would have to go in the http block."""
    # Later ifs win: the most specific type is tested last.
    cases = "\n".join(
        f'if ($http_accept ~* "{_pattern(m)}") {{ set $icegraph_suffix "{s}"; }}'
        for m, s in reversed(RDF_TYPES)
    )
    moved = "".join(
        f"location = {_nginx_string(asked(o))} {{ return 301 {target(n, clashes)}; }}\n"
        for o, n in moves
    )
    types = "\n".join(f"    {t.split(';')[0]} {s[1:]};" for s, t in TYPES.items())
    return f"""# icegraph static site for nginx (docs/site.md): `include` this file in the server
# block whose root is the site. Content negotiation, moved identifiers, the 404 page.
set $icegraph_suffix ".html";
{cases}

types {{
{types}
    text/html html;
    application/javascript js;
    application/json json;
    text/css css;
    image/svg+xml svg;
}}

location ~ ^/{NEGOTIATED}$ {{
    add_header Vary Accept;
    add_header Access-Control-Allow-Origin *;
    try_files $uri$icegraph_suffix $uri $uri.html =404;
}}
location = /sparql {{ try_files /index.html =404; }}
error_page 404 /404.html;
{moved}"""


def all_rules(moves: Moves = (), clashes: Set[str] = frozenset()) -> dict[str, str]:
    """Every rule file, by the name it has in the site; `clashes` as for addresses.file_for."""
    return {
        ".htaccess": htaccess(moves, clashes),
        "_redirects": redirects(moves, clashes),
        "_headers": headers(),
        "nginx.conf": nginx(moves, clashes),
    }
