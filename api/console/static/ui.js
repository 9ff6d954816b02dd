// DOM helpers: elements are built with textContent only (no HTML strings from data), tables with a CSV download.

export function h(tag, attrs = {}, ...children) {
  const svg = ["svg", "g", "path", "circle", "rect", "line", "text", "title"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

const SEVERITY_RANK = { unknown: 0, minor: 1, moderate: 2, severe: 3, extreme: 4 };
export const severityRank = (s) => SEVERITY_RANK[s] ?? 0;
export const severityBadge = (s) => h("span", { class: `badge sev-${s || "unknown"}` }, s || "unknown");

const RAG = { missed: "red", off_track: "red", at_risk: "amber", on_track: "green", met: "green", unknown: "grey" };
export const RAG_ORDER = ["missed", "off_track", "at_risk", "on_track", "unknown", "met"];
export const statusBadge = (s) => h("span", { class: `badge rag-${RAG[s] || "grey"}` }, (s || "unknown").replace("_", " "));

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function countdown(iso, now = Date.now()) {
  const left = Math.round((new Date(iso).getTime() - now) / 1000);
  if (left <= 0) return "due now";
  const hours = Math.floor(left / 3600), minutes = Math.floor((left % 3600) / 60), seconds = left % 60;
  return `${hours}h ${String(minutes).padStart(2, "0")}m ${String(seconds).padStart(2, "0")}s left`;
}

export function announce(message) {
  const region = document.getElementById("announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 30);
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function downloadCsv(name, columns, rows) {
  const lines = [columns.map((c) => csvCell(c.label)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.csv ? c.csv(row) : row[c.key])).join(","));
  const url = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }));
  const link = h("a", { href: url, download: `${name}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// columns: [{key, label, cell?(row) -> Node|string, csv?(row) -> string, num?}]
export function dataTable({ caption, columns, rows, name, empty = "Nothing to show.", id }) {
  const body = rows.length
    ? rows.map((row) => h("tr", { "data-id": row.__id ?? null },
      columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell ? c.cell(row) : row[c.key] ?? ""))))
    : [h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, empty))];
  const table = h("table", { id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
    h("tbody", {}, body));
  const button = h("button", { type: "button", class: "secondary", onclick: () => downloadCsv(name, columns, rows) },
    "Download CSV", h("span", { class: "sr-only" }, ` of ${caption}`));
  return h("div", {}, h("div", { class: "table-tools" }, h("span", { class: "muted" }, `${rows.length} rows`), button),
    h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": caption }, table));
}

// Score parts as one stacked bar (each part's share of the whole 0..1 score) and the same figures as text.
export function scoreBars(parts, label) {
  const entries = Object.entries(parts || {});
  const text = entries.map(([k, v]) => `${k.replace("_", " ")} ${v.toFixed(2)}`).join(", ");
  return h("div", { class: "score" },
    h("div", { class: "bars", role: "img", "aria-label": `${label}: ${text}` },
      entries.filter(([, v]) => v > 0).map(([k, v]) => {
        const bar = h("span", { class: `part-${k}`, title: `${k} ${v.toFixed(2)}`, "data-part": k });
        bar.style.width = `${Math.min(100, v * 100)}%`;
        return bar;
      })),
    h("span", { class: "muted" }, text));
}

export function legend(parts) {
  return h("ul", { class: "legend", "aria-label": "Score parts" },
    parts.map((p) => h("li", {}, h("span", { class: `swatch part-${p}`, "aria-hidden": "true" }), p.replace("_", " "))));
}
