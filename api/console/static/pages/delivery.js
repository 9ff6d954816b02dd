// Delivery control: every target of every launched intervention by status (red, amber, green), at-risk first.
import { api } from "../app.js";
import { h, clear, dataTable, statusBadge, RAG_ORDER, when } from "../ui.js";

export async function render(main) {
  const overview = await api("/v1/delivery");
  const lists = await Promise.all(overview.interventions.slice(0, 200).map((i) =>
    api(`/v1/interventions/${encodeURIComponent(i.intervention_id)}/targets`).catch(() => null)));
  const rows = [];
  for (const list of lists.filter(Boolean)) {
    for (const t of list.targets) rows.push({ ...t, intervention_id: list.intervention_id, crisis_id: list.crisis_id,
      __id: `${list.intervention_id}:${t.target_id}` });
  }
  const rank = (s) => { const i = RAG_ORDER.indexOf(s); return i < 0 ? RAG_ORDER.length : i; };
  rows.sort((a, b) => rank(a.status) - rank(b.status) || String(a.due_at).localeCompare(String(b.due_at)));
  const counts = {};
  for (const r of rows) counts[r.status] = (counts[r.status] || 0) + 1;
  clear(main, h("h1", {}, "Delivery control"),
    h("ul", { class: "legend", id: "delivery-counts", "aria-label": "Targets by status" },
      RAG_ORDER.map((s) => h("li", {}, statusBadge(s), ` ${counts[s] || 0}`))),
    dataTable({ caption: "Targets, at risk first", name: "targets", id: "targets-table", rows,
      empty: "No launched intervention has targets yet.",
      columns: [
        { key: "status", label: "Status", cell: (t) => statusBadge(t.status) },
        { key: "label", label: "Target" },
        { key: "intervention_id", label: "Intervention", cell: (t) => h("a",
          { href: `#/staffing/${encodeURIComponent(t.intervention_id)}` }, t.intervention_id) },
        { key: "value", label: "Goal", num: true, csv: (t) => `${t.value} ${t.unit}`, cell: (t) => `${t.value} ${t.unit}` },
        { key: "due_at", label: "Due", cell: (t) => when(t.due_at) },
        { key: "reason", label: "Why" }] }));
  document.body.dataset.rendered = "delivery";
  return {
    onEvent(event) { if (event.type.startsWith("rrc.delivery.")) { clearTimeout(this.t); this.t = setTimeout(() => render(main), 500); } },
  };
}
