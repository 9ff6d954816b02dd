// Plan review: roles with ranked candidates (score parts as bars) and near misses with their reasons, partner asks,
// targets; edit (role counts, chosen experts and partners, quantities) and approve, the API's errors by the field.
import { api, me } from "../app.js";
import { h, clear, dataTable, scoreBars, legend, severityBadge, when } from "../ui.js";

const EXPERT_PARTS = ["skill", "language", "country", "region", "seniority", "proximity"];
const PARTNER_PARTS = ["coverage", "capacity", "lead_time"];

// "body.roles[0].count: ...", "body: roles[0].chosen: ..." or "roles.0.count: ..." -> ["roles", 0, "count"]
function fieldOf(detail) {
  const match = /^([A-Za-z_][\w.[\]]*):/.exec((detail || "").replace(/^body(?::\s*|\.)/, ""));
  if (!match) return null;
  return match[1].replace(/\[(\d+)\]/g, ".$1").split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export async function render(main, [planId]) {
  const plan = await api(`/v1/plans/${encodeURIComponent(planId)}`);
  const editable = plan.status === "proposed";
  const general = h("p", { class: "error", role: "alert", id: "plan-error" });
  const done = h("p", { class: "ok", role: "status", id: "plan-result" });
  const fieldErrors = new Map(); // "roles:<role>:count" -> element
  const errorSlot = (key) => {
    const el = h("span", { class: "field-error", id: `err-${key.replaceAll(":", "-")}`, role: "alert" });
    fieldErrors.set(key, el);
    return el;
  };

  const roleCards = plan.roles.map((role) => {
    const countId = `count-${role.role}`;
    const chosen = new Set(role.chosen);
    const candidates = dataTable({
      caption: `Candidates for ${role.label}, best first`, name: `candidates-${role.role}`,
      rows: role.candidates.map((c, rank) => ({ ...c, rank: rank + 1, __id: c.expert_id })),
      empty: "No eligible candidate.",
      columns: [
        { key: "choose", label: "Chosen", csv: (c) => (chosen.has(c.expert_id) ? "yes" : ""),
          cell: (c) => h("input", { type: "checkbox", name: `chosen-${role.role}`, value: c.expert_id,
            checked: chosen.has(c.expert_id), disabled: !editable, "aria-label": `Choose ${c.expert_id}` }) },
        { key: "rank", label: "Rank", num: true }, { key: "expert_id", label: "Expert" },
        { key: "score", label: "Score", num: true, cell: (c) => c.score.toFixed(2) },
        { key: "score_parts", label: "Score parts", csv: (c) => JSON.stringify(c.score_parts),
          cell: (c) => scoreBars(c.score_parts, `Score parts of ${c.expert_id}`) }],
    });
    const nearMisses = dataTable({
      caption: `Near misses for ${role.label}`, name: `near-misses-${role.role}`,
      rows: role.near_misses.map((c) => ({ ...c, __id: c.expert_id })), empty: "No near miss.",
      columns: [
        { key: "expert_id", label: "Expert" }, { key: "score", label: "Score", num: true, cell: (c) => c.score.toFixed(2) },
        { key: "failed", label: "Why not", csv: (c) => c.failed.join(" "), cell: (c) => c.failed.join(", ") },
        { key: "blocked_by", label: "Taken by", csv: (c) => (c.blocked_by || []).map(blocker).join("; "),
          cell: (c) => (c.blocked_by || []).map(blocker).join("; ") },
        { key: "score_parts", label: "Score parts", csv: (c) => JSON.stringify(c.score_parts),
          cell: (c) => scoreBars(c.score_parts, `Score parts of ${c.expert_id}`) }],
    });
    return h("section", { class: "card role", "data-role": role.role, "aria-labelledby": `role-${role.role}` },
      h("h3", { id: `role-${role.role}` }, role.label),
      h("p", { class: "muted" }, `${role.phase} · ${role.objective} · from ${role.start} for ${role.duration_days} days`,
        role.high_risk ? " · high risk" : "", ` · ${role.eligible} eligible, ${role.unfilled} unfilled`),
      h("div", { class: "field" }, h("label", { for: countId }, "Experts needed"),
        h("input", { id: countId, name: countId, type: "number", value: role.count, disabled: !editable,
          "aria-describedby": `err-roles-${role.role}-count`, class: "count", "data-role": role.role }),
        errorSlot(`roles:${role.role}:count`)),
      errorSlot(`roles:${role.role}:chosen`), errorSlot(`roles:${role.role}:role`),
      candidates, h("h4", {}, "Near misses"), nearMisses);
  });

  const askCards = plan.partner_asks.map((ask) => {
    const chosen = new Set(ask.chosen);
    const qtyId = `qty-${ask.capability}`;
    return h("section", { class: "card ask", "data-capability": ask.capability, "aria-labelledby": `ask-${ask.capability}` },
      h("h3", { id: `ask-${ask.capability}` }, ask.capability.replaceAll("_", " ")),
      h("p", { class: "muted" }, `${ask.unit}, within ${ask.needed_within_days} days, ${ask.phase}`),
      h("div", { class: "field" }, h("label", { for: qtyId }, `Quantity (${ask.unit})`),
        h("input", { id: qtyId, name: qtyId, type: "number", step: "any", value: ask.quantity, disabled: !editable,
          class: "quantity", "data-capability": ask.capability }),
        errorSlot(`partner_asks:${ask.capability}:quantity`)),
      errorSlot(`partner_asks:${ask.capability}:chosen`),
      dataTable({ caption: `Partners for ${ask.capability.replaceAll("_", " ")}, best first`,
        name: `partners-${ask.capability}`, rows: ask.partners.map((p) => ({ ...p, __id: p.partner_id })),
        empty: "No partner has this capability.",
        columns: [
          { key: "choose", label: "Chosen", csv: (p) => (chosen.has(p.partner_id) ? "yes" : ""),
            cell: (p) => h("input", { type: "checkbox", name: `partner-${ask.capability}`, value: p.partner_id,
              checked: chosen.has(p.partner_id), disabled: !editable, "aria-label": `Choose ${p.organisation}` }) },
          { key: "organisation", label: "Partner" }, { key: "coverage", label: "Coverage" },
          { key: "capacity", label: "Capacity", num: true },
          { key: "lead_time_days", label: "Lead time (days)", num: true },
          { key: "meets", label: "Meets", csv: (p) => `${p.meets_quantity} ${p.meets_deadline}`,
            cell: (p) => [p.meets_quantity ? "quantity" : "not the quantity", p.meets_deadline ? "deadline" : "not the deadline"].join(", ") },
          { key: "score_parts", label: "Score parts", csv: (p) => JSON.stringify(p.score_parts),
            cell: (p) => scoreBars(p.score_parts, `Score parts of ${p.organisation}`) }] }));
  });

  const targets = dataTable({ caption: "Targets", name: `targets-${planId}`, id: "plan-targets",
    rows: plan.targets.map((t) => ({ ...t, __id: t.id })),
    columns: [{ key: "label", label: "Target" }, { key: "kind", label: "Kind" },
      { key: "value", label: "Value", num: true }, { key: "unit", label: "Unit" },
      { key: "within_hours", label: "Within (hours)", num: true }] });

  const form = h("form", { id: "plan-form", novalidate: true },
    h("section", { "aria-labelledby": "roles-h" }, h("h2", { id: "roles-h" }, "Roles and candidates"),
      legend(EXPERT_PARTS), roleCards),
    h("section", { "aria-labelledby": "asks-h" }, h("h2", { id: "asks-h" }, "Partner asks"), legend(PARTNER_PARTS), askCards),
    h("section", { "aria-labelledby": "targets-h" }, h("h2", { id: "targets-h" }, "Targets"), targets),
    editable ? h("div", { class: "actions" },
      h("button", { type: "submit", id: "save-plan", class: "secondary" }, "Save changes"),
      h("button", { type: "button", id: "approve-plan" }, "Approve and launch")) : null,
    general, done);

  // The edit of one role or ask: its number field and its chosen boxes, where they differ from the plan.
  function changeOf(item, idKey, field, number, boxes) {
    const id = CSS.escape(item[idKey]);
    const value = Number(form.querySelector(`#${number}-${id}`).value);
    const chosen = [...form.querySelectorAll(`input[name="${boxes}-${id}"]:checked`)].map((i) => i.value);
    const change = { [idKey]: item[idKey] };
    if (value !== item[field]) change[field] = value;
    if (chosen.join() !== item.chosen.join()) change.chosen = chosen;
    return Object.keys(change).length > 1 ? change : null;
  }

  function patch() {
    return {
      roles: plan.roles.map((r) => changeOf(r, "role", "count", "count", "chosen")).filter(Boolean),
      partner_asks: plan.partner_asks.map((a) => changeOf(a, "capability", "quantity", "qty", "partner")).filter(Boolean),
    };
  }

  function showError(err, body) {
    for (const el of fieldErrors.values()) el.textContent = "";
    const detail = err.body?.detail || err.message;
    const path = fieldOf(detail);
    let slot = null;
    if (path && body && (path[0] === "roles" || path[0] === "partner_asks") && typeof path[1] === "number") {
      const item = body[path[0]][path[1]];
      const name = item && (item.role || item.capability);
      slot = fieldErrors.get(`${path[0]}:${name}:${path[2] || "role"}`) || fieldErrors.get(`${path[0]}:${name}:chosen`);
    }
    if (slot) { slot.textContent = detail; general.textContent = "The plan was not changed: see the field marked."; }
    else general.textContent = detail;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    general.textContent = ""; done.textContent = "";
    const body = patch();
    if (!body.roles.length && !body.partner_asks.length) { done.textContent = "Nothing changed."; return; }
    try {
      const result = await api(`/v1/plans/${encodeURIComponent(planId)}`, { method: "PATCH", body });
      for (const el of fieldErrors.values()) el.textContent = "";
      done.textContent = `Saved: revision ${result.plan?.revision ?? ""}.`;
      location.hash = `#/plans/${encodeURIComponent(result.plan?.plan_id || planId)}`;
    } catch (err) { showError(err, body); }
  });
  form.querySelector("#approve-plan")?.addEventListener("click", async () => {
    general.textContent = ""; done.textContent = "";
    try {
      const result = await api(`/v1/plans/${encodeURIComponent(planId)}/approve`, { method: "POST" });
      const id = result.intervention?.intervention_id || result.plan?.intervention_id;
      clear(done, "Approved: intervention ", h("a", { href: `#/staffing/${encodeURIComponent(id)}`, id: "launched" }, id),
        " launched.");
      document.getElementById("plan-status").textContent = "approved";
      for (const el of form.querySelectorAll("input, #save-plan, #approve-plan")) el.disabled = true;
    } catch (err) { showError(err, null); }
  });

  clear(main,
    h("p", {}, h("a", { href: `#/crises/${encodeURIComponent(plan.crisis_id)}` }, "← The crisis")),
    h("h1", {}, `Plan ${plan.template_id} for: ${plan.title}`),
    h("dl", { class: "facts card" },
      h("dt", {}, "Status"), h("dd", { id: "plan-status" }, plan.status),
      h("dt", {}, "Severity"), h("dd", {}, severityBadge(plan.severity)),
      h("dt", {}, "Countries"), h("dd", {}, plan.countries.join(", ")),
      h("dt", {}, "Version"), h("dd", {}, `${plan.version}.${plan.revision}, proposed ${when(plan.created_at)}`),
      h("dt", {}, "Signed in as"), h("dd", {}, `${me().role}${me().office_id ? ` of ${me().office_id}` : ""}`),
      plan.intervention_id ? [h("dt", {}, "Intervention"), h("dd", {}, h("a",
        { href: `#/staffing/${encodeURIComponent(plan.intervention_id)}` }, plan.intervention_id))] : null),
    form);
  document.body.dataset.rendered = "plan";
}

// What keeps a near miss's days taken: a roster deployment, or a hold (offer or commitment) for an intervention.
function blocker(b) {
  const days = `${b.start} to ${b.end}`;
  return b.kind === "hold" ? `${b.state || "held"} for ${b.intervention_id || "another intervention"} (${days})`
    : `deployed ${days}`;
}
