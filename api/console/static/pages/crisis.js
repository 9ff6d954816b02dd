// One crisis: its facts, a timeline of its signals and changes (live), its plans and interventions.
import { api } from "../app.js";
import { h, clear, dataTable, severityBadge, when } from "../ui.js";

export async function render(main, [crisisId]) {
  const id = encodeURIComponent(crisisId);
  const [crisis, signals, plans, interventions] = await Promise.all([
    api(`/v1/crises/${id}`), api(`/v1/crises/${id}/signals?limit=200`),
    api(`/v1/plans?crisis_id=${id}&limit=100`), api(`/v1/interventions?crisis_id=${id}&limit=100`)]);
  const timeline = h("ol", { class: "timeline", id: "crisis-timeline", "aria-label": "Timeline, newest first" });
  const live = [];
  const plansBox = h("div", { id: "crisis-plans" });
  const interventionsBox = h("div", { id: "crisis-interventions" });

  function drawTimeline() {
    const entries = [
      ...signals.items.map((s) => ({ at: s.observed_at, what: `Signal from ${s.source}: ${s.title || s.signal_id}`,
        detail: `${s.severity}${s.url ? ` · ${s.url}` : ""}` })),
      ...crisis.history.map((e) => ({ at: e.at, what: `Crisis ${e.change}`,
        detail: (e.changes || []).map((c) => (typeof c === "string" ? c : JSON.stringify(c))).join("; ") })),
      ...live,
    ].sort((a, b) => String(b.at).localeCompare(String(a.at)));
    clear(timeline, entries.map((e) => h("li", {}, h("time", { datetime: e.at }, when(e.at)), h("strong", {}, e.what),
      e.detail ? h("div", { class: "muted" }, e.detail) : null)));
  }

  function drawPlans(items) {
    clear(plansBox, dataTable({ caption: "Plans of this crisis", name: `plans-${crisisId}`, id: "plans-table",
      rows: items.map((p) => ({ ...p, __id: p.plan_id })), empty: "No plan proposed.",
      columns: [
        { key: "plan_id", label: "Plan", cell: (p) => h("a", { href: `#/plans/${encodeURIComponent(p.plan_id)}` },
          `${p.template_id} v${p.version}.${p.revision}`) },
        { key: "status", label: "Status" }, { key: "severity", label: "Severity", cell: (p) => severityBadge(p.severity) },
        { key: "seats", label: "Seats", num: true, csv: (p) => p.counts?.seats, cell: (p) => p.counts?.seats ?? "" },
        { key: "unfilled", label: "Unfilled", num: true, csv: (p) => p.counts?.unfilled, cell: (p) => p.counts?.unfilled ?? "" },
        { key: "created_at", label: "Proposed", cell: (p) => when(p.created_at) }] }));
  }

  function drawInterventions(items) {
    clear(interventionsBox, dataTable({ caption: "Interventions of this crisis", name: `interventions-${crisisId}`,
      rows: items.map((i) => ({ ...i, __id: i.intervention_id })), empty: "No intervention launched.",
      columns: [
        { key: "intervention_id", label: "Intervention", cell: (i) => h("a",
          { href: `#/staffing/${encodeURIComponent(i.intervention_id)}` }, i.intervention_id) },
        { key: "status", label: "Status" }, { key: "launched_at", label: "Launched", cell: (i) => when(i.launched_at) }] }));
  }

  clear(main,
    h("p", {}, h("a", { href: "#/crises" }, "← All crises")),
    h("h1", {}, crisis.title || crisis.crisis_id),
    h("div", { class: "grid" },
      h("section", { class: "card", "aria-labelledby": "facts-h" }, h("h2", { id: "facts-h" }, "Facts"),
        h("dl", { class: "facts" },
          h("dt", {}, "Severity"), h("dd", {}, severityBadge(crisis.severity)),
          h("dt", {}, "Status"), h("dd", { id: "crisis-status" }, crisis.status),
          h("dt", {}, "Kind / hazard"), h("dd", {}, `${crisis.kind} / ${crisis.hazard}`),
          h("dt", {}, "Countries"), h("dd", {}, crisis.countries.join(", ")),
          h("dt", {}, "Signals"), h("dd", {}, String(crisis.signal_count)),
          h("dt", {}, "First / last signal"), h("dd", {}, `${when(crisis.first_signal_at)} / ${when(crisis.last_signal_at)}`),
          h("dt", {}, "Opened"), h("dd", {}, when(crisis.opened_at)),
          crisis.exercise ? [h("dt", {}, "Exercise"), h("dd", {}, "yes")] : null)),
      h("section", { class: "card", "aria-labelledby": "timeline-h" }, h("h2", { id: "timeline-h" }, "Timeline"), timeline)),
    h("section", { "aria-labelledby": "plans-h" }, h("h2", { id: "plans-h" }, "Plans"), plansBox),
    h("section", { "aria-labelledby": "interventions-h" }, h("h2", { id: "interventions-h" }, "Interventions"),
      interventionsBox));
  drawTimeline();
  drawPlans(plans.items);
  drawInterventions(interventions.items);
  document.body.dataset.rendered = "crisis";

  return {
    async onEvent(event) {
      const data = event.data || {};
      if (data.crisis_id !== crisisId && data.crisis?.crisis_id !== crisisId) return;
      live.push({ at: event.time, what: event.type.replace("rrc.", "").replace(".", " "), detail: data.detail || "" });
      drawTimeline();
      if (event.type.startsWith("rrc.plan.")) drawPlans((await api(`/v1/plans?crisis_id=${id}&limit=100`)).items);
      if (event.type.startsWith("rrc.intervention.")) {
        drawInterventions((await api(`/v1/interventions?crisis_id=${id}&limit=100`)).items);
      }
    },
  };
}
