// The index: sort and filter the patients, show what has been reviewed, export the reviewed records.
const body = document.querySelector("table.patients tbody");
const rows = Array.from(body.rows);

function reviewState() {
  let reviewed = 0;
  for (const row of rows) {
    const saved = store.get(row.dataset.pid);
    const fields = saved && saved.fields ? Object.values(saved.fields) : [];
    const corrected = fields.filter((c) => c.a !== "accept").length;
    row.dataset.review = String(fields.length);
    row.querySelector("td.review").textContent = fields.length
      ? fields.length + " reviewed" + (corrected ? ", " + corrected + " corrected" : "") : "";
    if (fields.length) reviewed++;
  }
  document.getElementById("reviewed-count").textContent = String(reviewed);
}

function applyFilters() {
  const text = document.getElementById("filter-text").value.trim().toLowerCase();
  const status = document.getElementById("filter-status").value;
  const only = Array.from(document.querySelectorAll("input[data-only]")).filter((b) => b.checked).map((b) => b.dataset.only);
  const review = document.getElementById("filter-review").value;
  let shown = 0;
  for (const row of rows) {
    const visible = (!text || row.dataset.pid.toLowerCase().includes(text))
      && (!status || row.dataset.status === status)
      && only.every((key) => Number(row.dataset[key] || 0) > 0)
      && (!review || (review === "yes") === Number(row.dataset.review || 0) > 0);
    row.classList.toggle("hidden", !visible);
    if (visible) shown++;
  }
  document.getElementById("shown").textContent = String(shown);
}

function sortBy(header) {
  const key = header.dataset.key;
  const numeric = header.hasAttribute("data-num");
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  document.querySelectorAll("table.patients thead th").forEach((th) => th.removeAttribute("aria-sort"));
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const value = (row) => (numeric ? Number(row.dataset[key] || 0) : row.dataset[key] || "");
  rows.sort((a, b) => {
    const x = value(a), y = value(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (ascending ? order : -order) || (a.dataset.order - b.dataset.order);
  });
  const fragment = document.createDocumentFragment();
  rows.forEach((row) => fragment.appendChild(row));
  body.appendChild(fragment);
}

document.querySelectorAll("table.patients thead th[data-key]").forEach((th) => {
  th.addEventListener("click", () => sortBy(th));
});
document.querySelectorAll(".filters input, .filters select").forEach((input) => {
  input.addEventListener("input", applyFilters);
  input.addEventListener("change", applyFilters);
});
document.getElementById("export-all").addEventListener("click", () => {
  // a gold record is one whose every field a person has decided; the rest would pass off the pipeline's values
  const saved = store.all();
  const records = saved.filter((s) => s.complete).map((s) => s.record);
  const left = saved.length - records.length;
  document.getElementById("status").textContent = records.length + " reviewed record(s) exported"
    + (left ? "; " + left + " patient(s) left out: some of their fields are not reviewed yet" : "");
  download("records.jsonl", jsonl(records), document.getElementById("export-box"));
});

reviewState();
applyFilters();
window.addEventListener("pageshow", () => { reviewState(); applyFilters(); });
