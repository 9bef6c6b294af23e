// The static site's own script. Queries run in the reader's browser with Oxigraph's
// WebAssembly build, loaded from this site (never a CDN) with the release's TriG dump; the
// query page (static/query.js) asks through window.icegraphLocal. Also the name search over
// search.json, and the directory's filter form sent to it. Every value reaches a page as text.
(function () {
  "use strict";
  const CONFIG = /*CONFIG*/{};
  const ID = "https://w3id.org/icegraph/id/";
  // The site's root, from this script's own address: the site works under any sub-path.
  const root = new URL("../", document.currentScript.src);
  const timings = (window.icegraphTimings = {});

  function at(path) { return new URL(path, root).href; }
  // An identifier's page is id/<its path>.html; one whose path is no safe file name has an
  // escaped name, listed in CONFIG.pages (addresses.py).
  function fileOf(path) {
    const odd = CONFIG.pages || {};
    return at("id/" + (Object.prototype.hasOwnProperty.call(odd, path) ? odd[path] : path) + ".html");
  }
  function pageOf(iri) { return fileOf(iri.slice(ID.length)); }
  function megabytes(n) { return (n / 1048576).toFixed(1) + " MB"; }

  // The engine runs in a worker (static/sparql-worker.js): the page stays usable while a
  // query runs, and a query past the time limit is stopped by ending the worker, as the
  // server stops its own; the next query loads the data again.
  let worker = null;
  let ready = null;
  let say = () => {};
  const pending = new Map();
  let nextId = 1;

  function stop(reason) {
    if (worker) worker.terminate();
    worker = null;
    ready = null;
    pending.forEach((p) => p.reject(new Error(reason)));
    pending.clear();
  }

  function engine() {
    if (!ready) {
      ready = new Promise((resolve, reject) => {
        if (CONFIG.dataBytes > CONFIG.limit && !window.confirm(
          "Running queries here loads the whole release (" + megabytes(CONFIG.dataBytes) +
          ") into this tab. The catalogue's answers are already on their pages. Load it anyway?")) {
          reject(new Error("not loaded: the release is " + megabytes(CONFIG.dataBytes) +
            "; the catalogue's questions have their answers pre-rendered on their pages"));
          return;
        }
        const started = performance.now();
        say("loading the query engine…");
        worker = new Worker(at("static/sparql-worker.js"), { type: "module" });
        worker.onmessage = (event) => {
          const m = event.data;
          if (m.kind === "status") return say(m.text);
          if (m.kind === "ready") {
            timings.loadMs = performance.now() - started;
            timings.quads = m.quads;
            return resolve();
          }
          if (m.kind === "failed") return reject(new Error(m.error));
          const asked = pending.get(m.id);
          if (!asked) return;
          pending.delete(m.id);
          if (m.error) asked.reject(new Error(m.error));
          else asked.resolve(m.result);
        };
        worker.onerror = (event) => reject(new Error(event.message || "the query engine did not start"));
        worker.postMessage({
          kind: "load", engine: at("static/oxigraph/web.js"), wasm: at("static/oxigraph/web_bg.wasm"),
          data: at(CONFIG.data),
          loading: "loading release " + CONFIG.release + " (" + megabytes(CONFIG.dataBytes) + ")…",
        });
      });
      ready.catch((err) => stop(String(err.message || err)));  // a refused or failed load may be retried
    }
    return ready;
  }

  function ask(kind, text) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => stop("stopped after " + CONFIG.timeout + " s: the query took too long; " +
        "add a LIMIT or narrow it (the data loads again on the next run)"), CONFIG.timeout * 1000);
      const done = (f) => (value) => { clearTimeout(timer); f(value); };
      pending.set(id, { resolve: done(resolve), reject: done(reject) });
      worker.postMessage({ kind: kind, id: id, text: text });
    });
  }

  // SPARQL JSON results, as the server's endpoint answers; a graph as subject/predicate/object.
  async function select(text, told) {
    say = told || (() => {});
    await engine();
    say("running…");
    const started = performance.now();
    const data = await ask("select", text);
    timings.queryMs = performance.now() - started;
    return data;
  }

  // Downloads of the answer just shown, made here: there is no endpoint to link to.
  async function downloads(text) {
    await engine();
    const made = await ask("files", text);
    const url = (body, media) => (body === null ? null : URL.createObjectURL(new Blob([body], { type: media })));
    return { csv: url(made.csv, "text/csv"), json: url(made.json, "application/sparql-results+json") };
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
      a.href = fileOf(e.p);
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
