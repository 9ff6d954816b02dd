// Crises: the map and a filterable list (active by default), refreshed live from the event stream.
import { api } from "../app.js";
import { drawMap } from "../map.js";
import { h, clear, dataTable, severityBadge, when, announce } from "../ui.js";

const KINDS = ["", "disaster", "conflict", "economic_shock", "other"];
const STATUSES = [["active", "Active (not closed)"], ["open", "Open"], ["escalated", "Escalated"],
  ["stabilising", "Stabilising"], ["closed", "Closed"], ["", "Any"]];
const SEVERITIES = ["", "minor", "moderate", "severe", "extreme"];
const PAGE = 100;

function query(filters) {
  const q = new URLSearchParams();
  if (filters.status === "active") q.set("active", "true");
  else if (filters.status) q.set("status", filters.status);
  for (const key of ["kind", "hazard", "country", "min_severity"]) if (filters[key]) q.set(key, filters[key]);
  return q;
}

function select(id, label, options, value) {
  return h("div", {}, h("label", { for: id }, label),
    h("select", { id, name: id }, options.map((o) => {
      const [v, text] = Array.isArray(o) ? o : [o, o || "Any"];
      return h("option", { value: v, selected: v === value }, text.replace("_", " "));
    })));
}

export async function render(main) {
  const filters = { status: "active", kind: "", hazard: "", country: "", min_severity: "",
    ...Object.fromEntries(new URLSearchParams(sessionStorage.getItem("rrc.crises.filters") || "")) };
  const mapBox = h("div", { id: "map-box" }, h("p", { class: "loading" }, "Drawing the map…"));
  const listBox = h("div", { id: "crisis-list" });
  const form = h("form", { class: "filters", id: "crisis-filters", "aria-label": "Filter crises" },
    select("status", "Status", STATUSES, filters.status),
    select("kind", "Kind", KINDS, filters.kind),
    h("div", {}, h("label", { for: "hazard" }, "Hazard"),
      h("input", { id: "hazard", name: "hazard", value: filters.hazard, size: 14, list: "hazards",
        placeholder: "e.g. earthquake" }), h("datalist", { id: "hazards" })),
    h("div", {}, h("label", { for: "country" }, "Country (ISO3)"),
      h("input", { id: "country", name: "country", value: filters.country, size: 5, maxlength: 3,
        pattern: "[A-Za-z]{3}" })),
    select("min_severity", "Severity at least", SEVERITIES, filters.min_severity),
    h("button", { type: "submit" }, "Apply"));
  const total = h("p", { class: "muted", id: "crisis-total", "aria-live": "polite" });
  clear(main, h("h1", {}, "Crises"), form,
    h("div", { class: "grid" }, h("section", { "aria-labelledby": "map-h" }, h("h2", { id: "map-h" }, "Map"), mapBox),
      h("section", { "aria-labelledby": "list-h" }, h("h2", { id: "list-h" }, "List"), total, listBox)));

  let items = [], next = null, timer = null, version = 0;
  const open = (id) => { location.hash = `#/crises/${encodeURIComponent(id)}`; };

  function list() {
    const columns = [
      { key: "title", label: "Crisis", csv: (c) => c.title, cell: (c) => [
        h("a", { href: `#/crises/${encodeURIComponent(c.crisis_id)}` }, c.title || c.crisis_id),
        c.exercise ? [" ", h("span", { class: "badge rag-amber" }, "exercise")] : null,
        c.historical ? [" ", h("span", { class: "badge rag-grey" }, "history")] : null] },
      { key: "crisis_id", label: "Id", cell: (c) => h("code", {}, c.crisis_id) },
      { key: "severity", label: "Severity", cell: (c) => severityBadge(c.severity) },
      { key: "kind", label: "Kind" }, { key: "hazard", label: "Hazard" },
      { key: "countries", label: "Countries", csv: (c) => c.countries.join(" "), cell: (c) => c.countries.join(", ") },
      { key: "status", label: "Status" }, { key: "exercise", label: "Exercise", csv: (c) => c.exercise,
        cell: (c) => (c.exercise ? "yes" : "no") },
      { key: "signal_count", label: "Signals", num: true },
      { key: "updated_at", label: "Updated", cell: (c) => when(c.updated_at) },
    ];
    const rows = items.map((c) => ({ ...c, __id: c.crisis_id }));
    const more = next ? h("button", { type: "button", class: "secondary", onclick: loadMore }, "Show more") : null;
    clear(listBox, dataTable({ caption: "Crises, newest first", columns, rows, name: "crises", id: "crisis-table",
      empty: "No crisis matches these filters." }), more);
  }

  async function loadMore() {
    const page = await api(`/v1/crises?${query(filters)}&limit=${PAGE}&cursor=${encodeURIComponent(next)}`);
    items = items.concat(page.items);
    next = page.next;
    list();
  }

  async function refresh(live = false) {
    const mine = ++version;
    const q = query(filters);
    const [page, map] = await Promise.all([api(`/v1/crises?${q}&limit=${Math.max(PAGE, live ? items.length : 0)}`),
      api(`/v1/crises/map?${q}`)]);
    if (mine !== version) return;
    const known = new Set(items.map((c) => c.crisis_id));
    const fresh = page.items.filter((c) => !known.has(c.crisis_id)).length;
    items = page.items;
    next = page.next;
    total.textContent = `${page.total} crises match`;
    list();
    await drawMap(mapBox, map, open);
    const hazards = document.getElementById("hazards");
    if (hazards) clear(hazards, [...new Set(items.map((c) => c.hazard))].sort().map((v) => h("option", { value: v })));
    if (live && fresh) announce(`${fresh} new ${fresh === 1 ? "crisis" : "crises"}`);
    performance.mark("rrc:crises-rendered");
    document.body.dataset.rendered = "crises";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const key of Object.keys(filters)) filters[key] = (form.elements[key].value || "").trim();
    filters.country = filters.country.toUpperCase();
    sessionStorage.setItem("rrc.crises.filters", new URLSearchParams(filters).toString());
    refresh().catch((err) => clear(listBox, h("p", { class: "error", role: "alert" }, err.body?.detail || err.message)));
  });

  await refresh();
  return {
    onEvent(event) {
      if (!event.type.startsWith("rrc.crisis.")) return;
      clearTimeout(timer);
      timer = setTimeout(() => refresh(true).catch(() => {}), 250);
    },
    dispose() { clearTimeout(timer); },
  };
}
