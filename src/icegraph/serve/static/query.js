// The query page: editor, syntax check in the asker's own lines, sortable results with
// names for IRIs, downloads. No framework, no CDN; every value reaches the page as text.
(function () {
  "use strict";
  const ID = "https://w3id.org/icegraph/id/";
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  // A static copy of the site (`icegraph site`) has no endpoint: its static/site.js answers
  // here instead, with Oxigraph running in this browser.
  const local = window.icegraphLocal || null;

  function withPrefixes(text) {
    // A downloaded link is used outside this page: it declares the prefixes it uses.
    const missing = Object.entries(prefixes).filter(([p]) => !new RegExp("PREFIX\\s+" + p + ":", "i").test(text));
    return missing.map(([p, iri]) => "PREFIX " + p + ": <" + iri + ">").join("\n") + "\n" + text;
  }
  function downloadUrl(format) {
    return "/sparql?format=" + format + "&query=" + encodeURIComponent(withPrefixes(editor.value));
  }
  function refreshLinks() {
    if (local) return;  // a static page's downloads are files, or made after each run
    document.getElementById("download-csv").href = downloadUrl("csv");
    document.getElementById("download-json").href = downloadUrl("json");
  }
  function curie(iri) {
    for (const [p, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && iri.length > ns.length) return p + ":" + iri.slice(ns.length);
    }
    return iri;
  }
  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const ours = term.value.startsWith(ID);
      const safe = ours || /^https?:\/\//i.test(term.value);
      const text = ours ? term.value.slice(ID.length) : curie(term.value);
      if (safe) {
        const a = document.createElement("a");
        a.href = ours ? (local ? local.href(term.value) : "/id/" + term.value.slice(ID.length)) : term.value;
        a.textContent = text;
        a.title = term.value;
        a.dataset.iri = term.value;
        td.appendChild(a);
      } else {
        td.textContent = term.value;  // javascript: and the like are shown, never followed
      }
    } else {
      td.textContent = term.value;  // never markup: the data holds raw HTML from the records
    }
    td.dataset.sort = term.value;
    return td;
  }
  async function names(table) {
    // One more query for the names of the IRIs shown, so a reader sees "TECS", not an IRI.
    const iris = Array.from(new Set(Array.from(table.querySelectorAll("a[data-iri]"), (a) => a.dataset.iri)))
      .filter((i) => i.startsWith(ID) || i.startsWith(prefixes.ig));
    if (!iris.length) return;
    const values = iris.slice(0, 500).map((i) => "<" + i + ">").join(" ");
    const query = "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { VALUES ?s { " + values +
      " } ?s rdfs:label ?l FILTER(LANG(?l) = \"\" || LANGMATCHES(LANG(?l), \"en\")) } GROUP BY ?s";
    let data;
    if (local) {
      data = await local.select(withPrefixes(query));
    } else {
      const res = await fetch("/sparql", {
        method: "POST",
        headers: { "Accept": "application/sparql-results+json" },
        body: new URLSearchParams({ query: query }),
      });
      if (!res.ok) return;
      data = await res.json();
    }
    const found = {};
    data.results.bindings.forEach((b) => { found[b.s.value] = b.label.value; });
    table.querySelectorAll("a[data-iri]").forEach((a) => {
      if (found[a.dataset.iri]) {
        a.textContent = found[a.dataset.iri];
        a.parentElement.dataset.sort = found[a.dataset.iri];
      }
    });
  }
  function render(data, paging) {
    results.textContent = "";
    if (data.boolean !== undefined) {
      results.textContent = data.boolean ? "yes" : "no";
      status.textContent = "";
      return;
    }
    const table = document.createElement("table");
    table.id = "results-table";
    const vars = data.head.vars;
    const thead = table.createTHead().insertRow();
    vars.forEach((v, i) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      th.tabIndex = 0;
      th.addEventListener("click", () => sortBy(table, i, th));
      thead.appendChild(th);
    });
    const body = table.createTBody();
    // a page asks for one row more than it shows: that row says a next page exists
    const found = data.results.bindings;
    const shown = paging ? found.slice(0, paging.size) : found;
    shown.forEach((b) => {
      const tr = body.insertRow();
      vars.forEach((v) => tr.appendChild(cell(b[v])));
    });
    const scroll = document.createElement("div");
    scroll.className = "scroll";
    scroll.appendChild(table);
    results.appendChild(scroll);
    if (!paging) {
      status.textContent = found.length + " rows";
    } else {
      const more = found.length > paging.size;
      const first = paging.offset + 1, last = paging.offset + shown.length;
      if (!more && paging.offset === 0) status.textContent = shown.length + " rows";
      else if (!more) status.textContent = "rows " + first + "–" + last + " of " + last;
      else status.textContent = "rows " + first + "–" + last + ", more follow";
      results.appendChild(pager(paging, more));
    }
    return names(table);
  }
  function pager(paging, more) {
    const nav = document.createElement("nav");
    nav.className = "pager";
    nav.setAttribute("aria-label", "pages of the answer");
    const button = (id, text, offset) => {
      const b = document.createElement("button");
      b.type = "button";
      b.id = id;
      b.textContent = text;
      b.addEventListener("click", () => showPage(paging.text, offset, paging.size));
      nav.appendChild(b);
    };
    if (paging.offset > 0) button("previous-page", "Previous " + paging.size + " rows", Math.max(0, paging.offset - paging.size));
    if (more) button("next-page", "Next " + paging.size + " rows", paging.offset + paging.size);
    return nav;
  }
  async function ask(text) {
    // The endpoint knows the graph's prefixes: the text is sent as it was written.
    const res = await fetch("/sparql", {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json" },
      body: new URLSearchParams({ query: text }),
    });
    if (!res.ok) {
      showError("Error " + res.status + ": " + (await res.text()));
      return null;
    }
    return res.json();
  }
  async function showPage(text, offset, size) {
    // A page at a time: the store stops after the rows asked for, and only they are sent
    // and drawn. The downloads stay the whole answer.
    status.textContent = "running…";
    const data = await ask(text + "\nLIMIT " + (size + 1) + " OFFSET " + offset + "\n");
    if (data) await render(data, { text: text, offset: offset, size: size });
  }
  function sortBy(table, index, th) {
    const asc = !th.classList.contains("asc");
    table.querySelectorAll("th").forEach((h) => h.classList.remove("asc", "desc"));
    th.classList.add(asc ? "asc" : "desc");
    const rows = Array.from(table.tBodies[0].rows);
    const key = (r) => (r.cells[index].dataset.sort || "");
    const num = rows.every((r) => key(r) === "" || !isNaN(Number(key(r))));
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      const c = num ? Number(x) - Number(y) : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach((r) => table.tBodies[0].appendChild(r));
  }
  function showError(text) {
    status.textContent = "";
    const p = document.createElement("pre");
    p.className = "error";
    p.id = "query-error";
    p.textContent = text;
    results.appendChild(p);
  }
  async function run(event) {
    if (event) event.preventDefault();
    refreshLinks();
    status.textContent = "running…";
    results.textContent = "";
    if (local) return runHere();
    try {
      // Read here first: a syntax error is told at the asker's own line and column.
      const checked = await fetch("/check", {
        method: "POST",
        body: new URLSearchParams({ query: editor.value }),
      });
      if (checked.ok) {
        const said = await checked.json();
        if (said.error) return showError(said.error);
        if (said.page) return await showPage(editor.value, 0, said.page);
      }
      const data = await ask(editor.value);
      if (data) await render(data);
    } catch (err) {
      status.textContent = "failed: " + err;
    }
  }
  async function runHere() {
    const text = withPrefixes(editor.value);
    let data;
    try {
      data = await local.select(text, (said) => { status.textContent = said; });
    } catch (err) {
      return showError(String(err.message || err));
    }
    await render(data);
    const made = await local.downloads(text);
    for (const name of ["csv", "json"]) {
      const link = document.getElementById("download-" + name);
      if (!made[name]) continue;
      if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);  // the last answer's
      link.href = made[name];
    }
  }
  form.addEventListener("submit", run);
  editor.addEventListener("input", refreshLinks);
  refreshLinks();
  if (form.dataset.autorun) run();
})();
