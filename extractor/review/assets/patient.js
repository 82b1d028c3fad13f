// The patient page: evidence highlighting, mention details, corrections kept in localStorage.
const saved = store.get(D.patient);
const state = (saved && saved.fields) || {};

// ------------------------------------------------------------------ evidence and mentions
function clearMarks(cls) { document.querySelectorAll("pre.text ." + cls).forEach((n) => n.classList.remove(cls)); }

function ids(text) { return (text || "").split(" ").filter((t) => /^[0-9]+$/.test(t)); }

function highlight(spanIds, origin) {
  clearMarks("hl");
  clearMarks("pick");
  document.querySelectorAll(".value.active, .item.active").forEach((n) => n.classList.remove("active"));
  const hits = [];
  for (const id of spanIds) {
    document.querySelectorAll('pre.text [data-e~="' + id + '"]').forEach((n) => { n.classList.add("hl"); hits.push(n); });
  }
  if (origin) origin.classList.add("active");
  const said = document.getElementById("status");
  said.textContent = hits.length ? spanIds.length + " evidence span(s) highlighted"
    : (spanIds.length ? "the evidence is not in these notes" : "no evidence for this value");
  if (hits.length) hits[0].scrollIntoView({ block: "center" });
}

function pickMention(index) {
  clearMarks("pick");
  const hits = document.querySelectorAll('pre.text [data-m~="' + index + '"]');
  hits.forEach((n) => n.classList.add("pick"));
  if (hits.length) hits[0].scrollIntoView({ block: "center" });
  detail([index]);
}

function detail(indices) {
  const box = document.getElementById("detail");
  box.textContent = "";
  const close = el("button", { type: "button", class: "close", title: "close" }, "\u00d7");
  close.addEventListener("click", () => { box.hidden = true; });
  box.appendChild(close);
  for (const index of indices) {
    const m = D.mentions[Number(index)];
    if (!m) continue;
    const doc = D.docs[m.d] || {};
    const list = el("dl");
    const rows = [
      ["label", m.l], ["value", m.v || "\u2013"], ["ConText", m.f.length ? m.f.join(", ") : "none (asserted)"],
      ["section", m.s || "\u2013"], ["rule", m.r || "\u2013"], ["note", doc.id + (doc.date ? " \u00b7 " + doc.date : "")],
    ];
    if (m.c.length) rows.push(["cited for", m.c.join(", ")]);
    for (const [field, kind, reason] of m.x) rows.push([kind.replace("_", " ") + " in " + field, reason]);
    for (const [k, v] of rows) { list.appendChild(el("dt", {}, k)); list.appendChild(el("dd", {}, v)); }
    box.appendChild(list);
  }
  box.hidden = false;
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-spans], [data-m], [data-act]");
  if (!target) return;
  if (target.dataset.act) { act(target); return; }
  if (target.hasAttribute("data-spans")) { highlight(ids(target.dataset.spans), target); return; }
  if (target.closest("pre.text")) { detail(ids(target.dataset.m)); return; }
  pickMention(ids(target.dataset.m)[0]);
});

document.getElementById("show-tags").addEventListener("change", (event) => {
  document.body.classList.toggle("no-tags", !event.target.checked);
});

// ------------------------------------------------------------------ corrections
function pathGet(record, field) {
  let value = record;
  for (const part of field.split(".")) value = value === null || value === undefined ? null : value[part];
  return value === undefined ? null : value;
}

function pathSet(record, field, value) {
  const parts = field.split(".");
  let obj = record;
  for (const part of parts.slice(0, -1)) {
    if (obj[part] === null || obj[part] === undefined) {
      obj[part] = {};
      for (const key of D.parents[part] || []) obj[part][key] = null;
    }
    obj = obj[part];
  }
  obj[parts[parts.length - 1]] = value;
}

function reviewed() {
  const record = JSON.parse(JSON.stringify(D.record));
  for (const [field, c] of Object.entries(state)) {
    if (c.a === "change") pathSet(record, field, c.v);
    else if (c.a === "clear") pathSet(record, field, D.fields[field].empty);
  }
  return record;
}

function save() {
  const n = Object.keys(state).length;
  const complete = n === Object.keys(D.fields).length;
  const ok = store.put(D.patient, n ? { patient_id: D.patient, fields: state, complete: complete, record: reviewed() } : null);
  if (!ok) document.getElementById("status").textContent = "corrections could not be saved in this browser";
  render();
}

function render() {
  let corrected = 0;
  document.querySelectorAll(".field[data-field]").forEach((node) => {
    const c = state[node.dataset.field];
    node.classList.remove("accepted", "changed", "cleared");
    const out = node.querySelector(".corrected");
    out.textContent = "";
    if (!c) return;
    if (c.a === "accept") node.classList.add("accepted");
    else {
      node.classList.add(c.a === "change" ? "changed" : "cleared");
      out.textContent = "\u2192 " + show(c.a === "change" ? c.v : D.fields[node.dataset.field].empty);
      corrected++;
    }
  });
  const total = Object.keys(D.fields).length;
  document.getElementById("progress").textContent =
    Object.keys(state).length + " of " + total + " fields reviewed, " + corrected + " corrected";
}

function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

function act(button) {
  const node = button.closest(".field");
  const field = node && node.dataset.field;
  const what = button.dataset.act;
  if (what === "accept-all") { for (const f of Object.keys(D.fields)) if (!state[f]) state[f] = { a: "accept" }; save(); return; }
  if (what === "export") {
    save();
    download(D.export, jsonl([reviewed()]), document.getElementById("export-box"));
    const left = Object.keys(D.fields).length - Object.keys(state).length;
    document.getElementById("status").textContent = "exported" + (left ? "; " + left + " fields not yet reviewed are the pipeline's values" : "");
    return;
  }
  if (what === "reset") { for (const f of Object.keys(state)) delete state[f]; save(); return; }
  if (!field) return;
  if (what === "accept") state[field] = { a: "accept" };
  else if (what === "clear") state[field] = { a: "clear" };
  else if (what === "undo") delete state[field];
  else if (what === "edit") { openEditor(node, field); return; }
  save();
}

// ------------------------------------------------------------------ editors built from the schema
function nullable(spec, wrap, value, inner) {
  if (!spec.null) return inner;
  const box = el("input", { type: "checkbox", class: "null" });
  box.checked = value === null;
  const label = el("label", {}, " not stated");
  label.prepend(box);
  wrap.appendChild(label);
  return { get: () => (box.checked ? null : inner.get()) };
}

function build(spec, value, wrap) {
  if (spec.t === "enum" || spec.t === "bool") {
    const options = spec.t === "bool" ? [true, false] : spec.o;
    const select = el("select");
    if (spec.null) select.appendChild(el("option", { value: "" }, "\u2014 not stated \u2014"));
    options.forEach((o, i) => {
      const option = el("option", { value: String(i) }, show(o));
      if (same(o, value)) option.selected = true;
      select.appendChild(option);
    });
    if (value === null && spec.null) select.value = "";
    wrap.appendChild(select);
    return { get: () => (select.value === "" ? null : options[Number(select.value)]) };
  }
  if (spec.t === "int" || spec.t === "num" || spec.t === "str") {
    const input = el("input", spec.t === "str" ? { type: "text" } : { type: "number", step: spec.t === "int" ? "1" : "any" });
    if (value !== null && value !== undefined) input.value = String(value);
    wrap.appendChild(input);
    return {
      get: () => {
        const text = input.value.trim();
        if (text === "") { if (spec.null) return null; throw new Error("a value is required"); }
        if (spec.t === "str") return text;
        const number = Number(text);
        if (!Number.isFinite(number) || (spec.t === "int" && !Number.isInteger(number))) throw new Error("not a number: " + text);
        return number;
      },
    };
  }
  if (spec.t === "list" && spec.i.t === "enum") {
    const span = el("span");
    const boxes = spec.i.o.map((o) => {
      const box = el("input", { type: "checkbox" });
      box.checked = Array.isArray(value) && value.some((v) => same(v, o));
      const label = el("label", {}, " " + show(o));
      label.prepend(box);
      span.appendChild(label);
      return box;
    });
    const inner = { get: () => spec.i.o.filter((o, i) => boxes[i].checked) };
    const outer = nullable(spec, wrap, value, inner);
    wrap.appendChild(span);
    return outer;
  }
  if (spec.t === "list") {
    const list = el("div", { class: "list" });
    const items = [];
    const add = (itemValue) => {
      const row = el("div", { class: "list-item" });
      const entry = { editor: build(spec.i, itemValue, row) };
      const remove = el("button", { type: "button", title: "remove this item" }, "remove");
      remove.addEventListener("click", () => { row.remove(); items.splice(items.indexOf(entry), 1); });
      row.appendChild(remove);
      items.push(entry);
      list.appendChild(row);
    };
    (Array.isArray(value) ? value : []).forEach(add);
    const more = el("button", { type: "button" }, "add an item");
    more.addEventListener("click", () => add(null));
    const outer = nullable(spec, wrap, value, { get: () => items.map((e) => e.editor.get()) });
    wrap.appendChild(list);
    wrap.appendChild(more);
    return outer;
  }
  if (spec.t === "obj") {
    const set = el("fieldset");
    const keys = spec.p.map((p) => {
      const label = el("label", {}, p.k + " ");
      set.appendChild(label);
      const start = value && typeof value === "object" ? value[p.k] : (p.d !== undefined ? p.d : null);
      return [p, build(p.e, start === undefined ? null : start, label)];
    });
    const inner = {
      get: () => {
        const out = {};
        for (const [p, editor] of keys) {
          out[p.k] = editor.get();
          if (p.req && out[p.k] === null) throw new Error(p.k + " is required");
        }
        return out;
      },
    };
    const outer = nullable(spec, wrap, value, inner);
    wrap.appendChild(set);
    return outer;
  }
  throw new Error("no editor for " + spec.t);
}

function openEditor(node, field) {
  const slot = node.querySelector(".editor-slot");
  if (slot.firstChild) { slot.textContent = ""; return; }
  const box = el("div", { class: "editor" });
  const current = pathGet(reviewed(), field);
  const editor = build(D.editors[D.fields[field].e], current, box);
  const error = el("div", { class: "error" });
  const ok = el("button", { type: "button", "data-save": "1" }, "save");
  const cancel = el("button", { type: "button" }, "cancel");
  ok.addEventListener("click", () => {
    let value;
    try { value = editor.get(); } catch (e) { error.textContent = e.message; return; }
    state[field] = same(value, pathGet(D.record, field)) ? { a: "accept" } : { a: "change", v: value };
    slot.textContent = "";
    save();
  });
  cancel.addEventListener("click", () => { slot.textContent = ""; });
  box.append(ok, cancel, error);
  slot.appendChild(box);
}

// the same four buttons on every field: written here, not 52 times into each page
for (const slot of document.querySelectorAll(".field[data-field] .actions")) {
  for (const [act, text, title] of [["accept", "accept", "accept the value as it is"],
    ["edit", "change", "change the value or add a missing one"], ["clear", "clear", "the notes do not state it"],
    ["undo", "undo", "forget this correction"]]) {
    slot.appendChild(el("button", { type: "button", "data-act": act, title: title }, text));
  }
  slot.after(el("span", { class: "corrected" }), el("div", { class: "editor-slot" }));
}
render();
