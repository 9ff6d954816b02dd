// Staffing board: per intervention, its seats, offers with deadlines counting down, escalations and warnings (live).
import { api, all } from "../app.js";
import { h, clear, dataTable, countdown, when, announce } from "../ui.js";

const FEED_TYPES = ["rrc.deployment.", "rrc.role.filled", "rrc.staffing.updated", "rrc.delivery.warning",
  "rrc.delivery.rate_lagging"];

async function index(main) {
  const items = await all("/v1/interventions?status=launched", 1000);
  clear(main, h("h1", {}, "Staffing"), dataTable({ caption: "Launched interventions", name: "interventions",
    id: "interventions-table", rows: items.map((i) => ({ ...i, __id: i.intervention_id })),
    empty: "No intervention is launched: approve a plan first.",
    columns: [
      { key: "intervention_id", label: "Intervention", cell: (i) => h("a",
        { href: `#/staffing/${encodeURIComponent(i.intervention_id)}` }, i.intervention_id) },
      { key: "title", label: "Crisis", csv: (i) => i.plan?.title, cell: (i) => i.plan?.title || i.crisis_id },
      { key: "countries", label: "Countries", csv: (i) => (i.plan?.countries || []).join(" "),
        cell: (i) => (i.plan?.countries || []).join(", ") },
      { key: "launched_at", label: "Launched", cell: (i) => when(i.launched_at) }] }));
  document.body.dataset.rendered = "staffing-index";
  return { onEvent(event) { if (event.type === "rrc.intervention.launched") index(main); } };
}

function entryOf(event) {
  const d = event.data || {};
  const seat = d.role ? `${d.role}${d.seat ? ` #${d.seat}` : ""}` : "";
  const what = event.type.replace("rrc.", "").replace(".", " ");
  const key = d.request_id && d.state ? `${d.request_id}:${d.state}` : event.id;
  return { key, at: event.time || d.occurred_at, type: event.type, what, seat, detail: d.detail || d.reason || "" };
}

export async function render(main, [interventionId]) {
  if (!interventionId) return index(main);
  const id = encodeURIComponent(interventionId);
  const intervention = await api(`/v1/interventions/${id}`);
  const seatsBox = h("div", { id: "seats" }), offersBox = h("div", { id: "offers" });
  const feed = h("ol", { class: "feed", id: "staffing-feed", tabindex: 0,
    "aria-label": "Escalations and warnings, newest first" });
  const entries = [];
  let offers = [], timer = null;

  function drawFeed() {
    entries.sort((a, b) => String(b.at).localeCompare(String(a.at)));
    clear(feed, entries.length ? entries.map((e) => h("li", { "data-type": e.type },
      h("time", { datetime: e.at }, when(e.at)), " ", h("strong", {}, e.what), e.seat ? ` · ${e.seat}` : "",
      e.detail ? h("div", { class: "muted" }, e.detail) : null)) : h("li", { class: "muted" }, "Nothing yet."));
  }

  function tick() {
    for (const cell of offersBox.querySelectorAll("[data-respond-by]")) {
      cell.textContent = countdown(cell.dataset.respondBy);
    }
  }

  async function load() {
    let staffing;
    try { staffing = await api(`/v1/interventions/${id}/staffing`); } catch (err) {
      if (err.status === 404) { clear(seatsBox, h("p", { class: "muted" }, "Staffing has not started yet.")); return; }
      throw err;
    }
    offers = staffing.offers;
    clear(seatsBox, h("p", {}, `${staffing.filled} of ${staffing.seats_total} seats filled`,
      staffing.closed ? " · staffing closed" : ""), dataTable({ caption: "Seats", name: `seats-${interventionId}`,
      id: "seats-table", rows: staffing.seats.map((s) => ({ ...s, __id: `${s.role}#${s.seat}` })),
      columns: [
        { key: "role", label: "Role" }, { key: "seat", label: "Seat", num: true },
        { key: "filled_by", label: "Filled by", cell: (s) => s.filled_by || h("span", { class: "muted" }, "open") },
        { key: "open_requests", label: "Open offers", num: true, csv: (s) => s.open_requests.length,
          cell: (s) => String(s.open_requests.length) },
        { key: "tried", label: "Tried", num: true }, { key: "candidates_left", label: "Candidates left", num: true },
        { key: "relaxed", label: "Criteria relaxed", cell: (s) => (s.relaxed ? "yes" : "no") },
        { key: "warned", label: "Warning", cell: (s) => (s.warned ? h("span", { class: "badge rag-red" }, "no candidate left") : "") }] }));
    clear(offersBox, dataTable({ caption: "Offers, oldest first", name: `offers-${interventionId}`, id: "offers-table",
      rows: offers.map((o) => ({ ...o, __id: o.request_id })),
      empty: "No offer sent yet.",
      columns: [
        { key: "request_id", label: "Request", cell: (o) => h("code", {}, o.request_id) },
        { key: "role", label: "Role" }, { key: "seat", label: "Seat", num: true }, { key: "expert_id", label: "Expert" },
        { key: "state", label: "State", cell: (o) => h("span", { class: "state", "data-state": o.state }, o.state) },
        { key: "offered_at", label: "Offered", cell: (o) => when(o.offered_at) },
        { key: "respond_by", label: "Answer due", cell: (o) => when(o.respond_by) },
        { key: "left", label: "Time left", csv: (o) => (o.state === "offered" ? countdown(o.respond_by) : ""),
          cell: (o) => (o.state === "offered" ? h("span", { "data-respond-by": o.respond_by }, countdown(o.respond_by)) : "") },
        { key: "start", label: "From", cell: (o) => o.start }, { key: "end", label: "To", cell: (o) => o.end }] }));
    for (const offer of offers) {
      for (const step of offer.history || []) {
        if (["declined", "expired"].includes(step.state) && !entries.some((e) => e.key === `${offer.request_id}:${step.state}`)) {
          entries.push({ key: `${offer.request_id}:${step.state}`, at: step.at, type: `rrc.deployment.${step.state}`,
            what: `deployment ${step.state}`, seat: `${offer.role} #${offer.seat}`, detail: step.reason || "" });
        }
      }
    }
    drawFeed();
    document.body.dataset.rendered = "staffing";
  }

  clear(main, h("p", {}, h("a", { href: "#/staffing" }, "← All interventions")),
    h("h1", {}, `Staffing: ${intervention.plan?.title || interventionId}`),
    h("p", { class: "muted" }, h("code", {}, interventionId), ` · launched ${when(intervention.launched_at)} · `,
      h("a", { href: `#/plans/${encodeURIComponent(intervention.plan_id)}` }, "the plan")),
    h("div", { class: "grid" },
      h("div", {}, h("section", { "aria-labelledby": "seats-h" }, h("h2", { id: "seats-h" }, "Seats"), seatsBox),
        h("section", { "aria-labelledby": "offers-h" }, h("h2", { id: "offers-h" }, "Offers"), offersBox)),
      h("section", { class: "card", "aria-labelledby": "feed-h" }, h("h2", { id: "feed-h" }, "Escalations and warnings"), feed)));
  await load();
  const clock = setInterval(tick, 1000);
  return {
    onEvent(event) {
      const d = event.data || {};
      if (d.intervention_id !== interventionId || !FEED_TYPES.some((t) => event.type.startsWith(t))) return;
      const entry = entryOf(event);
      if (!entries.some((e) => e.key === entry.key)) {
        entries.push(entry);
        drawFeed();
      }
      if (event.type === "rrc.deployment.escalated" || event.type === "rrc.delivery.warning") {
        announce(`${entry.what}${entry.seat ? ` for ${entry.seat}` : ""}`);
      }
      clearTimeout(timer);
      timer = setTimeout(() => load().catch(() => {}), 250);
    },
    dispose() { clearInterval(clock); clearTimeout(timer); },
  };
}
