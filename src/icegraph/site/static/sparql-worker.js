// The in-browser SPARQL engine, off the page's thread: Oxigraph's WebAssembly build and the
// release's data live here, so a long query never freezes the page, and the page can stop
// one by ending this worker (static/site.js). Answers go back as SPARQL JSON results.
"use strict";
const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
const OPTIONS = { use_default_graph_as_union: true };
let store = null;

function term(t) {
  if (t.termType === "NamedNode") return { type: "uri", value: t.value };
  if (t.termType === "BlankNode") return { type: "bnode", value: t.value };
  const out = { type: "literal", value: t.value };
  if (t.language) out["xml:lang"] = t.language;
  else if (t.datatype && t.datatype.value !== XSD_STRING) out.datatype = t.datatype.value;
  return out;
}

function select(text) {
  try {
    return JSON.parse(store.query(text, { ...OPTIONS, results_format: "application/sparql-results+json" }));
  } catch (err) {
    if (!/RDF format/.test(String(err))) throw err;
    // CONSTRUCT and DESCRIBE: the graph as subject, predicate, object rows
    const quads = store.query(text, OPTIONS);
    return {
      head: { vars: ["subject", "predicate", "object"] },
      results: { bindings: quads.map((q) => ({ subject: term(q.subject), predicate: term(q.predicate), object: term(q.object) })) },
    };
  }
}

function files(text) {
  const made = {};
  for (const [name, media] of [["csv", "text/csv"], ["json", "application/sparql-results+json"]]) {
    try {
      made[name] = store.query(text, { ...OPTIONS, results_format: media });
    } catch (err) {
      made[name] = null;  // a graph has no CSV
    }
  }
  return made;
}

self.onmessage = async (event) => {
  const m = event.data;
  if (m.kind === "load") {
    try {
      const ox = await import(m.engine);
      await ox.default({ module_or_path: m.wasm });
      self.postMessage({ kind: "status", text: m.loading });
      const res = await fetch(m.data);
      if (!res.ok) throw new Error("could not load " + m.data + ": HTTP " + res.status);
      const loaded = new ox.Store();
      loaded.load(await res.text(), { format: "application/trig" });
      store = loaded;
      self.postMessage({ kind: "ready", quads: store.size });
    } catch (err) {
      self.postMessage({ kind: "failed", error: String((err && err.message) || err) });
    }
    return;
  }
  try {
    self.postMessage({ id: m.id, result: m.kind === "select" ? select(m.text) : files(m.text) });
  } catch (err) {
    self.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
};
