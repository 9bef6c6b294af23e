// The static site's own script. Queries run in the reader's browser with Oxigraph's
// WebAssembly build, loaded from this site (never a CDN) with the release's TriG dump; the
// query page (static/query.js) asks through window.icegraphLocal. Also the name search over
// search.json, and the directory's filter form sent to it. Every value reaches a page as text.
(function () {
  "use strict";
  const CONFIG = /*CONFIG*/{};
  const ID = "https://w3id.org/icegraph/id/";
  const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
  // The site's root, from this script's own address: the site works under any sub-path.
  const root = new URL("../", document.currentScript.src);
  const timings = (window.icegraphTimings = {});
  let loading = null;

  function at(path) { return new URL(path, root).href; }
  function pageOf(iri) { return at("id/" + iri.slice(ID.length) + ".html"); }
  function megabytes(n) { return (n / 1048576).toFixed(1) + " MB"; }

  async function engine(say) {
    if (!loading) {
      loading = (async () => {
        if (CONFIG.dataBytes > CONFIG.limit && !window.confirm(
          "Running queries here loads the whole release (" + megabytes(CONFIG.dataBytes) +
          ") into this tab. The catalogue's answers are already on their pages. Load it anyway?")) {
          throw new Error("not loaded: the release is " + megabytes(CONFIG.dataBytes) +
            "; the catalogue's questions have their answers pre-rendered on their pages");
        }
        const started = performance.now();
        say("loading the query engine…");
        const ox = await import(at("static/oxigraph/web.js"));
        await ox.default({ module_or_path: at("static/oxigraph/web_bg.wasm") });
        say("loading release " + CONFIG.release + " (" + megabytes(CONFIG.dataBytes) + ")…");
        const res = await fetch(at(CONFIG.data));
        if (!res.ok) throw new Error("could not load " + CONFIG.data + ": HTTP " + res.status);
        const text = await res.text();
        const store = new ox.Store();
        store.load(text, { format: "application/trig" });
        timings.loadMs = performance.now() - started;
        timings.quads = store.size;
        return store;
      })();
      loading.catch(() => { loading = null; });  // a refused or failed load may be retried
    }
    return loading;
  }

  function term(t) {
    if (t.termType === "NamedNode") return { type: "uri", value: t.value };
    if (t.termType === "BlankNode") return { type: "bnode", value: t.value };
    const out = { type: "literal", value: t.value };
    if (t.language) out["xml:lang"] = t.language;
    else if (t.datatype && t.datatype.value !== XSD_STRING) out.datatype = t.datatype.value;
    return out;
  }

  // SPARQL JSON results, as the server's endpoint answers; a graph as subject/predicate/object.
  async function select(text, say) {
    const store = await engine(say || (() => {}));
    const started = performance.now();
    const options = { use_default_graph_as_union: true };
    let data;
    try {
      data = JSON.parse(store.query(text, { ...options, results_format: "application/sparql-results+json" }));
    } catch (err) {
      if (!/RDF format/.test(String(err))) throw err;
      const quads = store.query(text, options);
      data = {
        head: { vars: ["subject", "predicate", "object"] },
        results: { bindings: quads.map((q) => ({ subject: term(q.subject), predicate: term(q.predicate), object: term(q.object) })) },
      };
    }
    timings.queryMs = performance.now() - started;
    return data;
  }

  // Downloads of the answer just shown, made here: there is no endpoint to link to.
  async function downloads(text) {
    const store = await engine(() => {});
    const made = {};
    for (const [name, media] of [["csv", "text/csv"], ["json", "application/sparql-results+json"]]) {
      try {
        const body = store.query(text, { use_default_graph_as_union: true, results_format: media });
        made[name] = URL.createObjectURL(new Blob([body], { type: media }));
      } catch (err) {
        made[name] = null;  // a graph has no CSV: the link stays as it was
      }
    }
    return made;
  }

  window.icegraphLocal = { select: select, href: pageOf, downloads: downloads, config: CONFIG };

  function search(box, list, status, index) {
    const wanted = box.value.trim().toLocaleLowerCase();
    list.textContent = "";
    if (!wanted) { status.textContent = index.length + " names"; return; }
    const names = (e) => [e.n].concat(e.a).map((n) => n.toLocaleLowerCase());
    // a name that is the words typed first, then one that starts with them, then the rest
    const rank = (e) => Math.min(...names(e).map((n) => (n === wanted ? 0 : n.startsWith(wanted) ? 1 : 2)));
    const found = index.filter((e) => names(e).some((n) => n.includes(wanted)))
      .map((e) => [rank(e), e]).sort((x, y) => x[0] - y[0]).map((x) => x[1]);
    found.slice(0, 200).forEach((e) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = at("id/" + e.p + ".html");
      a.textContent = e.n;
      li.appendChild(a);
      const small = document.createElement("small");
      small.className = "muted";
      small.textContent = " " + e.k + (e.a.length ? " · also " + e.a.join(", ") : "");
      li.appendChild(small);
      list.appendChild(li);
    });
    status.textContent = found.length + (found.length === 1 ? " match" : " matches") +
      (found.length > 200 ? " (the first 200 shown)" : "");
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const box = document.getElementById("site-search");
    if (box) {
      const list = document.getElementById("site-search-results");
      const status = document.getElementById("site-search-status");
      box.value = new URLSearchParams(location.search).get("q") || "";
      const res = await fetch(at("search.json"));
      const index = await res.json();
      const again = () => search(box, list, status, index);
      box.addEventListener("input", again);
      document.getElementById("site-search-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        history.replaceState(null, "", "?q=" + encodeURIComponent(box.value));
        again();
      });
      again();
    }
    // The directory's filters need the server; its name field goes to the search instead.
    const filters = document.querySelector("form.filters");
    if (filters) {
      filters.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const q = new FormData(filters).get("q") || "";
        location.href = at("search.html") + "?q=" + encodeURIComponent(q);
      });
    }
  });
})();
