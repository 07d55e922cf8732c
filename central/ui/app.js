// Central's dashboard: consignments with filters, one consignment's chain, seals, discrepancies
// and timeline, the discrepancy queue with resolution, findings across consignments, the nodes' last sync, the registry, and
// the reports (KP statistics, reconciliation with the Department) with their downloads.
// Vanilla JS; it talks only to central's own /api.
"use strict";

let lang = localStorage.getItem("tamga-central-lang") || "ru";
let vocabulary = null;

// A word in the language chosen (else English, else the key), each {name} in it replaced by
// params[name].
function t(key, params) {
  const table = window.I18N[lang] || {};
  const text = table[key] || window.I18N.en[key] || key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

// Whether the tables have a word for `key`.
function known(key) {
  return Boolean((window.I18N[lang] || {})[key] || window.I18N.en[key]);
}

// A term the server sends as it spells it (an act kind "seal_applied", a seal state "Intact", an
// incident "force majeure"), in words: the table's prefix and the term in snake_case, else the
// term as it is.
function term(prefix, value) {
  const key = prefix + String(value).replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[\s-]+/g, "_").toLowerCase();
  return known(key) ? t(key) : String(value);
}

// The vocabulary of each kind of term a finding's words may hold (tamga_core::assessment::words:
// a placeholder ending in the name), by the prefix of its words in the tables.
const TERMS = {
  act_kind: "kind_of_act.", seal_state: "seal_state.", seal_basis: "seal_basis.", document_kind: "document.",
  incident_kind: "incident.", duty: "duty.", role: "officer_role.", mass_unit: "mass_unit.",
};

// What a discrepancy (or a finding across consignments) says, in the language chosen: the words
// of its template with its values, terms in words too; the English summary if the tables do not
// have the template.
function findingText(d) {
  const w = d.words;
  if (!w || !w.key || !known("finding." + w.key)) return d.summary;
  const args = {};
  for (const [name, value] of Object.entries(w.args || {})) {
    const kind = Object.keys(TERMS).find((v) => name === v || name.endsWith("_" + v));
    args[name] = kind ? term(TERMS[kind], value) : value;
  }
  return t("finding." + w.key, args);
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// An act's UTC time ("2026-11-23T06:00:00Z") as people read it: local time in central's zone
// (from /api/overview, never the browser's) with the offset (time.js).
function when(ts) {
  return window.TamgaTime.forPeople(ts);
}

// Whether central's zone is known yet (the overview says it).
let zoneKnown = false;

function short(id) {
  return String(id || "").slice(0, 12);
}

// On the staff port (HTTPS) a person logs in: the session is a cookie the page never reads,
// and every change carries the session's CSRF token. On central's own machine (loopback) there
// is no session.
let session = null;

async function api(path, options) {
  options = options || {};
  if (session && options.method === "POST") {
    options.headers = Object.assign({}, options.headers || {}, { "x-csrf-token": session.csrf });
  }
  const answer = await fetch(path, options);
  const text = await answer.text();
  let body;
  try { body = JSON.parse(text); } catch (_) { body = { error: text }; }
  if (answer.status === 401 && path !== "/api/login") {
    session = null;
    showLogin();
    throw new Error(t("login_needed"));
  }
  if (!answer.ok) throw new Error(body.error || answer.statusText);
  return body;
}

// Who is logged in, in the header, with the logout button.
function showWho() {
  const box = document.getElementById("who");
  if (!session) return box.replaceChildren();
  const out = el("button", { type: "button", "data-test": "logout" }, t("logout"));
  out.addEventListener("click", async () => {
    try { await api("/api/logout", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }); } catch (_) { /* shown by the login form */ }
    session = null;
    showLogin();
  });
  box.replaceChildren(el("a", { href: "#/account", "data-test": "who", "data-role": session.role, title: t("account_title") }, session.name + " · " + t("role." + session.role)), " ", out);
}

// The login form: account name, password and the authenticator app's 6-digit code, or, for an
// account with a security key, the key after the password (account.js).
function showLogin(message) {
  showWho();
  document.getElementById("overview").replaceChildren();
  const main = document.getElementById("main");
  const username = el("input", { name: "username", autocomplete: "username", required: true, "data-test": "login-username" });
  const password = el("input", { type: "password", name: "password", autocomplete: "current-password", required: true, "data-test": "login-password" });
  const code = el("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 8, "data-test": "login-code" });
  const status = el("div", {}, message ? el("div", { class: "notice" }, message) : "");
  const form = el("form", { class: "login card", "data-test": "login" },
    el("h1", {}, t("login_title")),
    el("label", {}, t("login_username"), username),
    el("label", {}, t("login_password"), password),
    el("label", {}, t("login_code"), code, el("small", { class: "muted" }, t("login_code_hint"))),
    el("button", { type: "submit", "data-test": "login-submit" }, t("login")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    try {
      const answer = await api("/api/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: username.value, password: password.value, code: code.value }),
      });
      password.value = "";
      session = answer.second_factor === "security_key" ? await loginWithKey(answer, status) : answer;
      code.value = "";
      showWho();
      route();
    } catch (e) {
      password.value = "";
      code.value = "";
      status.replaceChildren(el("div", { class: "error", role: "alert", "data-test": "login-error" }, e.message));
    }
  });
  main.replaceChildren(form);
}

// At start: a session (staff port), none needed (loopback), or the login form.
async function whoAmI() {
  const answer = await fetch("/api/session");
  if (answer.status === 200) {
    session = await answer.json();
  } else if (answer.status === 401) {
    return false;
  }
  showWho();
  return true;
}

function sev(s) {
  return s ? el("span", { class: "sev sev-" + s }, t("severity." + s)) : "";
}

function showError(container, e) {
  container.prepend(el("div", { class: "error", role: "alert" }, e.message || String(e)));
}

function consignmentLink(id, act) {
  return "#/c/" + encodeURIComponent(id) + (act ? "/" + act : "");
}

// ---- the overview strip ----

async function overview() {
  const box = document.getElementById("overview");
  try {
    const o = await api("/api/overview");
    if (o.time_zone) {
      window.TamgaTime.setZone(o.time_zone.name);
      zoneKnown = true;
    }
    const open = Object.values(o.totals.open_by_severity || {}).reduce((a, b) => a + b, 0);
    const across = Object.values(o.totals.across || {}).reduce((a, b) => a + b, 0);
    box.replaceChildren(
      el("span", {}, t("now") + ": ", el("b", {}, when(o.now)), " ", el("span", { class: "muted", "data-test": "time-zone" }, window.TamgaTime.label())),
      el("span", {}, t("consignments") + ": ", el("b", {}, o.totals.consignments)),
      el("span", {}, t("open_discrepancies") + ": ", el("b", {}, open)),
      el("a", { href: "#/across", "data-test": "overview-across", "data-count": across }, t("across_findings") + ": ",
        el("b", { class: across ? "bad" : null }, across)),
      el("span", {}, t("lag") + ": ", el("b", {}, o.lag_positions)),
      el("span", {}, t("last_full") + ": ", el("b", {}, when(o.progress.last_full))),
      el("span", {}, t("nodes_silent") + ": ", el("b", {}, o.nodes.silent)),
      el("span", { class: "muted" }, o.unit + " · " + o.authority_fingerprint)
    );
  } catch (e) {
    box.replaceChildren(el("span", { class: "bad" }, e.message));
  }
}

// ---- filters ----

function filterForm(fields, params, onApply) {
  const form = el("form", { class: "filters" });
  const select = (name, options) => {
    const s = el("select", { name }, el("option", { value: "" }, t("any")));
    for (const [value, label] of options) {
      s.append(el("option", { value, selected: params.get(name) === value }, label));
    }
    return s;
  };
  const input = (name, placeholder) =>
    el("input", { name, value: params.get(name) || "", placeholder, size: 14 });
  const makers = {
    status: () => select("status", vocabulary.statuses.map((s) => [s, t("status." + s)])),
    kind: () => select("kind", vocabulary.kinds.map((k) => [k, t("kind." + k)])),
    severity: () => select("severity", vocabulary.severities.map((s) => [s, t("severity." + s)])),
    post: () => input("post", "MANAS-AIRPORT"),
    from: () => input("from", "2026-11-01"),
    until: () => input("until", "2026-12-01"),
    due_before: () => input("due_before", "2026-11-24"),
    discrepancies: () => select("discrepancies", [["yes", t("yes")], ["no", t("no")]]),
    overdue: () => select("overdue", [["yes", t("yes")], ["no", t("no")]]),
    state: () => select("state", [["open", t("open")], ["resolved", t("resolved")], ["all", t("all")]]),
  };
  const labels = { discrepancies: "with_discrepancies" };
  for (const f of fields) {
    form.append(el("label", {}, t(labels[f] || f), makers[f]()));
  }
  form.append(el("button", { type: "submit" }, t("filter")));
  form.append(el("button", { type: "button", class: "secondary", onclick: () => onApply(new URLSearchParams()) }, t("clear")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) p.set(k, v);
    onApply(p);
  });
  return form;
}

function routeWith(base, params) {
  const q = params.toString();
  location.hash = base + (q ? "?" + q : "");
}

// ---- pages ----

async function consignmentsPage(main, params) {
  main.replaceChildren(el("h1", {}, t("nav_consignments")));
  main.append(filterForm(["status", "kind", "severity", "post", "from", "until", "due_before", "discrepancies", "overdue"], params, (p) => routeWith("#/", p)));
  let rows;
  try {
    rows = await api("/api/consignments?" + params.toString());
  } catch (e) {
    return showError(main, e);
  }
  main.append(el("p", { class: "downloads" },
    el("a", { class: "button secondary", href: "/api/export/csv?" + params.toString(), download: "", "data-test": "consignments-csv" }, t("consignments_csv"))));
  if (!rows.length) return main.append(el("p", { class: "muted" }, t("nothing_found")));
  const table = el("table", { id: "consignments" },
    el("thead", {}, el("tr", {},
      [t("consignment"), t("declaration"), t("status"), t("route"), t("custodian"), t("deadline"), t("open_discrepancies"), t("acts"), t("rejected")].map((h) => el("th", {}, h)))));
  const body = el("tbody");
  for (const r of rows) {
    body.append(el("tr", { "data-test": "consignment-row", "data-consignment": r.consignment },
      el("td", {}, el("a", { href: consignmentLink(r.consignment) }, r.consignment)),
      el("td", {}, r.declaration || "—"),
      el("td", { "data-test": "c-status", "data-status": r.status }, t("status." + r.status),
        r.outcome === "delivered_short" ? el("div", { class: "warn" }, t("outcome.delivered_short")) : "",
        r.overdue ? el("div", { class: "bad" }, t("overdue")) : ""),
      el("td", {}, (r.route || []).join(" → ")),
      el("td", {}, r.custodian || (r.custody_disputed ? el("span", { class: "bad" }, "?") : "—")),
      el("td", {}, when(r.deadline)),
      el("td", { "data-test": "c-open", "data-open": r.open }, r.open ? [sev(r.worst_open), " ", r.open] : el("span", { class: "ok" }, "0")),
      el("td", { class: "num" }, r.acts),
      el("td", { class: "num" + (r.rejected ? " bad" : "") }, r.rejected)));
  }
  table.append(body);
  main.append(table);
}

function signerText(s) {
  const parts = [s.name || s.key.slice(0, 16) + "…"];
  if (s.personal_number) parts.push("№ " + s.personal_number);
  if (s.role) parts.push(term("officer_role.", s.role));
  if (s.unit) parts.push(s.unit);
  return parts.join(", ");
}

function placeText(p) {
  if (!p) return "—";
  if (p.type === "post") return p.unit;
  const c = p.coordinates ? " (" + p.coordinates.latitude + ", " + p.coordinates.longitude + ")" : "";
  return (p.description || "") + c;
}

function resolveForm(consignment, d, officers, onDone) {
  // Logged in, staff sign with their own key only.
  const supervisorsAll = officers.filter((o) => o.supervisor);
  if (session) {
    officers = officers.filter((o) => o.key === session.key);
    if (!officers.length) return el("p", { class: "muted", "data-test": "no-own-key" }, t("no_own_key"));
  }
  if (!officers.length) return el("p", { class: "muted" }, t("no_officers"));
  const officer = el("select", { name: "officer", required: true, "data-test": "resolve-officer" },
    officers.map((o) => el("option", { value: o.key }, o.holder + (o.central_staff ? "" : " (!)"))));
  const pin = el("input", { type: "password", name: "pin", autocomplete: "off", required: true, "data-test": "resolve-pin" });
  const reason = el("textarea", { name: "reason", required: true, maxlength: 2000, "data-test": "resolve-reason" });
  // A critical discrepancy is closed by two people: the second signature is a supervisor's.
  const critical = d.severity === "critical";
  const supervisors = supervisorsAll;
  const supervisor = el("select", { name: "supervisor", required: true, "data-test": "resolve-supervisor" },
    supervisors.map((o) => el("option", { value: o.key }, o.holder)));
  const status = el("div");
  const form = el("form", { class: "resolve" },
    critical ? el("p", { class: "warn", "data-test": "two-person-note" }, t("two_person_note")) : "",
    el("label", {}, t("officer"), officer),
    critical ? el("label", {}, t("supervisor"), supervisors.length ? supervisor : el("span", { class: "muted" }, t("no_supervisors"))) : "",
    el("label", {}, t("pin"), pin),
    el("label", {}, t("reason"), reason),
    el("button", { type: "submit", "data-test": "resolve-submit" }, critical ? t("resolve_first") : t("resolve")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    const body = { consignment, officer: officer.value, pin: pin.value, reason: reason.value };
    if (critical) body.supervisor = supervisor.value;
    try {
      const answer = await api("/api/discrepancies/" + d.id + "/resolve", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      pin.value = "";
      const done = answer.pending
        ? t("resolve_pending_done") + " " + (answer.supervisor_name || short(answer.supervisor))
        : t("resolve_done") + " " + short(answer.act);
      status.replaceChildren(el("div", { class: "notice" }, done));
      setTimeout(() => onDone(done), 600);
    } catch (e) {
      pin.value = "";
      status.replaceChildren(el("div", { class: "error", role: "alert", "data-test": "resolve-error" }, e.message));
    }
  });
  return el("details", { "data-test": "resolve" }, el("summary", {}, t("resolve_title")), form);
}

// A resolution signed once, awaiting the named supervisor's signature, and their form.
function pendingView(p, officers, onDone) {
  const mine = officers.filter((o) => o.key === p.supervisor && (!session || session.key === p.supervisor));
  const pin = el("input", { type: "password", name: "pin", autocomplete: "off", required: true, "data-test": "countersign-pin" });
  const status = el("div");
  const form = el("form", { class: "resolve" },
    el("label", {}, t("supervisor"), el("b", {}, p.supervisor_name || short(p.supervisor))),
    el("label", {}, t("pin"), pin),
    el("button", { type: "submit", "data-test": "countersign-submit" }, t("countersign")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    try {
      const answer = await api("/api/resolutions/" + p.pending + "/countersign", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ officer: p.supervisor, pin: pin.value }),
      });
      pin.value = "";
      const done = t("resolve_done") + " " + short(answer.act);
      status.replaceChildren(el("div", { class: "notice" }, done));
      setTimeout(() => onDone(done), 600);
    } catch (e) {
      pin.value = "";
      status.replaceChildren(el("div", { class: "error", role: "alert", "data-test": "countersign-error" }, e.message));
    }
  });
  return el("div", { class: "warn", "data-test": "pending", "data-pending": p.pending },
    t("pending_by") + " " + (p.officer_name || short(p.officer)) + " · " + when(p.at) + " · " + p.reason + " · " +
      t("pending_awaits") + " " + (p.supervisor_name || short(p.supervisor)),
    mine.length ? el("details", { "data-test": "countersign" }, el("summary", {}, t("countersign_title")), form) : "");
}

function discrepancyCard(consignment, d, officers, onDone, pending) {
  const proof = el("div", {}, t("proof") + ": ",
    d.acts.map((a) => [el("a", { href: consignmentLink(consignment, a), class: "mono", "data-test": "proof", "data-act": a }, short(a)), " "]));
  const waiting = (pending || []).find((p) => p.discrepancy === d.id && p.consignment === consignment);
  const state = d.resolution ? "resolved" : waiting ? "pending" : "open";
  const card = el("div", {
    class: "card" + (d.resolution ? " resolved" : ""), id: "d-" + d.id, "data-test": "discrepancy",
    "data-kind": d.kind, "data-state": state,
  },
    el("div", {}, sev(d.severity), " ", el("b", {}, t("kind." + d.kind)), d.subject ? " — " + d.subject : "",
      " ", el("span", { class: "muted mono" }, short(d.id))),
    el("div", { "data-test": "finding" }, findingText(d)),
    proof);
  if (d.resolution) {
    const name = (key) => {
      const o = (officers || []).find((x) => x.key === key);
      return o ? o.holder + " " : "";
    };
    card.append(el("div", { class: "ok", "data-test": "resolution" }, t("resolved_by") + " ",
      name(d.resolution.by), el("span", { class: "mono" }, short(d.resolution.by)),
      d.resolution.supervisor ? [" + " + name(d.resolution.supervisor), el("span", { class: "mono" }, short(d.resolution.supervisor))] : "",
      " · " + when(d.resolution.at) + " · " + d.resolution.reason + " · ",
      el("a", { href: consignmentLink(consignment, d.resolution.act), class: "mono" }, short(d.resolution.act))));
  } else if (waiting && officers) {
    card.append(pendingView(waiting, officers, onDone));
  } else if (officers) {
    card.append(resolveForm(consignment, d, officers, onDone));
  }
  return card;
}

function chainView(data) {
  const chain = el("div", { class: "chain" });
  data.chain.forEach((link, i) => {
    if (i > 0) {
      chain.append(el("div", { class: "arrow" },
        el("div", { class: "line" }, "→"),
        el("a", { href: consignmentLink(data.record.consignment, link.act), class: "mono" }, short(link.act)),
        el("div", {}, when(link.since))));
    }
    chain.append(el("div", { class: "box" + (i === data.chain.length - 1 ? " current" : ""), "data-test": "chain-link", "data-unit": link.unit },
      el("div", { class: "unit" }, link.unit),
      el("div", {}, signerText(link.officer)),
      el("div", { class: "muted" }, (i === 0 ? t("registration") + " · " : "") + when(link.since))));
  });
  return chain;
}

function actLink(consignment, a) {
  return el("a", { href: consignmentLink(consignment, a.act), class: "mono", "data-test": "act-link", "data-act": a.act }, short(a.act));
}

// The legal record in force: how transit ended, the escort crew in force and its changes, the
// incidents, the deadline and its extension, and each corrected act with its corrections.
function legalView(consignment, legal) {
  const box = el("section", { id: "legal-record" });
  const o = legal.outcome;
  if (o) {
    const details = [];
    if (o.type === "delivered_short") {
      details.push(el("div", {}, t("packages_short") + ": " + o.packages + " · " + t("net_mass_short") + ": " + o.net_mass_for_people));
    }
    if (o.type === "refused") details.push(el("div", { "data-test": "outcome-reason" }, t("reason") + ": " + o.reason));
    box.append(el("h2", {}, t("outcome")),
      el("div", { class: "card" + (o.type === "delivered" ? "" : " attention"), id: "outcome", "data-test": "outcome", "data-outcome": o.type },
        el("b", {}, t("outcome." + o.type)), " · " + (o.at_for_people || "—") + " · ", actLink(consignment, o), details));
  }

  const e = legal.escort;
  box.append(el("h2", {}, t("escort_title")));
  if (!e) box.append(el("p", { class: "muted" }, t("no_escort")));
  else {
    box.append(el("div", { class: "card", id: "escort", "data-test": "escort", "data-unit": e.unit },
      el("div", { class: "grid" },
        el("div", {}, el("span", {}, t("unit")), e.unit),
        el("div", {}, el("span", {}, t("vehicle")), el("span", { "data-test": "vehicle" }, e.vehicle)),
        el("div", {}, el("span", {}, t("officer_in_charge")), el("span", { "data-test": "officer-in-charge", "data-key": e.officer_in_charge.key }, signerText(e.officer_in_charge))),
        el("div", {}, el("span", {}, t("crew")), e.crew.map((p) => el("div", { "data-test": "crew-member", "data-key": p.key }, signerText(p))))),
      el("div", { class: "muted" }, t("escort_assigned") + " " + (e.assigned.at_for_people || "—") + " · ", actLink(consignment, e.assigned)),
      e.changes.length ? el("div", {}, el("b", {}, t("escort_changes")),
        e.changes.map((c) => el("div", { "data-test": "escort-change", "data-act": c.act },
          when(c.at) + " · " + (c.transhipment ? t("transhipment") : t("kind_of_act." + c.kind)) + " · ",
          c.vehicle ? t("vehicle") + " " + c.vehicle + " · " : "",
          c.officer_in_charge ? t("officer_in_charge") + ": " + signerText(c.officer_in_charge) + " · " : "",
          c.reason ? c.reason + " · " : "", actLink(consignment, c)))) : ""));
  }

  if (legal.incidents.length) {
    box.append(el("h2", {}, t("incidents_title")));
    for (const i of legal.incidents) {
      box.append(el("div", { class: "card" + (i.open ? " attention" : ""), "data-test": "incident", "data-open": i.open ? "yes" : "no", "data-act": i.act },
        el("div", {}, el("b", {}, t("incident." + i.incident)), " · " + when(i.at) + " · ", actLink(consignment, i)),
        el("div", {}, i.description),
        i.open ? el("div", { class: "bad" }, t("incident_open")) :
          i.follow_ups.map((f) => el("div", { class: "ok" }, t("follow_up." + f.action) + " · " + when(f.at) + " · " + f.note + " · ", actLink(consignment, f)))));
    }
  }

  const d = legal.deadline;
  box.append(el("h2", {}, t("deadline")));
  box.append(el("div", { class: "card", id: "deadline", "data-test": "deadline", "data-extended": d.extension ? "yes" : "no" },
    el("div", {}, t("deadline_in_force") + ": ", el("b", { "data-test": "deadline-in-force" }, d.in_force_for_people || "—")),
    d.extension ? [
      el("div", { class: "muted" }, t("deadline_registered") + ": " + (d.registered_for_people || "—")),
      el("div", { "data-test": "deadline-extension" }, t("deadline_extended") + " " + when(d.extension.at) + " · " +
        (d.extension.signer ? signerText(d.extension.signer) + " · " : "") + (d.extension.reason || "") + " · ", actLink(consignment, d.extension)),
    ] : ""));

  if (legal.corrections.length) {
    box.append(el("h2", {}, t("corrections_title")));
    for (const c of legal.corrections) {
      box.append(el("div", { class: "card", "data-test": "corrected-act", "data-act": c.act },
        el("div", {}, el("b", {}, term("kind_of_act.", c.kind)), " · " + when(c.at) + " · " + t("original_kept") + " ", actLink(consignment, c)),
        c.corrections.map((k) => el("div", { "data-test": "correction", "data-act": k.act },
          when(k.at) + " · " + t("corrected_fields") + ": " + (k.fields || []).join(", ") + " · " + (k.reason || "") + " · " +
          (k.signer ? signerText(k.signer) + " · " : ""), actLink(consignment, k),
          el("pre", { class: "mono" }, JSON.stringify(k.changes))))));
    }
  }
  return box;
}

// A notice kept at the top of a page reloaded after a resolution.
function flashNotice(flash) {
  return flash ? el("div", { class: "notice", role: "status", "data-test": "resolve-done" }, flash) : "";
}

async function consignmentPage(main, id, target, flash) {
  main.replaceChildren(el("p", {}, el("a", { href: "#/" }, t("back"))), flashNotice(flash));
  let data, officers, pending, track;
  try {
    [data, officers, pending, track] = await Promise.all([
      api("/api/consignments/" + encodeURIComponent(id)),
      api("/api/officers"),
      api("/api/resolutions/pending"),
      // The map's failure is shown in its place; the rest of the page still stands.
      api("/api/consignments/" + encodeURIComponent(id) + "/track").catch((e) => ({ error: e.message })),
    ]);
  } catch (e) {
    return showError(main, e);
  }
  const r = data.record;
  main.append(el("h1", { id: "consignment-title" }, t("consignment") + " " + r.consignment));
  main.append(el("p", { class: "downloads" },
    el("a", { class: "button secondary", href: "/api/export/epcis?consignment=" + encodeURIComponent(r.consignment), download: "", "data-test": "epcis-link" }, t("epcis_one")),
    " ",
    el("a", { class: "button secondary", href: "/api/evidence?consignment=" + encodeURIComponent(r.consignment), download: "", "data-test": "evidence-link", title: t("evidence_hint") }, t("evidence")),
    " ",
    el("a", { class: "button secondary", href: "/verify.html", target: "_blank", "data-test": "verify-link" }, t("verify_page"))));
  main.append(el("div", { class: "grid card" },
    el("div", {}, el("span", {}, t("status")), t("status." + r.status), r.overdue ? el("b", { class: "bad" }, " · " + t("overdue")) : ""),
    el("div", { "data-test": "c-outcome", "data-outcome": r.outcome || "" }, el("span", {}, t("outcome")), r.outcome ? t("outcome." + r.outcome) : "—"),
    el("div", {}, el("span", {}, t("declaration")), r.declaration || "—"),
    el("div", {}, el("span", {}, t("departure")), r.departure || "—"),
    el("div", {}, el("span", {}, t("destination")), r.destination || "—"),
    el("div", {}, el("span", {}, t("route")), (r.route || []).join(" → ")),
    el("div", {}, el("span", {}, t("deadline")), when(r.deadline), data.legal.deadline.extension ? el("span", { class: "warn" }, " · " + t("deadline_extended_short")) : ""),
    el("div", {}, el("span", {}, t("custodian")), r.custodian || "—"),
    el("div", {}, el("span", {}, t("acts") + " / " + t("rejected")), r.acts + " / " + r.rejected)));

  main.append(legalView(r.consignment, data.legal));

  main.append(el("h2", {}, t("custody_chain")));
  main.append(el("div", { id: "chain" }, chainView(data)));
  if (data.handoffs_beside_the_chain.length) {
    main.append(el("div", { class: "error" }, t("custody_disputed") + ": ",
      data.handoffs_beside_the_chain.map((a) => [el("a", { href: consignmentLink(r.consignment, a), class: "mono" }, short(a)), " "])));
  }

  main.append(el("h2", {}, t("discrepancies")));
  const reload = (done) => consignmentPage(main, id, target, done);
  if (!r.discrepancies.length) main.append(el("p", { class: "ok" }, t("none")));
  for (const d of r.discrepancies) main.append(discrepancyCard(r.consignment, d, officers, reload, pending));

  if (data.across.length) {
    main.append(el("h2", { id: "across" }, t("across_title")));
    for (const f of data.across) main.append(acrossCard(f, r.consignment));
  }

  main.append(el("h2", {}, t("track.title")));
  main.append(trackPanel(track));

  main.append(el("h2", {}, t("seals")));
  const seals = el("table", {}, el("tr", {}, [t("seal"), t("seal_status"), t("last_state"), t("history")].map((h) => el("th", {}, h))));
  for (const s of data.seals) {
    seals.append(el("tr", {},
      el("td", { class: "mono" }, s.seal),
      el("td", {}, term("seal_status.", s.record.status)),
      el("td", {}, term("seal_state.", s.record.last_state) + " · " + when(s.record.last_seen)),
      el("td", {}, s.history.map((h) => el("div", {},
        el("a", { href: consignmentLink(r.consignment, h.act) }, term("kind_of_act.", h.kind)), " " + when(h.at))))));
  }
  main.append(seals);

  main.append(el("h2", {}, t("timeline")));
  const table = el("table", { id: "timeline" }, el("tr", {}, [t("time"), t("act"), t("place"), t("signed_by"), t("verified")].map((h) => el("th", {}, h))));
  for (const a of data.acts) {
    table.append(el("tr", { id: "act-" + a.id, class: (a.verified ? "" : "rejected") + (a.id === target ? " target" : ""), "data-test": "timeline-act", "data-kind": a.kind },
      el("td", {}, a.at_for_people),
      el("td", {}, el("b", {}, term("kind_of_act.", a.kind)), el("div", { class: "mono muted" }, short(a.id))),
      el("td", {}, a.place ? placeText(a.place) : (a.body.office_of_departure || "—")),
      el("td", { "data-test": "signers" }, a.signers.map((s) => el("div", {}, signerText(s), s.enrolled_at_the_time ? "" : el("span", { class: "bad" }, " ?")))),
      el("td", {}, a.verified ? el("span", { class: "ok" }, "✓ " + t("verified_yes"))
        : [el("span", { class: "bad" }, "✗ " + t("verified_no")), el("div", { class: "muted" }, a.rejected_because)])));
  }
  main.append(table);
  if (data.unreadable.length) {
    main.append(el("h2", {}, t("unreadable")));
    for (const u of data.unreadable) main.append(el("div", { class: "error" }, el("span", { class: "mono" }, u.key), " — " + u.reason));
  }
  if (target) {
    const row = document.getElementById("act-" + target);
    if (row) row.scrollIntoView({ block: "center" });
  }
}

// The road on a map (/track.js), in the dashboard's words and central's local time; a line if
// there is no track.
function trackPanel(track) {
  if (!track || track.error) return el("div", { class: "error", "data-test": "track-error" }, track ? track.error : t("track.none"));
  return window.TamgaTrack.panel(track, { t, when, finding: findingText, severity: sev, kind: (k) => t("kind." + k) });
}

// A finding across consignments: every consignment holding the KPC or seal, with its proof;
// `self` (a consignment's page) is left out of the list.
function acrossCard(f, self) {
  const others = f.consignments.filter((m) => m.consignment !== self);
  return el("div", { class: "card attention", id: "x-" + f.id, "data-test": "across", "data-kind": f.kind, "data-subject": f.subject },
    el("div", {}, sev(f.severity), " ", el("b", {}, t("across." + f.kind)), " — " + f.subject,
      " ", el("span", { class: "muted mono" }, short(f.id))),
    el("div", { "data-test": "finding" }, findingText(f)),
    self ? el("div", {}, t("across_also_on") + ":") : "",
    others.map((m) => el("div", { "data-test": "across-consignment", "data-consignment": m.consignment },
      el("a", { href: consignmentLink(m.consignment) }, m.consignment), " · " + t("proof") + ": ",
      m.acts.map((a) => [el("a", { href: consignmentLink(m.consignment, a), class: "mono", "data-test": "proof", "data-act": a }, short(a)), " "]))));
}

async function acrossPage(main) {
  main.replaceChildren(el("h1", {}, t("nav_across")), el("p", { class: "muted" }, t("across_intro")));
  let rows;
  try {
    rows = await api("/api/across");
  } catch (e) {
    return showError(main, e);
  }
  if (!rows.length) return main.append(el("p", { class: "ok" }, t("across_none")));
  for (const f of rows) main.append(acrossCard(f, null));
}

// The duties not done by their end (the Department's notice, expertise, State Control Act, an
// export's certificates), the earliest end first.
async function dutiesPage(main) {
  main.replaceChildren(el("h1", {}, t("nav_duties")), el("p", { class: "muted" }, t("duties_intro")));
  let rows;
  try {
    rows = await api("/api/duties");
  } catch (e) {
    return showError(main, e);
  }
  if (!rows.length) return main.append(el("p", { class: "ok" }, t("duties_none")));
  main.append(el("table", { "data-test": "duties" },
    el("tr", {}, el("th", {}, t("consignment")), el("th", {}, t("duty")), el("th", {}, t("duty_due"))),
    rows.map((d) => el("tr", { "data-test": "duty", "data-duty": d.duty, "data-consignment": d.consignment },
      el("td", {}, el("a", { href: consignmentLink(d.consignment) }, d.consignment)),
      el("td", {}, t("duty." + d.duty)),
      el("td", { class: "bad" }, when(d.due))))));
}

// The tracked consignments in transit not heard of for longer than the tracking gap allowed,
// the longest silent first.
async function silentPage(main) {
  main.replaceChildren(el("h1", {}, t("nav_silent")), el("p", { class: "muted" }, t("silent_intro")));
  let rows;
  try {
    rows = await api("/api/silent");
  } catch (e) {
    return showError(main, e);
  }
  if (!rows.length) return main.append(el("p", { class: "ok" }, t("silent_none")));
  main.append(el("table", { "data-test": "silent" },
    el("tr", {}, el("th", {}, t("consignment")), el("th", {}, t("custodian")), el("th", {}, t("silent_heard")),
      el("th", {}, t("silent_minutes")), el("th", {}, t("silent_where"))),
    rows.map((r) => el("tr", { "data-test": "silent-row", "data-consignment": r.consignment },
      el("td", {}, el("a", { href: consignmentLink(r.consignment) }, r.consignment)),
      el("td", {}, r.custodian || "—"),
      el("td", {}, when(r.heard_at)),
      el("td", { class: "bad" }, String(r.silent_minutes)),
      el("td", {}, r.last_fix ? r.last_fix.coordinates.latitude + ", " + r.last_fix.coordinates.longitude : "—")))));
}

async function discrepanciesPage(main, params, flash) {
  main.replaceChildren(el("h1", {}, t("nav_discrepancies")), flashNotice(flash));
  main.append(filterForm(["state", "kind", "severity", "post", "status", "from", "until", "due_before"], params, (p) => routeWith("#/discrepancies", p)));
  let rows, officers, pending;
  try {
    [rows, officers, pending] = await Promise.all([
      api("/api/discrepancies?" + params.toString()), api("/api/officers"), api("/api/resolutions/pending"),
    ]);
  } catch (e) {
    return showError(main, e);
  }
  if (!rows.length) return main.append(el("p", { class: "muted" }, t("nothing_found")));
  const reload = (done) => discrepanciesPage(main, params, done);
  for (const d of rows) {
    main.append(el("div", {}, el("a", { href: consignmentLink(d.consignment), "data-test": "queue-consignment" }, d.consignment)));
    main.append(discrepancyCard(d.consignment, d, officers, reload, pending));
  }
}

async function nodesPage(main, params) {
  main.replaceChildren(el("h1", {}, t("nodes_title")));
  const hours = el("input", { name: "silent_after_hours", value: params.get("silent_after_hours") || "", size: 5, placeholder: "24" });
  const form = el("form", { class: "filters" }, el("label", {}, t("silent_after"), hours), el("button", { type: "submit" }, t("filter")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (hours.value) p.set("silent_after_hours", hours.value);
    routeWith("#/nodes", p);
  });
  main.append(form);
  let data;
  try {
    data = await api("/api/nodes?" + params.toString());
  } catch (e) {
    return showError(main, e);
  }
  if (!data.nodes.length) return main.append(el("p", { class: "muted" }, t("nothing_found")));
  const table = el("table", {}, el("tr", {}, [t("device"), t("unit"), t("enrollment"), t("contact"), t("last_sync"), t("requests"), t("key")].map((h) => el("th", {}, h))));
  for (const n of data.nodes) {
    table.append(el("tr", {},
      el("td", {}, n.name),
      el("td", {}, n.unit),
      el("td", {}, n.enrollment),
      el("td", { class: "state-" + n.state }, t("state_" + n.state)),
      el("td", {}, n.last_sync_for_people || "—"),
      el("td", { class: "num" }, n.requests),
      el("td", { class: "mono" }, short(n.key))));
  }
  main.append(table);
  main.append(await refusalsSection());
}

// Sync requests central refused lately (bad credential, replay, clock skew, oversized frame...).
async function refusalsSection() {
  const section = el("section", { "data-test": "refusals" }, el("h2", {}, t("refusals_title")));
  let data;
  try {
    data = await api("/api/refusals");
  } catch (e) {
    showError(section, e);
    return section;
  }
  if (!data.refusals.length) {
    section.append(el("p", { class: "muted" }, t("refusals_none")));
    return section;
  }
  const counts = Object.entries(data.counts).map(([r, n]) => t("refusal." + r) + ": " + n).join(", ");
  section.append(el("p", {}, t("refusals_counts") + ": " + counts));
  const table = el("table", {}, el("tr", {}, [t("when"), t("remote"), t("claimed_key"), t("refusal_reason"), t("message")].map((h) => el("th", {}, h))));
  for (const r of data.refusals) {
    table.append(el("tr", { "data-test": "refusal" },
      el("td", {}, r.at_for_people),
      el("td", { class: "mono" }, r.remote),
      el("td", { class: "mono" }, r.claimed_key ? short(r.claimed_key) : "—"),
      el("td", { class: "bad" }, t("refusal." + r.reason) + " (" + r.status + ")"),
      el("td", {}, r.message)));
  }
  section.append(table);
  return section;
}

async function registryPage(main) {
  main.replaceChildren(el("h1", {}, t("registry_title")));
  let rows;
  try {
    rows = await api("/api/registry");
  } catch (e) {
    return showError(main, e);
  }
  const table = el("table", {}, el("tr", {}, [t("holder"), t("personal_number"), t("role"), t("unit"), t("valid"), t("state"), t("enrolled_by"), t("key")].map((h) => el("th", {}, h))));
  for (const e of rows) {
    table.append(el("tr", {},
      el("td", {}, e.holder),
      el("td", {}, e.personal_number || "—"),
      el("td", {}, term("officer_role.", e.role)),
      el("td", {}, e.unit),
      el("td", {}, [when(e.valid_from) + " — " + when(e.valid_until)].concat(
        e.migrated_from ? [el("br"), el("span", { class: "warn" }, t("migrated_from") + ": " + e.migrated_from)] : [])),
      el("td", { class: e.status === "valid" ? "ok" : "bad", "data-status": e.status }, known("key_status." + e.status, e.status)),
      el("td", {}, e.enrolled_by === "root" ? t("root_key") : el("span", { class: "mono" }, e.enrolled_by.slice(0, 16))),
      el("td", { class: "mono" }, e.fingerprint)));
  }
  if (session && session.role === "administrator") main.append(enrollForm(() => registryPage(main)));
  main.append(table);
}

// An administrator enrolls a key with central's registrar (the staff port only).
function enrollForm(onDone) {
  const key = el("input", { name: "key", required: true, size: 66, "data-test": "enroll-key" });
  const role = el("select", { name: "role", "data-test": "enroll-role" },
    ["device", "post_officer", "escort_officer", "precious_metals_officer", "central_staff", "supervisor"].map((r) => el("option", { value: r }, term("officer_role.", r))));
  const unit = el("input", { name: "unit", required: true, "data-test": "enroll-unit" });
  const name = el("input", { name: "name", required: true, "data-test": "enroll-name" });
  const number = el("input", { name: "personal_number", "data-test": "enroll-number" });
  const days = el("input", { name: "valid_days", type: "number", min: 1, max: 3650, value: 365, "data-test": "enroll-days" });
  const status = el("div");
  const form = el("form", { class: "resolve", "data-test": "enroll" },
    el("label", {}, t("key"), key), el("label", {}, t("role"), role), el("label", {}, t("unit"), unit),
    el("label", {}, t("holder"), name), el("label", {}, t("personal_number"), number),
    el("label", {}, t("valid_days"), days),
    el("button", { type: "submit", "data-test": "enroll-submit" }, t("enroll")), status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    const body = { key: key.value.trim(), role: role.value, unit: unit.value.trim(), name: name.value.trim(), valid_days: Number(days.value) };
    if (number.value.trim()) body.personal_number = number.value.trim();
    try {
      const answer = await api("/api/admin/enroll", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      status.replaceChildren(el("div", { class: "notice", "data-test": "enroll-done" }, t("enrolled") + ": " + answer.holder + " (" + term("officer_role.", answer.role) + ", " + answer.unit + ")"));
      setTimeout(onDone, 800);
    } catch (e) {
      status.replaceChildren(el("div", { class: "error", role: "alert", "data-test": "enroll-error" }, e.message));
    }
  });
  return el("details", { "data-test": "enroll-box" }, el("summary", {}, t("enroll_title")), form);
}

// ---- the audit trail (auditors, administrators) ----

// The words for `key` in the chosen language, or `raw` when no table has them (a value the
// server added later).
function known(key, raw) {
  const table = window.I18N[lang] || {};
  return table[key] || window.I18N.en[key] || raw;
}

// An audit line's outcome: "ok", a reason code or an HTTP status with its words.
function auditOutcome(outcome) {
  const [head, ...rest] = String(outcome).split(" ");
  const word = known("audit_outcome." + head, null);
  if (!word) return outcome;
  const tail = rest.join(" ");
  return tail ? word + " · " + known("audit_outcome." + tail, tail) : word;
}

async function auditPage(main) {
  main.replaceChildren(el("h1", {}, t("audit_title")));
  let trail;
  try {
    trail = await api("/api/audit");
  } catch (e) {
    return showError(main, e);
  }
  main.append(el("p", { class: trail.chain === "intact" ? "ok" : "error", "data-test": "audit-chain" }, t("audit_chain") + ": " + trail.chain),
    el("p", {}, el("a", { class: "button secondary", href: "/api/audit.csv", download: "", "data-test": "audit-csv" }, "CSV")));
  const table = el("table", { "data-test": "audit" },
    el("tr", {}, ["#", t("time"), t("login_username"), t("role"), t("audit_action"), t("audit_subject"), t("audit_outcome")].map((h) => el("th", {}, h))));
  for (const l of trail.lines.slice().reverse()) {
    table.append(el("tr", { "data-test": "audit-line", "data-action": l.action, "data-username": l.username },
      el("td", {}, String(l.seq)), el("td", {}, l.at_for_people), el("td", {}, l.username), el("td", {}, l.role ? known("role." + l.role, l.role) : "—"),
      el("td", {}, known("audit." + l.action, l.action)), el("td", { class: "mono" }, l.subject), el("td", {}, auditOutcome(l.outcome))));
  }
  main.append(table);
}

// ---- reports ----

function query(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  return p.toString();
}

function dash(v) {
  return v === null || v === undefined || v === "0" || v === 0 || /^0(\.0+)?$/.test(String(v)) ? "-" : String(v);
}

function downloadLink(href, label, test, newTab) {
  return el("a", { class: "button secondary", href, download: newTab ? null : "", target: newTab ? "_blank" : null, rel: newTab ? "noopener" : null, "data-test": test }, label);
}

function skippedList(skipped) {
  if (!skipped.length) return el("p", { class: "muted", "data-test": "skipped-none" }, t("skipped_none"));
  return el("div", { "data-test": "skipped" }, el("h3", {}, t("skipped_title")),
    el("table", {}, el("tr", {}, el("th", {}, t("consignment")), el("th", {}, t("skipped_why"))),
      skipped.map((s) => el("tr", {}, el("td", {}, s.consignment), el("td", {}, s.reason)))));
}

function kpSection(data) {
  const r = data.report;
  const directions = r.has_transit ? ["import", "export", "transit"] : ["import", "export"];
  const section = el("section", { id: "kp-report", "data-from-year": data.from_year, "data-to-year": data.to_year });
  // Production: a column of table 1, "-" as none is recorded (null; the notes say why).
  const head1 = el("tr", {}, el("th", { rowspan: 2 }, t("year")), el("th", { colspan: 3 }, t("production")),
    directions.map((d) => el("th", { colspan: 3 }, t("direction." + d))));
  const head2 = el("tr", {}, ["production"].concat(directions).map(() => [el("th", {}, t("volume_ct")), el("th", {}, t("value_usd")), el("th", {}, t("usd_per_ct"))]));
  const body = el("tbody");
  for (const y of r.years) {
    const p = y.production;
    body.append(el("tr", { "data-test": "kp-row", "data-year": y.year },
      el("th", {}, y.year),
      el("td", { class: "num", "data-test": "kp-production-volume" }, p ? dash(p.volume_ct) : "-"),
      el("td", { class: "num", "data-test": "kp-production-value" }, p ? dash(p.value_usd) : "-"),
      el("td", { class: "num", "data-test": "kp-production-per-ct" }, p && p.usd_per_ct ? p.usd_per_ct : "-"),
      directions.map((d) => {
        const f = y[d];
        const perCt = f.usd_per_ct ? f.usd_per_ct + (f.not_in_usd.length ? "*" : "") : "-";
        return [
          el("td", { class: "num", "data-test": "kp-" + d + "-volume" }, dash(f.volume_ct)),
          el("td", { class: "num", "data-test": "kp-" + d + "-value" }, dash(f.value_usd)),
          el("td", { class: "num", "data-test": "kp-" + d + "-per-ct" }, perCt),
        ];
      })));
  }
  // The tables on one side, the chart (drawn by central) beside them.
  const tables = el("div", { class: "kp-tables" });
  const layout = el("div", { class: "kp-layout" }, tables, kpChart(data.chart_svg));
  section.append(layout);
  tables.append(el("table", { id: "kp-volumes" }, el("caption", {}, t("kp_table1")), el("thead", {}, head1, head2), body));
  if (r.has_not_in_usd) tables.append(el("p", { class: "muted" }, t("kp_not_in_usd_note")));
  const kpc = el("tbody");
  for (const y of r.years) {
    kpc.append(el("tr", { "data-test": "kpc-row", "data-year": y.year }, el("th", {}, y.year),
      directions.map((d) => el("td", { class: "num" }, dash(y[d].kp_certificates))),
      el("td", { class: "num" }, dash(y.kpc_total))));
  }
  tables.append(el("table", { id: "kp-certificates" }, el("caption", {}, t("kp_table2")),
    el("thead", {}, el("tr", {}, el("th", {}, t("year")), directions.map((d) => el("th", {}, t("direction." + d))), el("th", {}, t("total")))), kpc));
  if (r.has_not_in_usd) {
    const rows = [];
    for (const y of r.years) for (const d of directions) for (const n of y[d].not_in_usd) {
      rows.push(el("tr", {}, el("td", {}, y.year), el("td", {}, t("direction." + d)), el("td", {}, n.currency),
        el("td", { class: "num" }, n.amount), el("td", { class: "num" }, n.volume_ct), el("td", {}, n.consignments.join(", "))));
    }
    section.append(el("table", {}, el("caption", {}, t("not_in_usd")),
      el("tr", {}, [t("year"), t("direction"), t("currency"), t("value"), t("volume_ct"), t("consignments")].map((h) => el("th", {}, h))), rows));
  }
  if (r.short_deliveries.length) {
    section.append(el("table", { id: "kp-short" }, el("caption", {}, t("kp_short")),
      el("tr", {}, [t("year"), t("direction"), t("consignment"), t("registered_ct"), t("shortage_ct"), t("counted_ct"), t("registered_value"), t("counted_value")].map((h) => el("th", {}, h))),
      r.short_deliveries.map((x) => el("tr", { "data-test": "kp-short-row", "data-consignment": x.consignment },
        el("td", {}, x.year), el("td", {}, t("direction." + x.direction)), el("td", {}, el("a", { href: consignmentLink(x.consignment) }, x.consignment)),
        el("td", { class: "num" }, x.registered_ct), el("td", { class: "num" }, x.shortage_ct),
        el("td", { class: "num" }, x.counted_ct + (x.deducted ? "" : " (" + t("not_deducted") + ")")),
        el("td", { class: "num" }, x.values.map((v) => v.registered + " " + v.currency).join("; ")),
        el("td", { class: "num" }, x.values.map((v) => v.counted + " " + v.currency).join("; "))))));
  }
  if (r.set_aside.length) {
    section.append(el("table", { id: "kp-set-aside" }, el("caption", {}, t("kp_set_aside")),
      el("tr", {}, [t("year"), t("direction"), t("consignment"), t("outcome"), t("volume_ct"), t("value"), t("kp_certificates")].map((h) => el("th", {}, h))),
      r.set_aside.map((x) => el("tr", { "data-test": "kp-set-aside-row", "data-consignment": x.consignment, "data-outcome": x.outcome },
        el("td", {}, x.year), el("td", {}, t("direction." + x.direction)), el("td", {}, el("a", { href: consignmentLink(x.consignment) }, x.consignment)),
        el("td", {}, t("outcome." + x.outcome) + (x.reason ? ": " + x.reason : "")),
        el("td", { class: "num" }, x.volume_ct),
        el("td", { class: "num" }, x.values.map((v) => v.registered + " " + v.currency).join("; ")),
        el("td", {}, x.kp_certificates.join(", "))))));
  }
  section.append(notesList(r.notes));
  section.append(skippedList(r.skipped));
  return section;
}

// The KP chart: central's SVG (its words in the UI's language), parsed as SVG, never as HTML,
// and placed as is; no script, style attribute or external reference in it.
function kpChart(svgText) {
  const figure = el("figure", { class: "kp-chart", "data-test": "kp-chart" }, el("figcaption", {}, t("kp_chart")));
  const doc = svgText ? new DOMParser().parseFromString(svgText, "image/svg+xml") : null;
  const svg = doc && doc.documentElement;
  if (svg && svg.namespaceURI === "http://www.w3.org/2000/svg" && svg.localName === "svg") figure.append(document.importNode(svg, true));
  else figure.append(el("p", { class: "muted" }, t("kp_chart_missing")));
  return figure;
}

// The report's notes (in English, as the printed report has them): how each outcome counts.
function notesList(notes) {
  if (!notes || !notes.length) return "";
  return el("details", { class: "notes", "data-test": "report-notes" }, el("summary", {}, t("notes")),
    el("ul", {}, notes.map((n) => el("li", {}, n))));
}

function quantityText(q) {
  return [["ct", q.ct], ["g", q.g], ["kg", q.kg], ["pcs", q.pcs]]
    .filter(([, v]) => dash(v) !== "-").map(([u, v]) => v + " " + u).join("; ") || "-";
}

function reconciliationSection(data) {
  const r = data.report;
  const section = el("section", { id: "reconciliation-report" });
  section.append(el("p", { class: "muted" }, t("period") + ": " + data.from_for_people + " — " + data.until_for_people));
  const rows = [];
  for (const total of r.totals) {
    for (const row of r.by_heading.filter((x) => x.direction === total.direction)) rows.push(row);
    rows.push(total);
  }
  const body = el("tbody");
  for (const row of rows) {
    const isTotal = row.heading === null;
    body.append(el("tr", { class: isTotal ? "total" : "", "data-test": "reconciliation-row", "data-direction": row.direction, "data-heading": row.heading || "all" },
      el("td", {}, t("direction." + row.direction)),
      el("td", { class: "mono" }, row.heading || ""),
      el("td", {}, isTotal ? t("total") : row.goods),
      el("td", { class: "num" }, row.consignments),
      el("td", { class: "num" }, row.delivered),
      el("td", { class: "num", "data-test": "rec-delivered-short" }, row.delivered_short),
      el("td", { class: "num", "data-test": "rec-refused" }, row.refused),
      el("td", { class: "num", "data-test": "rec-returned" }, row.returned),
      el("td", { class: "num" }, row.in_transit),
      el("td", { class: "num" }, row.lines),
      el("td", { class: "num" }, quantityText(row.quantity)),
      el("td", { class: "num" }, row.net_mass_g),
      el("td", { class: "num" }, row.values.map((a) => a.amount + " " + a.currency).join("; ") || "-"),
      el("td", { class: "num" }, row.state_control_certificates)));
  }
  if (!rows.length) section.append(el("p", { class: "muted" }, t("nothing_found")));
  else section.append(el("table", { id: "reconciliation-summary" }, el("caption", {}, t("by_goods")),
    el("thead", {}, el("tr", {}, [t("direction"), t("hs_heading"), t("goods"), t("consignments"), t("delivered"), t("delivered_short"), t("refused"), t("returned"), t("in_transit"), t("goods_lines"), t("quantity"), t("net_mass_g"), t("value"), t("scc")].map((h) => el("th", {}, h)))),
    body));
  if (r.lines.length) {
    section.append(el("table", { id: "reconciliation-lines" }, el("caption", {}, t("goods_lines")),
      el("tr", {}, [t("registered"), t("consignment"), t("declaration"), t("direction"), t("status"), t("hs_code"), t("description"), t("quantity"), t("net_mass_g"), t("value"), t("scc")].map((h) => el("th", {}, h))),
      r.lines.map((l) => el("tr", {},
        el("td", {}, when(l.registered_at)),
        el("td", {}, el("a", { href: consignmentLink(l.consignment) }, l.consignment)),
        el("td", {}, l.declaration),
        el("td", {}, t("direction." + l.direction)),
        el("td", {}, t("status." + l.status), l.outcome === "delivered_short" ? el("div", { class: "warn" }, t("outcome.delivered_short")) : ""),
        el("td", { class: "mono" }, l.hs_code),
        el("td", {}, l.description),
        el("td", { class: "num" }, l.quantity + " " + l.unit),
        el("td", { class: "num" }, l.net_mass_g),
        el("td", { class: "num" }, l.value + " " + l.currency),
        el("td", {}, l.state_control_certificates.join("; "))))));
  }
  if (r.endings.length) {
    section.append(el("table", { id: "reconciliation-endings" }, el("caption", {}, t("endings")),
      el("tr", {}, [t("registered"), t("consignment"), t("declaration"), t("direction"), t("outcome"), t("packages_short"), t("net_mass_short"), t("reason")].map((h) => el("th", {}, h))),
      r.endings.map((x) => el("tr", { "data-test": "ending-row", "data-consignment": x.consignment, "data-outcome": x.outcome },
        el("td", {}, when(x.registered_at)),
        el("td", {}, el("a", { href: consignmentLink(x.consignment) }, x.consignment)),
        el("td", {}, x.declaration),
        el("td", {}, t("direction." + x.direction)),
        el("td", {}, t("outcome." + x.outcome)),
        el("td", { class: "num" }, x.packages_short === null ? "-" : x.packages_short),
        el("td", { class: "num" }, x.net_mass_short || "-"),
        el("td", {}, x.reason || "-")))));
  }
  section.append(notesList(r.notes));
  section.append(skippedList(r.skipped));
  return section;
}

async function reportsPage(main, params) {
  main.replaceChildren(el("h1", {}, t("reports_title")));
  const thisYear = new Date().getUTCFullYear();
  const kpParams = { from_year: params.get("from_year") || "", to_year: params.get("to_year") || "" };
  const recParams = { from: params.get("from") || "", until: params.get("until") || "" };

  const go = (change) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(Object.assign({}, kpParams, recParams, change))) if (v) p.set(k, v);
    routeWith("#/reports", p);
  };

  // KP statistics: the years.
  main.append(el("h2", {}, t("kp_title")));
  // Without years asked for, central answers the five local years ending with this one; the
  // form shows the years it answered once the report is in.
  const fromYear = el("input", { type: "number", name: "from_year", min: 1970, max: 9998, value: kpParams.from_year || kpParams.to_year || thisYear - 4, "data-test": "from-year" });
  const toYear = el("input", { type: "number", name: "to_year", min: 1970, max: 9998, value: kpParams.to_year || kpParams.from_year || thisYear, "data-test": "to-year" });
  const kpForm = el("form", { class: "filters", id: "kp-form" },
    el("label", {}, t("from_year"), fromYear), el("label", {}, t("to_year"), toYear),
    el("button", { type: "submit" }, t("show_report")));
  kpForm.addEventListener("submit", (ev) => { ev.preventDefault(); go({ from_year: fromYear.value, to_year: toYear.value }); });
  main.append(kpForm);
  main.append(el("p", { class: "downloads" },
    downloadLink("/api/reports/kp?" + query(Object.assign({}, kpParams, { format: "csv" })), t("download_csv"), "kp-csv"),
    downloadLink("/api/reports/kp?" + query(Object.assign({}, kpParams, { format: "html" })), t("printable"), "kp-print", true)));
  const kpBox = el("div", {}, el("p", { class: "muted" }, t("loading")));
  main.append(kpBox);

  // Reconciliation: the period.
  main.append(el("h2", {}, t("reconciliation_title")));
  const from = el("input", { type: "date", name: "from", value: (recParams.from || thisYear + "-01-01").slice(0, 10), "data-test": "period-from" });
  const until = el("input", { type: "date", name: "until", value: (recParams.until || (thisYear + 1) + "-01-01").slice(0, 10), "data-test": "period-until" });
  const recForm = el("form", { class: "filters", id: "reconciliation-form" },
    el("label", {}, t("period_from"), from), el("label", {}, t("period_until"), until),
    el("button", { type: "submit" }, t("show_report")));
  recForm.addEventListener("submit", (ev) => { ev.preventDefault(); go({ from: from.value, until: until.value }); });
  main.append(recForm);
  main.append(el("p", { class: "downloads" },
    downloadLink("/api/reports/reconciliation?" + query(Object.assign({}, recParams, { format: "csv" })), t("download_csv"), "reconciliation-csv"),
    downloadLink("/api/reports/reconciliation?" + query(Object.assign({}, recParams, { format: "csv", table: "lines" })), t("download_lines_csv"), "reconciliation-lines-csv"),
    downloadLink("/api/reports/reconciliation?" + query(Object.assign({}, recParams, { format: "html" })), t("printable"), "reconciliation-print", true)));
  const recBox = el("div", {}, el("p", { class: "muted" }, t("loading")));
  main.append(recBox);

  // Exports.
  main.append(el("h2", {}, t("exports_title")));
  main.append(el("p", { class: "downloads" },
    downloadLink("/api/export/epcis", t("epcis_all"), "epcis-all"),
    downloadLink("/api/export/csv", t("consignments_csv"), "export-csv")));
  main.append(el("p", { class: "muted" }, t("epcis_note")));

  const [kp, rec] = await Promise.allSettled([
    api("/api/reports/kp?" + query(Object.assign({}, kpParams, { lang }))),
    api("/api/reports/reconciliation?" + query(recParams)),
  ]);
  if (kp.status === "fulfilled") {
    kpBox.replaceChildren(kpSection(kp.value));
    // The years central answered (its local years), unless someone has typed others meanwhile.
    if (fromYear.value === fromYear.defaultValue && toYear.value === toYear.defaultValue) {
      fromYear.value = fromYear.defaultValue = kp.value.from_year;
      toYear.value = toYear.defaultValue = kp.value.to_year;
    }
  }
  else { kpBox.replaceChildren(); showError(kpBox, kp.reason); }
  if (rec.status === "fulfilled") recBox.replaceChildren(reconciliationSection(rec.value));
  else { recBox.replaceChildren(); showError(recBox, rec.reason); }
  if (kp.status === "fulfilled") main.append(el("p", { class: "muted", "data-test": "generated" }, t("generated") + " " + kp.value.generated_at_for_people));
}

// ---- routing ----

function translateStatic() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const b of document.querySelectorAll("[data-lang]")) b.classList.toggle("on", b.dataset.lang === lang);
}

// Each route renders into a page of its own, put on screen at once: a route still loading when
// the next one starts (a language switched, then another page opened) finishes into a page no
// longer shown, and cannot overwrite the newer one.
async function route() {
  const main = el("div", { class: "page" });
  document.getElementById("main").replaceChildren(main);
  const hash = location.hash || "#/";
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", a.getAttribute("href") === "#" + (path.startsWith("/c/") ? "/" : path));
  }
  const shown = overview();
  if (!zoneKnown) await shown;
  if (!vocabulary) {
    try {
      vocabulary = await api("/api/vocabulary");
    } catch (e) {
      return showError(main, e);
    }
  }
  if (path.startsWith("/c/")) {
    const [id, act] = path.slice(3).split("/");
    return consignmentPage(main, decodeURIComponent(id), act);
  }
  if (path === "/discrepancies") return discrepanciesPage(main, params);
  if (path === "/across") return acrossPage(main);
  if (path === "/duties") return dutiesPage(main);
  if (path === "/silent") return silentPage(main);
  if (path === "/nodes") return nodesPage(main, params);
  if (path === "/registry") return registryPage(main);
  if (path === "/audit") return auditPage(main);
  if (path === "/account") return accountPage(main);
  if (path === "/accounts") return accountsPage(main);
  if (path === "/reports") return reportsPage(main, params);
  return consignmentsPage(main, params);
}

for (const b of document.querySelectorAll("[data-lang]")) {
  b.addEventListener("click", () => {
    lang = b.dataset.lang;
    localStorage.setItem("tamga-central-lang", lang);
    translateStatic();
    showWho();
    route();
  });
}
window.addEventListener("hashchange", () => { if (document.querySelector("[data-test=login]") && !session) return; route(); });
translateStatic();
whoAmI().then((ready) => (ready ? route() : showLogin()), () => showLogin());
