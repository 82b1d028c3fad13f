"use strict";
// Shared by the index and the patient pages. Every value that comes from the
// records or the notes reaches the page through textContent, never as markup.
const D = JSON.parse(document.getElementById("review-data").textContent);

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const store = {
  key(pid) { return D.storage + pid; },
  get(pid) {
    try { return JSON.parse(window.localStorage.getItem(store.key(pid)) || "null"); } catch (e) { return null; }
  },
  put(pid, value) {
    try {
      if (value === null) window.localStorage.removeItem(store.key(pid));
      else window.localStorage.setItem(store.key(pid), JSON.stringify(value));
      return true;
    } catch (e) { return false; }
  },
  all() {
    const out = [];
    for (let i = 0; i < window.localStorage.length; i++) {
      const key = window.localStorage.key(i);
      if (key && key.startsWith(D.storage)) {
        try { const v = JSON.parse(window.localStorage.getItem(key)); if (v && v.record) out.push(v); } catch (e) { /* skip */ }
      }
    }
    return out;
  },
};

function show(value) {
  if (value === null || value === undefined) return "not stated";
  if (Array.isArray(value)) return value.length ? value.map(show).join("; ") : "none";
  if (typeof value === "object") {
    return Object.entries(value).filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => k + " " + show(v)).join(", ") || "not stated";
  }
  return String(value).replace(/_/g, " ");
}

function jsonl(records) {
  const sorted = records.slice().sort((a, b) => (a.patient_id < b.patient_id ? -1 : a.patient_id > b.patient_id ? 1 : 0));
  return sorted.map((r) => JSON.stringify(r)).join("\n") + (sorted.length ? "\n" : "");
}

function download(name, text, box) {
  if (box) { box.value = text; box.hidden = false; }
  const blob = new Blob([text], { type: "application/x-ndjson" });
  const link = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.appendChild(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 2000);
}
