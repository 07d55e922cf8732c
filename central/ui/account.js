// A person's account: the security key login's second step (WebAuthn), one's own keys and
// password (#/account), and the administrators' accounts page (#/accounts). The server's WebAuthn
// challenges are JSON with base64url strings; the browser parses them and answers with the
// credential's toJSON(). Uses app.js's el, t, api, when and showError.
"use strict";

const securityKeys = {
  // Whether this browser can use a key here (a secure page on the relying party's host name).
  usable(rpId) {
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) return t("key_unsupported");
    if (location.hostname !== rpId) return t("key_wrong_host") + " https://" + rpId + (location.port ? ":" + location.port : "") + "/";
    return null;
  },
  async get(options) {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
    const credential = await navigator.credentials.get({ publicKey });
    return credential.toJSON();
  },
  async create(options) {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
    const credential = await navigator.credentials.create({ publicKey });
    return credential.toJSON();
  },
};

// The login's second step: the password was right and the account has a key. Returns the session.
async function loginWithKey(asked, status) {
  const unusable = securityKeys.usable(asked.rp_id);
  if (unusable) throw new Error(unusable);
  status.replaceChildren(el("div", { class: "notice", "data-test": "key-asked" }, t("key_touch")));
  let credential;
  try {
    credential = await securityKeys.get(asked.options);
  } catch (e) {
    throw new Error(t("key_refused") + " (" + (e.name || e.message) + ")");
  }
  status.replaceChildren();
  return api("/api/login/security-key", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: asked.login, credential }),
  });
}

// The session's own keys, and a form to register one.
async function accountPage(main) {
  main.replaceChildren(el("h1", {}, t("account_title")));
  let mine;
  try {
    mine = await api("/api/account/security-keys");
  } catch (e) {
    return showError(main, e);
  }
  main.append(el("p", {}, mine.keys.length ? t("keys_in_use") : t("keys_none")));
  const table = el("table", { "data-test": "security-keys" },
    el("tr", {}, [t("key_name"), t("key_added"), "id"].map((h) => el("th", {}, h))));
  for (const k of mine.keys) {
    table.append(el("tr", { "data-test": "security-key" },
      el("td", {}, k.name), el("td", {}, when(k.added)), el("td", { class: "mono" }, k.id)));
  }
  if (mine.keys.length) main.append(table);
  const name = el("input", { name: "key-name", maxlength: 64, required: true, "data-test": "key-name" });
  const status = el("div", {});
  const form = el("form", { class: "card", "data-test": "key-register" },
    el("h2", {}, t("key_register")),
    el("label", {}, t("key_name"), name),
    el("button", { type: "submit", "data-test": "key-register-submit" }, t("key_register")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    const unusable = securityKeys.usable(mine.rp_id);
    if (unusable) return status.replaceChildren(el("div", { class: "error", role: "alert" }, unusable));
    try {
      const begun = await api("/api/account/security-keys/begin", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      status.replaceChildren(el("div", { class: "notice" }, t("key_touch")));
      const credential = await securityKeys.create(begun.options);
      await api("/api/account/security-keys/finish", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: name.value, credential }),
      });
      return accountPage(main);
    } catch (e) {
      status.replaceChildren(el("div", { class: "error", role: "alert", "data-test": "key-error" }, e.message));
    }
  });
  main.append(form, passwordForm());
}

// Changing one's own password, given the current one.
function passwordForm() {
  const current = el("input", { type: "password", autocomplete: "current-password", required: true, "data-test": "password-current" });
  const fresh = el("input", { type: "password", autocomplete: "new-password", minlength: 12, required: true, "data-test": "password-new" });
  const status = el("div", {});
  const form = el("form", { class: "card", "data-test": "password-change" },
    el("h2", {}, t("password_title")),
    el("label", {}, t("password_current"), current),
    el("label", {}, t("password_new"), fresh),
    el("button", { type: "submit", "data-test": "password-submit" }, t("password_title")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("/api/account/password", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ current: current.value, new: fresh.value }) });
      status.replaceChildren(el("div", { class: "ok", "data-test": "password-changed" }, t("password_changed")));
    } catch (e) {
      status.replaceChildren(el("div", { class: "error", role: "alert" }, e.message));
    }
    current.value = "";
    fresh.value = "";
  });
  return form;
}

// ---- administrators: accounts ----

async function accountsPage(main) {
  main.replaceChildren(el("h1", {}, t("accounts_title")));
  let list;
  try {
    list = await api("/api/accounts");
  } catch (e) {
    return showError(main, e);
  }
  const post = (path) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const table = el("table", { "data-test": "accounts" },
    el("tr", {}, [t("login_username"), t("holder"), t("personal_number"), t("role"), t("key"), t("account_keys"), t("state"), ""].map((h) => el("th", {}, h))));
  for (const a of list) {
    const actions = el("td", {});
    const act = (label, path, question, test) => {
      const b = el("button", { type: "button", class: "secondary", "data-test": test }, label);
      b.addEventListener("click", async () => {
        if (question && !confirm(question)) return;
        try {
          await post(path);
          accountsPage(main);
        } catch (e) {
          showError(main, e);
        }
      });
      actions.append(b, " ");
    };
    const u = encodeURIComponent(a.username);
    if (a.disabled) act(t("account_enable"), "/api/accounts/" + u + "/enable", null, "account-enable");
    else act(t("account_disable"), "/api/accounts/" + u + "/disable", t("account_disable") + ": " + a.username + "?", "account-disable");
    if (a.security_keys) act(t("account_remove_keys"), "/api/accounts/" + u + "/remove-security-keys", t("account_remove_keys_confirm") + " " + a.username + "?", "account-remove-keys");
    table.append(el("tr", { "data-test": "account", "data-username": a.username, "data-disabled": String(a.disabled) },
      el("td", {}, a.username), el("td", {}, a.name), el("td", {}, a.personal_number), el("td", {}, t("role." + a.role)),
      el("td", { class: "mono" }, a.key ? short(a.key) : "—"), el("td", {}, String(a.security_keys)),
      el("td", {}, a.disabled ? t("account_disabled") : t("account_active")), actions));
  }
  main.append(table, newAccountForm(main));
}

function newAccountForm(main) {
  const input = (name, attrs) => el("input", Object.assign({ name, required: true, "data-test": "account-" + name }, attrs || {}));
  const username = input("username", { maxlength: 64, pattern: "[A-Za-z0-9._-]+" });
  const name = input("name", { maxlength: 200 });
  const number = input("personal_number", { maxlength: 200 });
  const role = el("select", { name: "role", "data-test": "account-role" },
    ["reconciliation", "supervisor", "auditor", "administrator"].map((r) => el("option", { value: r }, t("role." + r))));
  const key = input("key", { required: false, maxlength: 64 });
  const password = input("password", { type: "password", autocomplete: "new-password", minlength: 12 });
  const status = el("div", {});
  const form = el("form", { class: "card", "data-test": "account-add" },
    el("h2", {}, t("account_add")),
    el("label", {}, t("login_username"), username),
    el("label", {}, t("holder"), name),
    el("label", {}, t("personal_number"), number),
    el("label", {}, t("role"), role),
    el("label", {}, t("key"), key, el("small", { class: "muted" }, t("account_key_hint"))),
    el("label", {}, t("account_password_initial"), password),
    el("button", { type: "submit", "data-test": "account-add-submit" }, t("account_add")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { username: username.value, name: name.value, personal_number: number.value, role: role.value, password: password.value };
    if (key.value.trim()) body.key = key.value.trim();
    try {
      const added = await api("/api/accounts", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      await accountsPage(main);
      main.append(el("div", { class: "card notice", "data-test": "account-secret" },
        el("p", {}, t("account_secret_note") + " " + body.username + ":"),
        el("p", { class: "mono" }, added.secret_base32),
        el("p", { class: "mono" }, added.uri)));
    } catch (e) {
      password.value = "";
      status.replaceChildren(el("div", { class: "error", role: "alert", "data-test": "account-error" }, e.message));
    }
  });
  return form;
}
