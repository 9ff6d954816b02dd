// Deployments: a Gantt chart of who is where, when (offers, confirmed, deployed, completed), and the same as a table.
import { all } from "../app.js";
import { h, clear, dataTable, when } from "../ui.js";

const SHOWN = ["offered", "confirmed", "deployed", "completed"];
const DAY = 86400000;

function gantt(rows) {
  const width = 1100, left = 190, rowH = 22, top = 28;
  const starts = rows.map((r) => Date.parse(r.start)), ends = rows.map((r) => Date.parse(r.end) + DAY);
  const from = Math.min(...starts, Date.now() - 7 * DAY), to = Math.max(...ends, Date.now() + 30 * DAY);
  const x = (t) => left + ((t - from) / (to - from)) * (width - left - 10);
  const height = top + rows.length * rowH + 10;
  const svg = h("svg", { class: "gantt", viewBox: `0 0 ${width} ${height}`, role: "img", id: "gantt",
    "aria-label": `Gantt chart of ${rows.length} deployments from ${new Date(from).toISOString().slice(0, 10)} to ` +
      `${new Date(to).toISOString().slice(0, 10)}; the table below lists the same` });
  for (let m = new Date(from); m.getTime() <= to; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
    const first = Date.UTC(m.getUTCFullYear(), m.getUTCMonth(), 1);
    if (first < from) continue;
    svg.append(h("line", { class: "axis", x1: x(first), x2: x(first), y1: top - 6, y2: height }),
      h("text", { x: x(first) + 3, y: 16 }, new Date(first).toISOString().slice(0, 7)));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const bar = h("rect", { x: x(Date.parse(r.start)), y: y + 3, height: rowH - 6, rx: 3, "data-request-id": r.request_id,
      width: Math.max(2, x(Date.parse(r.end) + DAY) - x(Date.parse(r.start))),
      class: SHOWN.includes(r.state) ? `state-${r.state}` : "state-other" },
    h("title", {}, `${r.expert_id}, ${r.role} in ${r.place.join(", ")}: ${r.start} to ${r.end} (${r.state})`));
    svg.append(h("text", { x: 4, y: y + 15 }, `${r.expert_id} · ${r.role}`.slice(0, 30)), bar);
  });
  svg.append(h("line", { class: "today", x1: x(Date.now()), x2: x(Date.now()), y1: top - 6, y2: height }));
  return svg;
}

export async function render(main) {
  const items = (await all("/v1/deployments", 2000)).filter((r) => SHOWN.includes(r.state));
  items.sort((a, b) => a.expert_id.localeCompare(b.expert_id) || a.start.localeCompare(b.start));
  const chart = items.length ? gantt(items.slice(0, 300)) : h("p", { class: "muted" }, "No deployment yet.");
  clear(main, h("h1", {}, "Deployments"),
    h("ul", { class: "legend", "aria-label": "Bar colours" }, SHOWN.map((s) => h("li", {},
      h("svg", { width: 12, height: 12, "aria-hidden": "true" }, h("rect", { width: 12, height: 12, class: `state-${s}` })), s))),
    h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": "Gantt chart" }, chart),
    h("h2", {}, "Who is where"),
    dataTable({ caption: "Deployments by expert", name: "deployments", id: "deployments-table",
      rows: items.map((r) => ({ ...r, __id: r.request_id })),
      columns: [
        { key: "expert_id", label: "Expert" }, { key: "role", label: "Role" },
        { key: "place", label: "Where", csv: (r) => r.place.join(" "), cell: (r) => r.place.join(", ") },
        { key: "crisis_title", label: "Crisis", cell: (r) => h("a", { href: `#/crises/${encodeURIComponent(r.crisis_id)}` },
          r.crisis_title || r.crisis_id), csv: (r) => r.crisis_title },
        { key: "start", label: "From" }, { key: "end", label: "To" }, { key: "state", label: "State" },
        { key: "offered_at", label: "Offered", cell: (r) => when(r.offered_at) }] }));
  document.body.dataset.rendered = "deployments";
  return {
    onEvent(event) { if (event.type.startsWith("rrc.deployment.")) { clearTimeout(this.t); this.t = setTimeout(() => render(main), 500); } },
  };
}
