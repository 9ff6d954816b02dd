// rrc console: sign-in, the page router, the API client and the live event stream (one EventSource per page view).
import { h, clear, announce } from "./ui.js";
import * as crises from "./pages/crises.js";
import * as crisis from "./pages/crisis.js";
import * as plan from "./pages/plan.js";
import * as staffing from "./pages/staffing.js";
import * as deployments from "./pages/deployments.js";
import * as delivery from "./pages/delivery.js";

const ROUTES = [
  [/^#\/crises$/, crises, "crises"],
  [/^#\/crises\/([^/]+)$/, crisis, "crises"],
  [/^#\/plans\/([^/]+)$/, plan, "crises"],
  [/^#\/staffing$/, staffing, "staffing"],
  [/^#\/staffing\/([^/]+)$/, staffing, "staffing"],
  [/^#\/deployments$/, deployments, "deployments"],
  [/^#\/delivery$/, delivery, "delivery"],
];
// Every response event type the API streams (see /asyncapi.json); EventSource needs a listener per name.
const EVENT_TYPES = [
  "rrc.crisis.opened", "rrc.crisis.updated", "rrc.crisis.escalated", "rrc.crisis.closed",
  "rrc.plan.proposed", "rrc.plan.revised", "rrc.plan.approved", "rrc.plan.superseded",
  "rrc.intervention.launched", "rrc.intervention.closed", "rrc.staffing.updated", "rrc.role.filled",
  "rrc.deployment.requested", "rrc.deployment.accepted", "rrc.deployment.declined", "rrc.deployment.expired",
  "rrc.deployment.escalated", "rrc.deployment.reminded", "rrc.deployment.deployed", "rrc.deployment.completed",
  "rrc.deployment.extended", "rrc.delivery.updated", "rrc.delivery.warning", "rrc.delivery.rate_lagging",
  "rrc.resource.requested", "rrc.resource.committed", "rrc.resource.declined", "rrc.resource.expired",
  "rrc.resource.status", "rrc.resource.received", "rrc.resource.withdrawn", "rrc.resources.updated",
];

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const state = { me: null, current: null, source: null };

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.me?.csrf_token) headers["X-CSRF-Token"] = state.me.csrf_token;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin" });
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { error: "unreadable", detail: text.slice(0, 200) }; }
  if (response.status === 401 && path !== "/console/session") { signedOut(); }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

// Every page of a list endpoint, up to `max` items.
export async function all(path, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor && items.length < max);
  return items;
}

export const me = () => state.me;

function signedOut() {
  state.me = null;
  state.source?.close();
  state.source = null;
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
  renderSignIn();
}

function renderSignIn(message) {
  const main = document.getElementById("main");
  const error = h("p", { class: "error", id: "signin-error", role: "alert" }, message || "");
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true,
    "aria-describedby": "token-help signin-error", spellcheck: "false" });
  const form = h("form", { class: "card signin", id: "signin" },
    h("h1", {}, "Sign in"),
    h("div", { class: "field" }, h("label", { for: "token" }, "Your bearer token"), input,
      h("p", { class: "muted", id: "token-help" },
        "A coordinator's or admin's token (rrc token create). It is sent once; the console then keeps a session.")),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      state.me = await api("/console/session", { method: "POST", body: { token: input.value.trim() } });
      input.value = "";
      started();
    } catch (err) {
      clear(error, err.body?.detail || err.message);
      input.focus();
    }
  });
  clear(main, form);
  input.focus();
}

function started() {
  document.getElementById("nav").hidden = false;
  document.getElementById("who").hidden = false;
  document.getElementById("who-text").textContent =
    `${state.me.role}${state.me.office_id ? ` · ${state.me.office_id}` : ""}`;
  connect();
  if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = "#/crises";
  else route();
}

function connect() {
  state.source?.close();
  const live = document.getElementById("live-state");
  const source = new EventSource("/v1/events/stream", { withCredentials: true });
  source.onopen = () => { live.textContent = "live"; live.classList.add("on"); };
  source.onerror = () => { live.textContent = "reconnecting"; live.classList.remove("on"); };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      try { state.current?.onEvent?.(event); } catch (err) { console.error(err); }
    });
  }
  state.source = source;
}

async function route() {
  if (!state.me) return;
  const hash = location.hash || "#/crises";
  state.current?.dispose?.();
  state.current = null;
  const main = document.getElementById("main");
  const found = ROUTES.map(([re, module, nav]) => [hash.match(re), module, nav]).find(([m]) => m);
  for (const link of document.querySelectorAll("nav a")) {
    if (found && link.dataset.page === found[2]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!found) {
    clear(main, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/crises" }, "Back to the crises")));
    return;
  }
  const [match, module] = found;
  clear(main, h("p", { class: "loading" }, "Loading…"));
  // Live events that come while the page loads are kept and handed to it once it listens: a staffing board
  // loaded just before the first offers went out otherwise never heard of them.
  const waiting = { events: [], onEvent(event) { if (this.events.length < 500) this.events.push(event); } };
  state.current = waiting;
  try {
    const page = (await module.render(main, match.slice(1).map(decodeURIComponent))) || null;
    if (state.current !== waiting) {  // another page was asked for meanwhile
      page?.dispose?.();
      return;
    }
    state.current = page;
    for (const event of waiting.events) {
      try { page?.onEvent?.(event); } catch (err) { console.error(err); }
    }
  } catch (err) {
    if (state.current === waiting) state.current = null;
    if (err instanceof ApiError && err.status === 401) return;
    clear(main, h("h1", {}, err.status === 404 ? "Not found" : "Something went wrong"),
      h("p", { class: "error", role: "alert" }, err.body?.detail || err.message));
  }
}

async function boot() {
  window.addEventListener("hashchange", () => { route(); document.getElementById("main").focus(); });
  document.getElementById("sign-out").addEventListener("click", async () => {
    try { await api("/console/session", { method: "DELETE" }); } finally { signedOut(); announce("Signed out"); }
  });
  try {
    state.me = await api("/console/session");
    started();
  } catch {
    renderSignIn();
  }
}

boot();
