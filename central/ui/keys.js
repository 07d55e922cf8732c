// Security keys and passkeys (WebAuthn): the login's second step, and a staff member's own keys.
// The server's challenges are JSON with base64url strings; the browser parses them and answers
// with the credential's toJSON(). Uses app.js's el, t and api.
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
  main.append(form);
}
