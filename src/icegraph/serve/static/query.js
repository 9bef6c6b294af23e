// The query page: catalogue, editor, sortable results, downloads. No framework, no CDN.
(function () {
  "use strict";
  const ID = "https://w3id.org/icegraph/id/";
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  const queries = JSON.parse(document.getElementById("queries").textContent);
  const editor = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");

  function usedPrefixes(text) {
    // PREFIX lines for the prefixes the text uses and does not declare, so the editor shows
    // a runnable query (the catalogue's files declare their own).
    const lines = Object.entries(prefixes)
      .filter(([p]) => new RegExp("(^|[\\s(/^|])" + p + ":", "m").test(text))
      .filter(([p]) => !new RegExp("PREFIX\\s+" + p + ":", "i").test(text))
      .map(([p, iri]) => "PREFIX " + p + ": <" + iri + ">\n");
    return lines.join("");
  }
  function withPrefixes(text) {
    // Declare any prefix the user's text does not declare itself.
    const missing = Object.entries(prefixes).filter(([p]) => !new RegExp("PREFIX\\s+" + p + ":", "i").test(text));
    return missing.map(([p, iri]) => "PREFIX " + p + ": <" + iri + ">").join("\n") + "\n" + text;
  }
  function downloadUrl(format) {
    return "/sparql?format=" + format + "&query=" + encodeURIComponent(withPrefixes(editor.value));
  }
  function refreshLinks() {
    document.getElementById("download-csv").href = downloadUrl("csv");
    document.getElementById("download-json").href = downloadUrl("json");
  }
  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = term.value.startsWith(ID) ? "/id/" + term.value.slice(ID.length) : term.value;
      a.textContent = term.value.startsWith(ID) ? term.value.slice(ID.length) : term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;  // never markup: the data holds raw HTML from the records
    }
    td.dataset.sort = term.value;
    return td;
  }
  function render(data) {
    results.textContent = "";
    const table = document.createElement("table");
    table.id = "results-table";
    if (data.boolean !== undefined) {
      results.textContent = data.boolean ? "yes" : "no";
      return;
    }
    const vars = data.head.vars;
    const thead = table.createTHead().insertRow();
    vars.forEach((v, i) => {
      const th = document.createElement("th");
      th.textContent = v;
      th.addEventListener("click", () => sortBy(table, i, th));
      thead.appendChild(th);
    });
    const body = table.createTBody();
    data.results.bindings.forEach((b) => {
      const tr = body.insertRow();
      vars.forEach((v) => tr.appendChild(cell(b[v])));
    });
    results.appendChild(table);
    status.textContent = data.results.bindings.length + " rows";
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
  async function run(event) {
    if (event) event.preventDefault();
    refreshLinks();
    status.textContent = "running…";
    results.textContent = "";
    const body = new URLSearchParams({ query: withPrefixes(editor.value) });
    try {
      const res = await fetch("/sparql", {
        method: "POST",
        headers: { "Accept": "application/sparql-results+json" },
        body: body,
      });
      if (!res.ok) {
        status.textContent = "";
        const p = document.createElement("p");
        p.className = "error";
        p.textContent = "Error " + res.status + ": " + (await res.text());
        results.appendChild(p);
        return;
      }
      render(await res.json());
    } catch (err) {
      status.textContent = "failed: " + err;
    }
  }
  document.getElementById("query-form").addEventListener("submit", run);
  document.querySelectorAll("button.q").forEach((b) => {
    b.addEventListener("click", () => {
      editor.value = usedPrefixes(queries[b.dataset.name]) + queries[b.dataset.name];
      run();
    });
  });
  editor.addEventListener("input", refreshLinks);
  refreshLinks();
})();
