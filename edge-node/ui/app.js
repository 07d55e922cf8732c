// tamga-edge: the officer's web UI. A single page with hash routing, talking only to this node's
// own /api/. No framework, no build step, nothing fetched from elsewhere: it must work offline.
//
// Rules kept throughout:
// - every string a person reads goes through TamgaI18n.t (i18n.js);
// - an error answered by the node ({"error": ...}) is shown verbatim, next to what failed;
// - what the officer typed is kept in memory (drafts) until the act is recorded, so an error,
//   a language switch or a detour to another page loses nothing; PINs are never kept;
// - decimals are sent as the text typed (only surrounding white space is dropped), never as
//   numbers.
'use strict';

(function () {
  const I18N = window.TamgaI18n;
  const t = (key, params) => I18N.t(key, params);
  const tEnum = (group, value) => I18N.tEnum(group, value);

  // The enumeration of each kind of term a finding's words may hold (tamga_core::assessment::words:
  // a placeholder ending in the name). Terms come as the English spells them ("Intact",
  // "force majeure", "custody_transferred"): their snake_case is the enumeration's value.
  const FINDING_TERMS = {
    act_kind: 'kind', seal_state: 'seal_state', seal_basis: 'basis', document_kind: 'document',
    incident_kind: 'incident', duty: 'duty', role: 'role', mass_unit: 'unit',
  };

  // What a discrepancy says, in the officer's language: the words of its template (finding.<key>)
  // with its values, terms in words too; the English summary if the tables lack the template.
  function findingText(d) {
    const w = d.words;
    if (!w || !w.key || !I18N.has('finding.' + w.key)) return d.summary;
    const args = {};
    for (const [name, value] of Object.entries(w.args || {})) {
      const vocabulary = Object.keys(FINDING_TERMS).find((v) => name === v || name.endsWith('_' + v));
      const group = vocabulary && FINDING_TERMS[vocabulary];
      const snake = String(value).replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_').toLowerCase();
      args[name] = group && I18N.has(`enum.${group}.${snake}`) ? tEnum(group, snake) : value;
    }
    return t('finding.' + w.key, args);
  }

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.firstChild.remove();
    return el;
  }

  const $ = (sel, root) => (root || document).querySelector(sel);

  function link(parts, label, attrs) {
    return h('a', Object.assign({ href: href(...parts) }, attrs || {}), label);
  }

  function href(...parts) {
    return '#/' + parts.map((p) => encodeURIComponent(p)).join('/');
  }

  function go(...parts) {
    location.hash = href(...parts);
  }

  // ---------------------------------------------------------------- the node's API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function request(method, path, options) {
    const opts = options || {};
    const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (opts.json !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.json);
    } else if (opts.upload !== undefined) {
      init.headers['Content-Type'] = 'application/octet-stream';
      init.headers['X-Tamga-Upload'] = '1';
      init.body = opts.upload;
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, t('err.unreachable'));
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let message = text.trim();
      try {
        const parsed = JSON.parse(text);
        if (parsed && typeof parsed.error === 'string') message = parsed.error;
      } catch (_) {
        /* not JSON: the text as it came */
      }
      throw new ApiError(res.status, message || `HTTP ${res.status} ${res.statusText}`);
    }
    if (opts.raw) return res;
    const text = await res.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch (_) {
      throw new ApiError(res.status, t('err.not_json', { path }));
    }
  }

  const api = {
    get: (path) => request('GET', path),
    post: (path, json) => request('POST', path, { json: json === undefined ? {} : json }),
    upload: (path, blob) => request('POST', path, { upload: blob }),
    raw: (method, path, json) => request(method, path, { json, raw: true }),
  };

  const enc = encodeURIComponent;

  // ---------------------------------------------------------------- formatting

  // Times: acts carry UTC; people see and type the node's local time (its time_zone, from
  // /api/status) with the offset. The rule is time.js's (TamgaTime).
  const TIME = window.TamgaTime;
  const forPeople = (value) => TIME.forPeople(value);
  const toActTime = (v) => TIME.toActTime(v);
  const toInputTime = (v) => TIME.toInputTime(v);

  // The node's status, and with it the zone its times are read and typed in.
  function setStatus(s) {
    state.status = s;
    if (s && s.time_zone) TIME.setZone(s.time_zone.name);
    return s;
  }

  function shortId(id) {
    return id ? String(id).slice(0, 12) + '…' : '—';
  }

  function massText(m) {
    if (!m) return '—';
    return `${m.value} ${tEnum('unit', m.unit)}`;
  }

  function placeText(p) {
    if (!p) return '—';
    if (p.type === 'post') return p.unit;
    let s = p.description || '';
    if (p.coordinates) s += ` (${p.coordinates.latitude}, ${p.coordinates.longitude})`;
    return s;
  }

  function sealsText(list) {
    if (!list || !list.length) return t('seals.none');
    return list.map((s) => `${s.seal} ${tEnum('seal_state', s.state)}`).join(', ');
  }

  function nowInput() {
    return toInputTime(state.status && state.status.now);
  }

  const trim = (v) => (v === null || v === undefined ? '' : String(v).trim());

  // ---------------------------------------------------------------- what the node told us

  const state = {
    status: null,
    statusError: null,
    registry: null,
    officers: null,
    lastFeed: null,
  };
  const drafts = new Map(); // route key -> form model (never a PIN)
  const offerAnswers = new Map(); // offer id -> answer of POST /api/offers
  let flash = null; // {text, kind} shown once on the next page

  async function loadRegistry(force) {
    if (!state.registry || force) state.registry = await api.get('/api/registry');
    return state.registry;
  }

  async function loadOfficers(force) {
    if (!state.officers || force) state.officers = await api.get('/api/officers');
    return state.officers;
  }

  async function loadStatus() {
    if (!state.status) setStatus(await api.get('/api/status'));
    return state.status;
  }

  function registryEntry(key) {
    const all = (state.registry || []).filter((e) => e.key === key);
    return all.find((e) => !e.revoked) || all[0] || null;
  }

  function personLabel(key, fallbackName) {
    const p = registryEntry(key);
    if (!p) return fallbackName ? `${fallbackName}` : shortId(key);
    const pn = p.personal_number ? `, ${p.personal_number}` : '';
    return `${p.name} (${p.unit}${pn})`;
  }

  function officerLabel(o) {
    const e = o.enrollment;
    if (!e) return `${o.holder} — ${t('officer.not_enrolled')}`;
    const pn = e.personal_number ? `, ${e.personal_number}` : '';
    return `${e.name || o.holder} — ${tEnum('role', e.role)}, ${e.unit}${pn}`;
  }

  function units() {
    const set = new Set();
    for (const e of state.registry || []) if (!e.revoked) set.add(e.unit);
    if (state.status && state.status.unit) set.add(state.status.unit);
    return [...set].sort();
  }

  function officersOfUnit(unit) {
    return (state.registry || []).filter(
      (e) => e.unit === unit && !e.revoked && e.role !== 'device' && e.role !== 'central_staff',
    );
  }

  // ---------------------------------------------------------------- header

  function centralPeer(peers) {
    const names = Object.keys(peers || {});
    if (!names.length) return null;
    const name =
      names.find((n) => peers[n] && peers[n].central === true) || names.find((n) => /central/i.test(n)) || names[0];
    return { name, peer: peers[name] };
  }

  function chip(test, label, value, kind) {
    return h(
      'div',
      { class: 'chip' + (kind ? ' ' + kind : ''), 'data-test': test },
      h('span', { class: 'chip-label' }, label),
      h('span', { class: 'chip-value' }, value),
    );
  }

  function renderHeader() {
    const box = $('#status');
    if (!box) return;
    clear(box);
    const s = state.status;
    if (!s) {
      box.append(
        chip('hdr-offline', t('hdr.node'), state.statusError || t('loading'), state.statusError ? 'bad' : ''),
      );
      return;
    }
    box.append(chip('hdr-unit', tEnum('node_role', s.role), s.unit, 'strong'));
    if (state.statusError) box.append(chip('hdr-offline', t('hdr.node'), state.statusError, 'bad'));
    const c = centralPeer(s.peers);
    if (c) {
      const p = c.peer || {};
      let value = p.last_success ? forPeople(p.last_success) : t('hdr.never');
      let kind = p.last_success ? 'ok' : 'warn';
      if (p.last_error) {
        kind = 'bad';
        const e = String(p.last_error);
        value += ` — ${t('hdr.last_error')}: ${e.length > 90 ? e.slice(0, 90) + '…' : e}`;
      }
      const el = chip('hdr-central', t('hdr.last_contact', { peer: c.name }), value, kind);
      if (p.last_error) el.title = String(p.last_error);
      box.append(el);
    } else {
      box.append(chip('hdr-central', t('hdr.last_contact_none'), t('hdr.no_peers'), 'warn'));
    }
    const pending = s.pending_changes || 0;
    box.append(chip('hdr-pending', t('hdr.pending'), String(pending), pending ? 'warn' : 'ok'));
    const log = s.central_log;
    if (log && log.alarm) {
      const el = chip('hdr-log-alarm', t('hdr.log_alarm'), t('hdr.log_alarm_text'), 'bad');
      el.title = String(log.alarm);
      box.append(el);
    }
    const syncing = Object.entries(s.peers || {}).filter(([, p]) => p && p.syncing);
    if (syncing.length) {
      for (const [name, p] of syncing) {
        const pr = p.progress;
        const value = pr
          ? t('hdr.sync_progress', { documents: pr.documents, round_trips: pr.round_trips })
          : t('hdr.sync_starting');
        box.append(chip('hdr-sync', t('hdr.syncing_with', { peer: name }), value, 'busy'));
      }
    } else {
      box.append(chip('hdr-sync', t('hdr.sync'), t('hdr.idle'), ''));
    }
    for (const job of (s.jobs || []).filter((j) => !j.finished)) {
      const pct = job.total ? Math.round((100 * job.done) / job.total) : null;
      box.append(
        h(
          'div',
          { class: 'chip busy', 'data-test': 'hdr-job' },
          h('span', { class: 'chip-label' }, tEnum('job', job.what)),
          h('progress', job.total ? { max: job.total, value: job.done } : {}),
          h('span', { class: 'chip-value' }, pct === null ? `${job.done}` : `${job.done}/${job.total}`),
        ),
      );
    }
    if (s.gps) box.append(gpsChip(s.gps));
    box.append(chip('hdr-clock', t('hdr.node_time'), s.now_for_people || forPeople(s.now), ''));
  }

  // ---------------------------------------------------------------- GPS (a vehicle with [gps])

  const GPS_KIND = { connected: 'ok', no_fix: 'warn', lost: 'bad' };

  function fixText(f) {
    return f ? `${f.at_for_people || forPeople(f.at)} (${f.latitude}, ${f.longitude})` : t('gps.none');
  }

  // The header's GPS chip: the link, and since when (or the last fix while fixes come).
  function gpsChip(g) {
    const since = g.since_for_people || forPeople(g.since);
    const value =
      g.state === 'connected' && g.last_fix
        ? t('gps.value_connected', { time: g.last_fix.at_for_people || forPeople(g.last_fix.at) })
        : g.state === 'lost'
          ? t('gps.value_lost', { since })
          : t('gps.value_no_fix', { since });
    const el = chip('hdr-gps', t('gps.label'), value, GPS_KIND[g.state] || 'warn');
    el.setAttribute('data-state', g.state);
    if (g.error) el.title = String(g.error);
    return el;
  }

  // The GPS in detail (the sync page): link, last fix, batch, what was signed and refused.
  function gpsDetails(g) {
    const refused = Object.entries(g.refused || {}).filter(([, n]) => n > 0);
    const jump = g.last_jump;
    const batch = g.last_batch;
    return h(
      'div',
      { 'data-test': 'gps', 'data-state': g.state },
      kv([
        [t('gps.state'), [badge('gps-' + g.state, tEnum('gps_state', g.state), { 'data-test': 'gps-state' }), ' ', t('gps.since', { since: g.since_for_people || forPeople(g.since) })]],
        g.error ? [t('gps.error'), [g.error, g.retry_seconds ? ` (${t('gps.retry', { seconds: g.retry_seconds })})` : ''], { class: 'bad-text', 'data-test': 'gps-error' }] : null,
        [t('gps.gpsd'), g.gpsd, { class: 'mono' }],
        [t('gps.last_fix'), fixText(g.last_fix), { 'data-test': 'gps-last-fix' }],
        [t('gps.waiting'), String(g.waiting), { 'data-test': 'gps-waiting' }],
        g.held_back ? [t('gps.held_back'), String(g.held_back)] : null,
        [t('gps.signed'), t('gps.signed_value', { fixes: g.signed, acts: g.acts }), { 'data-test': 'gps-signed' }],
        [
          t('gps.refused'),
          refused.length ? refused.map(([r, n]) => `${tEnum('gps_refused', r)}: ${n}`).join('; ') : t('gps.none'),
          { 'data-test': 'gps-refused' },
        ],
        jump
          ? [
              t('gps.last_jump'),
              t('gps.jump_value', { from: fixText(jump.from), to: fixText(jump.to), speed: jump.speed_kmh }),
              { 'data-test': 'gps-last-jump' },
            ]
          : null,
        batch
          ? [
              t('gps.last_batch'),
              t('gps.batch_value', { time: batch.at_for_people || forPeople(batch.at), fixes: batch.fixes, consignments: batch.consignments.join(', ') }),
            ]
          : null,
        g.record_error ? [t('gps.record_error'), g.record_error, { class: 'bad-text' }] : null,
      ]),
    );
  }

  async function pollStatus() {
    try {
      setStatus(await api.get('/api/status'));
      state.statusError = null;
    } catch (e) {
      state.statusError = e.message;
    }
    renderHeader();
    const feed = state.status ? state.status.feed_position : null;
    if (state.lastFeed !== null && feed !== state.lastFeed && pageRefresh) pageRefresh();
    state.lastFeed = feed;
  }

  // ---------------------------------------------------------------- routing

  let renderSeq = 0;
  let pageTimers = [];
  let pageRefresh = null;

  function every(ms, fn) {
    pageTimers.push(setInterval(fn, ms));
  }

  function parseRoute() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query] = raw.split('?');
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((p) => {
        try {
          return decodeURIComponent(p);
        } catch (_) {
          return p;
        }
      });
    return { parts, key: path, query: new URLSearchParams(query || '') };
  }

  function pageFor(route) {
    const [a, b, c, d, e] = route.parts;
    if (!a || a === 'consignments') return () => pageConsignments();
    if (a === 'c' && b && !c) return () => pageConsignment(b);
    if (a === 'c' && b && c === 'handover') return () => pageHandover(b, route.key);
    if (a === 'c' && b && c === 'act' && d) return () => pageActForm(b, d, route.key, e);
    if (a === 'register') return () => pageActForm(null, 'consignment_registered', route.key);
    if (a === 'offers' && !b) return () => pageOffers(route.query.get('show') || 'incoming');
    if (a === 'offers' && b) return () => pageOffer(b);
    if (a === 'sync') return () => pageSync();
    return () => h('p', { class: 'empty' }, t('err.no_page'));
  }

  async function render() {
    const seq = ++renderSeq;
    pageTimers.forEach(clearInterval);
    pageTimers = [];
    pageRefresh = null;
    const main = $('#view');
    const route = parseRoute();
    markNav(route);
    clear(main).append(h('p', { class: 'loading', 'data-test': 'loading' }, t('loading')));
    let node;
    try {
      await loadStatus().catch(() => null);
      node = await pageFor(route)();
    } catch (e) {
      node = h('div', {}, errorBox(e.message, 'page-error'));
    }
    if (seq !== renderSeq) return;
    clear(main);
    if (flash) {
      main.append(h('div', { class: 'flash ' + (flash.kind || 'ok'), 'data-test': 'flash', role: 'status' }, flash.text));
      flash = null;
    }
    main.append(node);
  }

  function markNav(route) {
    const current = route.parts[0] || 'consignments';
    document.querySelectorAll('#nav a').forEach((a) => {
      const which = a.getAttribute('data-route');
      const on = which === current || (which === 'consignments' && current === 'c');
      a.classList.toggle('active', on);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  }

  function renderChrome() {
    document.documentElement.lang = I18N.lang;
    document.title = t('app.title');
    const nav = $('#nav');
    clear(nav);
    const items = [
      ['consignments', t('nav.consignments')],
      ['offers', t('nav.offers')],
      ['register', t('nav.register')],
      ['sync', t('nav.sync')],
    ];
    for (const [route, label] of items) {
      nav.append(h('a', { href: '#/' + route, 'data-route': route, 'data-test': 'nav-' + route }, label));
    }
    const sel = $('#lang');
    clear(sel);
    for (const [code, name] of I18N.languages) sel.append(h('option', { value: code }, name));
    sel.value = I18N.lang;
    $('#lang-label').textContent = t('hdr.language');
    $('#brand-sub').textContent = t('app.subtitle');
    markNav(parseRoute());
  }

  // ---------------------------------------------------------------- shared page pieces

  function errorBox(message, test) {
    return h('div', { class: 'error-box', role: 'alert', 'data-test': test || 'error' }, message);
  }

  function section(title, ...children) {
    return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...children);
  }

  function badge(kind, text, attrs) {
    return h('span', Object.assign({ class: 'badge ' + kind }, attrs || {}), text);
  }

  function severityBadge(sev) {
    return badge('sev-' + sev, tEnum('severity', sev), { 'data-severity': sev });
  }

  function statusBadge(status, test) {
    return badge('st-' + status, tEnum('status', status), { 'data-test': test || 'status', 'data-status': status });
  }

  function kv(rows) {
    return h(
      'dl',
      { class: 'kv' },
      rows
        .filter((r) => r)
        .map(([k, v, attrs]) => [h('dt', {}, k), h('dd', attrs || {}, v === null || v === undefined || v === '' ? '—' : v)]),
    );
  }

  function table(headers, rows, attrs) {
    return h(
      'table',
      Object.assign({ class: 'table' }, attrs || {}),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
      h('tbody', {}, rows),
    );
  }

  // A <td> that names its column for the narrow (card) layout.
  function td(label, content, attrs) {
    return h('td', Object.assign({ 'data-label': label }, attrs || {}), content);
  }

  function refreshButton(fn) {
    return h('button', { type: 'button', class: 'btn secondary', 'data-test': 'refresh', onclick: fn }, t('btn.refresh'));
  }

  // ---------------------------------------------------------------- jobs

  // A progress bar that follows GET /api/jobs/{id} until the job finishes.
  function jobWidget(id, onDone) {
    const bar = h('progress', { 'data-test': 'job-progress' });
    const text = h('span', { class: 'job-text', 'data-test': 'job-status' }, t('job.started'));
    const out = h('div', { class: 'job-out' });
    const box = h('div', { class: 'job', 'data-test': 'job', 'data-job-id': id, 'data-finished': 'false' }, bar, text, out);
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      let job;
      try {
        job = await api.get(`/api/jobs/${enc(id)}`);
      } catch (e) {
        text.textContent = e.message;
        setTimeout(tick, 2000);
        return;
      }
      if (job.total) {
        bar.max = job.total;
        bar.value = job.done;
      }
      text.textContent = job.total
        ? t('job.progress', { done: job.done, total: job.total })
        : t('job.progress_open', { done: job.done });
      if (job.finished) {
        stopped = true;
        box.setAttribute('data-finished', 'true');
        if (job.total) bar.value = job.total;
        else {
          bar.max = 1;
          bar.value = 1;
        }
        clear(out);
        if (job.error) {
          box.setAttribute('data-outcome', 'error');
          text.textContent = t('job.failed');
          out.append(errorBox(job.error, 'job-error'));
        } else {
          box.setAttribute('data-outcome', 'ok');
          text.textContent = t('job.done');
          if (job.result !== null && job.result !== undefined) out.append(resultView(job.result));
        }
        if (onDone) onDone(job);
        return;
      }
      setTimeout(tick, 700);
    };
    tick();
    return box;
  }

  function resultView(result) {
    if (typeof result === 'string') return h('p', { class: 'job-result', 'data-test': 'job-result' }, result);
    if (typeof result === 'object' && !Array.isArray(result)) {
      return h(
        'dl',
        { class: 'kv job-result', 'data-test': 'job-result' },
        Object.entries(result).map(([k, v]) => [
          h('dt', {}, tEnum('result', k)),
          h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v)),
        ]),
      );
    }
    return h('pre', { class: 'job-result', 'data-test': 'job-result' }, JSON.stringify(result, null, 2));
  }

  // ---------------------------------------------------------------- consignments list

  async function pageConsignments() {
    const page = h('div', { id: 'page-consignments' });
    // The filters and the page are asked of the node (GET /api/consignments): it holds the list
    // in its indexes, a page at a time. `cursors` are where each page shown so far began. The
    // header's counts are over every consignment whatever the filters, so they are asked for
    // when the page opens and on each refresh, not with every turn of the page or filter
    // (`counts=false`).
    const filterModel = Object.assign({ q: '', status: '', severity: '', overdue: false, cursors: [''] }, drafts.get('list-filter') || {});
    if (!Array.isArray(filterModel.cursors) || !filterModel.cursors.length) filterModel.cursors = [''];
    drafts.set('list-filter', filterModel);
    const listBox = h('div', {});
    const countsBox = h('div', { class: 'counts', 'data-test': 'list-counts' });
    const pager = h('div', { class: 'pager' });
    const filter = h('input', {
      type: 'search',
      id: 'filter',
      'data-test': 'filter',
      placeholder: t('list.filter'),
      'aria-label': t('list.filter'),
      value: filterModel.q,
    });
    const select = (test, key, options) => {
      const el = h(
        'select',
        { 'data-test': test, 'aria-label': options[0][1] },
        options.map(([v, l]) => h('option', { value: v, selected: filterModel[key] === v }, l)),
      );
      el.addEventListener('change', () => {
        filterModel[key] = el.value;
        restart();
      });
      return el;
    };
    const statusSelect = select('filter-status', 'status', [
      ['', t('list.status_any')],
      ...['registered', 'in_transit', 'arrived', 'delivered', 'unregistered'].map((st) => [st, tEnum('status', st)]),
    ]);
    const severitySelect = select('filter-severity', 'severity', [
      ['', t('list.sev_any')],
      ['critical', t('list.sev_critical')],
      ['major', t('list.sev_major')],
      ['minor', t('list.sev_minor')],
    ]);
    const overdueBox = h('input', { type: 'checkbox', 'data-test': 'filter-overdue', checked: filterModel.overdue });
    overdueBox.addEventListener('change', () => {
      filterModel.overdue = overdueBox.checked;
      restart();
    });
    let answer = { rows: [], next: null, counts: null };
    let counts = null;
    const query = (withCounts) => {
      const p = new URLSearchParams({ limit: '50' });
      if (!withCounts) p.set('counts', 'false');
      const q = filterModel.q.trim();
      // A consignment number starts with a digit; anything else is looked for in the goods.
      if (q) p.set(/^[0-9]/.test(q) ? 'number' : 'goods', q);
      if (filterModel.status) p.set('status', filterModel.status);
      if (filterModel.severity) p.set('severity', filterModel.severity);
      if (filterModel.overdue) p.set('overdue', 'true');
      const after = filterModel.cursors[filterModel.cursors.length - 1];
      if (after) p.set('after', after);
      return '/api/consignments?' + p.toString();
    };
    const drawCounts = (c) => {
      clear(countsBox);
      if (!c) return;
      const sev = ['critical', 'major', 'minor'].filter((k) => c.by_worst[k]).map((k) => [severityBadge(k), ' ', String(c.by_worst[k]), ' ']);
      countsBox.append(
        h('span', { 'data-test': 'count-total' }, t('list.counts', { total: c.total, overdue: c.overdue })),
        ' · ',
        ...Object.entries(c.by_status)
          .filter(([, n]) => n)
          .map(([st, n]) => h('span', { class: 'count-status', 'data-test': 'count-' + st }, tEnum('status', st), ' ', String(n), ' ')),
        ...sev,
        c.by_worst.none ? h('span', {}, t('list.no_open'), ' ', String(c.by_worst.none)) : null,
      );
    };
    const draw = () => {
      clear(listBox);
      drawCounts(counts);
      clear(pager);
      const n = filterModel.cursors.length;
      const prev = h('button', { type: 'button', class: 'btn', 'data-test': 'list-prev', disabled: n <= 1 }, t('list.prev'));
      prev.addEventListener('click', () => {
        filterModel.cursors.pop();
        turn();
      });
      const next = h('button', { type: 'button', class: 'btn', 'data-test': 'list-next', disabled: !answer.next }, t('list.next'));
      next.addEventListener('click', () => {
        filterModel.cursors.push(answer.next);
        turn();
      });
      pager.append(prev, ' ', h('span', { 'data-test': 'list-page' }, t('list.page', { n })), ' ', next);
      const shown = answer.rows;
      if (!shown.length) {
        const any = counts && counts.total;
        listBox.append(h('p', { class: 'empty', 'data-test': 'no-consignments' }, any ? t('list.none_match') : t('list.none')));
        return;
      }
      listBox.append(
        table(
          [t('col.consignment'), t('col.status'), t('col.custodian'), t('col.deadline'), t('col.discrepancies')],
          shown.map((r) =>
            h(
              'tr',
              { 'data-test': 'consignment-row', 'data-consignment': r.consignment, class: r.overdue ? 'overdue' : '' },
              td(
                t('col.consignment'),
                [
                  link(['c', r.consignment], r.consignment, { 'data-test': 'open-consignment', class: 'big-link' }),
                  h('div', { class: 'sub' }, r.goods || ''),
                  r.route && r.route.length ? h('div', { class: 'sub' }, r.route.join(' → ')) : null,
                ],
              ),
              td(t('col.status'), statusBadge(r.status, 'c-status')),
              td(t('col.custodian'), r.custodian || '—', { 'data-test': 'c-custodian' }),
              td(t('col.deadline'), [
                h('span', { 'data-test': 'c-deadline' }, r.deadline_for_people || forPeople(r.deadline)),
                r.overdue ? [' ', badge('sev-critical', t('list.overdue'), { 'data-test': 'c-overdue' })] : null,
              ]),
              td(
                t('col.discrepancies'),
                r.open_discrepancies
                  ? [h('span', { class: 'count', 'data-test': 'c-open' }, String(r.open_discrepancies)), ' ', r.worst ? severityBadge(r.worst) : null]
                  : h('span', { class: 'count zero', 'data-test': 'c-open' }, '0'),
              ),
            ),
          ),
          { 'data-test': 'consignments' },
        ),
      );
    };
    let timer = null;
    const load = async (withCounts) => {
      try {
        answer = await api.get(query(withCounts || !counts));
        if (answer.counts) counts = answer.counts;
        draw();
      } catch (e) {
        clear(listBox).append(errorBox(e.message, 'page-error'));
      }
    };
    // A refresh (the button, the timer, a change on the node) counts again; turning the page
    // or changing a filter does not.
    const refresh = () => load(true);
    const turn = () => load(false);
    const restart = () => {
      filterModel.cursors = [''];
      turn();
    };
    filter.addEventListener('input', () => {
      filterModel.q = filter.value;
      clearTimeout(timer);
      timer = setTimeout(restart, 300);
    });
    await refresh();
    pageRefresh = refresh;
    every(15000, refresh);
    page.append(
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, t('list.title')),
        h('div', { class: 'actions' }, link(['register'], t('nav.register'), { class: 'btn primary', 'data-test': 'register' }), refreshButton(refresh)),
      ),
      countsBox,
      h('div', { class: 'filters' }, filter, ' ', statusSelect, ' ', severitySelect, ' ', h('label', {}, overdueBox, ' ', t('list.overdue_only'))),
      listBox,
      pager,
    );
    return page;
  }

  // ---------------------------------------------------------------- one consignment

  const ACT_ACTIONS = [
    'seal_applied',
    'escort_assigned',
    'seal_checked',
    'incident_reported',
    'seal_replaced',
    'seal_removed',
    'position_reported',
    'arrival_notified',
    'consignment_delivered',
    'permission_granted',
    'escort_changed',
    'delivery_refused',
    'consignment_returned',
    'department_notified',
    'expertise_concluded',
    'state_control_act_drawn',
    'certificates_issued',
    'kpc_returned',
    'kp_coupon_returned',
  ];

  // Acts a correction may name (act_corrected), and the acts of a kind that hold.
  const CORRECTABLE = ['consignment_registered', 'seal_applied', 'escort_assigned', 'incident_reported'];
  // Acts that have a paper act (GET /api/acts/{id}/paper.pdf).
  const PAPER_KINDS = ['custody_transferred', 'consignment_delivered', 'incident_reported', 'act_corrected'];

  function holdingActs(detail, kind) {
    return ((detail && detail.acts) || []).filter((x) => x.holds && (!kind || x.kind === kind));
  }

  function actOption(act) {
    const text = actSummary(act.body);
    return [act.id, `${tEnum('kind', act.kind)} · ${act.at_for_people || forPeople(act.at)}${text ? ' · ' + text.slice(0, 60) : ''} [${shortId(act.id)}]`];
  }

  // The permits of one type that hold, as options (optionally only those for act `about`).
  function permitOptions(detail, type, about) {
    return holdingActs(detail, 'permission_granted')
      .filter((x) => x.body.permits && x.body.permits.type === type && (!about || x.body.permits.act === about))
      .map(actOption);
  }

  // What a correction changes, in words: "seal: KG-0042137; vehicle: …".
  function changesText(changes) {
    return Object.entries(changes || {})
      .filter(([k]) => k !== 'kind')
      .map(([k, v]) => `${t('f.' + k) === 'f.' + k ? k : t('f.' + k)}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('; ');
  }

  async function pageConsignment(id) {
    const page = h('div', { id: 'page-consignment', 'data-consignment': id });
    const body = h('div', {});
    const load = async () => {
      const [detail, track] = await Promise.all([
        api.get(`/api/consignments/${enc(id)}`),
        // The map's failure is shown in its place; the rest of the page still stands.
        api.get(`/api/consignments/${enc(id)}/track`).catch((e) => ({ error: e.message })),
        loadRegistry(true),
      ]);
      clear(body).append(consignmentView(id, detail, track));
    };
    await load();
    pageRefresh = () => load().catch((e) => clear(body).append(errorBox(e.message, 'page-error')));
    page.append(
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, t('c.title'), ' ', h('span', { class: 'mono', 'data-test': 'consignment-id' }, id)),
        h('div', { class: 'actions' }, link([], t('btn.back_to_list'), { class: 'btn secondary' }), refreshButton(pageRefresh)),
      ),
      body,
    );
    return page;
  }

  // The road on a map (/track.js), words and times the officer's; a line if there is no track.
  function trackPanel(track) {
    if (!track || track.error) return errorBox(track ? track.error : t('track.none'), 'track-error');
    return window.TamgaTrack.panel(track, {
      t,
      when: forPeople,
      finding: findingText,
      severity: severityBadge,
      kind: (k) => tEnum('discrepancy', k),
    });
  }

  function consignmentView(id, detail, track) {
    const a = detail.assessment || {};
    const st = a.state || {};
    const reg = detail.registration;
    const acts = detail.acts || [];
    const actById = new Map(acts.map((x) => [x.id, x]));
    const rejected = new Map((a.rejected || []).map((r) => [r.act, r.reason]));
    const open = (a.discrepancies || []).filter((d) => !d.resolution);
    const out = [];

    // State at a glance.
    const cust = st.custodian;
    out.push(
      section(
        null,
        h(
          'div',
          { class: 'glance' },
          h('div', { class: 'glance-item' }, h('div', { class: 'glance-label' }, t('col.status')), statusBadge(st.status, 'state-status')),
          h(
            'div',
            { class: 'glance-item' },
            h('div', { class: 'glance-label' }, t('col.custodian')),
            h(
              'div',
              { class: 'glance-value', 'data-test': 'state-custodian', 'data-unit': cust ? cust.unit : '' },
              cust ? cust.unit : st.custody_disputed ? t('c.disputed') : '—',
            ),
            cust ? h('div', { class: 'sub' }, personLabel(cust.officer), ' · ', t('c.since'), ' ', forPeople(cust.since)) : null,
          ),
          h(
            'div',
            { class: 'glance-item' },
            h('div', { class: 'glance-label' }, t('col.deadline')),
            h('div', { class: 'glance-value', 'data-test': 'state-deadline' }, forPeople(st.deadline)),
            st.deadline_extension ? h('div', { class: 'sub', 'data-test': 'deadline-extended' }, t('c.deadline_extended'), ' ', h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); scrollToAct(st.deadline_extension); } }, shortId(st.deadline_extension))) : null,
            st.overdue ? badge('sev-critical', t('list.overdue'), { 'data-test': 'state-overdue' }) : null,
          ),
          st.outcome
            ? h(
                'div',
                { class: 'glance-item' },
                h('div', { class: 'glance-label' }, t('c.outcome')),
                h('div', { class: 'glance-value', 'data-test': 'state-outcome', 'data-outcome': st.outcome.type || '' }, outcomeText(st.outcome)),
              )
            : null,
          h(
            'div',
            { class: 'glance-item' },
            h('div', { class: 'glance-label' }, t('col.discrepancies')),
            h('div', { class: 'glance-value', 'data-test': 'state-open' }, String(open.length)),
          ),
        ),
        st.custody_disputed ? errorBox(t('c.disputed_long'), 'custody-disputed') : null,
      ),
    );

    // What the officer can do.
    out.push(
      section(
        t('c.actions'),
        h(
          'div',
          { class: 'action-grid' },
          link(['c', id, 'handover'], t('act.handover'), { class: 'btn primary big', 'data-test': 'action-handover' }),
          ACT_ACTIONS.map((k) => link(['c', id, 'act', k], t('do.' + k), { class: 'btn big', 'data-test': 'action-' + k })),
        ),
      ),
    );

    // Discrepancies.
    out.push(
      section(
        t('c.discrepancies'),
        (a.discrepancies || []).length
          ? h('ul', { class: 'discrepancies' }, (a.discrepancies || []).map((d) => discrepancyItem(d, actById, false)))
          : h('p', { class: 'ok-text', 'data-test': 'no-discrepancies' }, t('c.no_discrepancies')),
      ),
    );

    // Seals.
    const seals = Object.entries(st.seals || {});
    out.push(
      section(
        t('c.seals'),
        seals.length
          ? table(
              [t('col.seal'), t('col.seal_kind'), t('col.seal_status'), t('col.seal_state'), t('col.last_seen')],
              seals.map(([num, s]) =>
                h(
                  'tr',
                  { 'data-test': 'seal-row', 'data-seal': num, 'data-state': s.last_state, 'data-status': s.status },
                  td(t('col.seal'), h('span', { class: 'mono' }, num)),
                  td(t('col.seal_kind'), s.kind ? tEnum('seal_kind', s.kind) : t('seals.never_applied')),
                  td(t('col.seal_status'), tEnum('seal_status', s.status)),
                  td(t('col.seal_state'), badge('seal-' + s.last_state, tEnum('seal_state', s.last_state))),
                  td(t('col.last_seen'), forPeople(s.last_seen)),
                ),
              ),
            )
          : h('p', { class: 'empty' }, t('seals.none')),
      ),
    );

    // Custody chain.
    const chain = st.custody_chain || [];
    out.push(
      section(
        t('c.custody'),
        chain.length
          ? h(
              'ol',
              { class: 'chain' },
              chain.map((actId) => {
                const act = actById.get(actId);
                const b = act ? act.body : null;
                return h(
                  'li',
                  { 'data-test': 'custody-link', 'data-act': actId },
                  b
                    ? [
                        h('strong', {}, `${b.releasing.unit} → ${b.receiving.unit}`),
                        h('div', { class: 'sub' }, `${personLabel(b.releasing.officer)} → ${personLabel(b.receiving.officer)}`),
                        h('div', { class: 'sub' }, `${act.at_for_people || forPeople(act.at)} · ${placeText(b.place)}`),
                        h('div', { class: 'sub' }, `${sealsText(b.seals)} · ${t('f.packages')}: ${b.packages} · ${t('f.gross_mass')}: ${massText(b.gross_mass)}`),
                      ]
                    : h('a', { href: '#act-' + actId }, shortId(actId)),
                );
              }),
            )
          : h('p', { class: 'empty' }, cust ? t('c.custody_registered', { unit: cust.unit }) : t('c.custody_none')),
      ),
    );

    // Escort.
    const esc = st.escort;
    out.push(
      section(
        t('c.escort'),
        esc
          ? kv([
              [t('f.escort_unit'), esc.unit, { 'data-test': 'escort-unit' }],
              [t('f.vehicle'), esc.vehicle],
              [t('f.officer_in_charge'), personLabel(esc.officer_in_charge)],
              [t('f.crew'), (esc.crew || []).map(personLabel).join('; '), { 'data-test': 'escort-crew' }],
              (esc.changes || []).length ? [t('c.escort_changes'), String(esc.changes.length), { 'data-test': 'escort-changes' }] : null,
            ].filter(Boolean))
          : h('p', { class: 'empty' }, t('c.no_escort')),
        link(['c', id, 'act', 'escort_changed'], t('do.escort_changed'), { class: 'btn small secondary', 'data-test': 'change-crew' }),
      ),
    );

    // Duties with deadlines (the Department's notice, expertise, State Control Act, an export's
    // certificates, a damaged KPC sent back): done, or due by when.
    if ((st.duties || []).length) {
      const now = Date.now();
      out.push(
        section(
          t('c.duties'),
          h(
            'ul',
            { class: 'plain' },
            st.duties.map((d) => {
              const overdue = !d.done && Date.parse(d.due) <= now;
              return h(
                'li',
                { 'data-test': 'duty', 'data-duty': d.duty, 'data-done': String(!!d.done), 'data-overdue': String(overdue) },
                d.done ? badge('holds', t('c.duty_done')) : overdue ? badge('sev-major', t('c.duty_overdue')) : badge('sev-minor', t('c.duty_open')),
                ' ',
                tEnum('duty', d.duty),
                ' · ',
                t('c.duty_due'),
                ' ',
                forPeople(d.due),
                d.done ? ` · ${t('c.duty_done_at')} ${forPeople(d.done[1])}` : '',
              );
            }),
          ),
        ),
      );
    }

    // Incidents still open (not followed up by a customs body).
    const openIncidents = st.open_incidents || [];
    if ((st.incidents || []).length) {
      out.push(
        section(
          t('c.incidents'),
          h(
            'ul',
            { class: 'plain' },
            (st.incidents || []).map((incId) => {
              const act = actById.get(incId);
              const open = openIncidents.includes(incId);
              return h(
                'li',
                { 'data-test': 'incident', 'data-act': incId, 'data-open': String(open) },
                open ? badge('sev-major', t('c.incident_open')) : badge('holds', t('c.incident_followed')),
                ' ',
                act ? actSummary(act.body) : shortId(incId),
                ' ',
                incidentActions(id, incId),
              );
            }),
          ),
        ),
      );
    }

    // Route progress.
    const route = st.route || {};
    const visited = new Set(route.visited || []);
    out.push(
      section(
        t('c.route'),
        (route.planned || []).length
          ? h(
              'ol',
              { class: 'route', 'data-test': 'route' },
              route.planned.map((u) =>
                h(
                  'li',
                  { class: visited.has(u) ? 'visited' : u === route.next ? 'next' : '' },
                  u,
                  visited.has(u) ? h('span', { class: 'sub' }, ' ✓ ' + t('c.visited')) : u === route.next ? h('span', { class: 'sub' }, ' ← ' + t('c.next')) : null,
                ),
              ),
            )
          : h('p', { class: 'empty' }, '—'),
        st.last_position
          ? h(
              'p',
              { class: 'sub' },
              t('c.last_position'),
              ': ',
              `${st.last_position.coordinates.latitude}, ${st.last_position.coordinates.longitude} · ${forPeople(st.last_position.at)}`,
            )
          : null,
        st.arrival_notified_at ? h('p', { class: 'sub' }, t('c.arrival_notified'), ': ', forPeople(st.arrival_notified_at)) : null,
        st.delivered_at ? h('p', { class: 'sub' }, t('c.delivered'), ': ', forPeople(st.delivered_at)) : null,
      ),
    );

    // The road: corridor, posts, positions and seal events on a map.
    out.push(section(t('track.title'), trackPanel(track)));

    // Registration.
    if (reg) out.push(section(t('c.registration'), registrationView(reg)));

    // Acts timeline.
    out.push(
      section(
        t('c.acts'),
        acts.length
          ? h('ol', { class: 'timeline' }, acts.map((act) => actItem(act, rejected.get(act.id), { id, actById, corrections: st.corrections || {} })))
          : h('p', { class: 'empty' }, t('c.no_acts')),
      ),
    );
    return h('div', {}, out);
  }

  function discrepancyItem(d, actById, isNew) {
    return h(
      'li',
      {
        class: 'discrepancy sev-border-' + d.severity + (isNew ? ' new' : '') + (d.resolution ? ' resolved' : ''),
        'data-test': isNew ? 'new-discrepancy' : 'discrepancy',
        'data-kind': d.kind,
        'data-severity': d.severity,
        'data-id': d.id,
      },
      h(
        'div',
        { class: 'disc-head' },
        severityBadge(d.severity),
        isNew ? badge('new', t('review.new')) : null,
        h('strong', {}, tEnum('discrepancy', d.kind)),
        d.subject ? h('span', { class: 'mono' }, ' · ' + d.subject) : null,
      ),
      h('div', { class: 'disc-summary' }, findingText(d)),
      d.acts && d.acts.length
        ? h(
            'div',
            { class: 'sub' },
            t('c.proof'),
            ': ',
            d.acts.map((id, i) => {
              const act = actById ? actById.get(id) : null;
              const label = act ? `${tEnum('kind', act.kind)} · ${act.at_for_people || forPeople(act.at)}` : shortId(id);
              return [i ? '; ' : '', act ? h('a', { href: '#', 'data-act': id, onclick: (ev) => { ev.preventDefault(); scrollToAct(id); } }, label) : h('span', { class: 'mono' }, label)];
            }),
          )
        : null,
      d.resolution
        ? h('div', { class: 'sub ok-text' }, t('c.resolved', { by: personLabel(d.resolution.by), at: forPeople(d.resolution.at) }), ': ', d.resolution.reason)
        : null,
    );
  }

  function scrollToAct(id) {
    const el = document.getElementById('act-' + id);
    if (el) {
      el.open = true;
      el.scrollIntoView({ behavior: 'smooth', block: 'center' });
      el.classList.add('flash-target');
      setTimeout(() => el.classList.remove('flash-target'), 1500);
    }
  }

  function registrationView(r) {
    return h(
      'div',
      {},
      kv([
        [t('f.declaration'), r.declaration],
        [t('f.direction'), tEnum('direction', r.direction)],
        [t('f.consignor'), traderText(r.consignor)],
        [t('f.consignee'), traderText(r.consignee)],
        r.carrier ? [t('f.carrier'), traderText(r.carrier), { 'data-test': 'carrier' }] : null,
        (r.documents || []).length ? [t('f.documents'), r.documents.map((d) => `${tEnum('document', d.kind)} ${d.number}`).join('; '), { 'data-test': 'documents' }] : null,
        [t('f.office_of_departure'), r.office_of_departure],
        [t('f.office_of_destination'), r.office_of_destination],
        [t('f.route'), (r.route || []).join(' → ')],
        [t('f.delivery_deadline'), forPeople(r.delivery_deadline)],
        [t('f.packages'), String(r.packages)],
      ]),
      table(
        [t('f.hs_code'), t('f.description'), t('f.quantity'), t('f.net_mass'), t('f.gross_mass'), t('f.value')],
        (r.goods || []).map((g) =>
          h(
            'tr',
            { 'data-test': 'goods-line' },
            td(t('f.hs_code'), h('span', { class: 'mono' }, g.hs_code)),
            td(t('f.description'), g.description),
            td(t('f.quantity'), `${g.quantity.value} ${tEnum('unit', g.quantity.unit)}`),
            td(t('f.net_mass'), massText(g.net_mass)),
            td(t('f.gross_mass'), massText(g.gross_mass)),
            td(t('f.value'), `${g.value.amount} ${g.value.currency}`),
          ),
        ),
      ),
      (r.certificates || []).length
        ? h(
            'ul',
            { class: 'plain' },
            r.certificates.map((c) =>
              h(
                'li',
                { 'data-test': 'certificate' },
                `${tEnum('certificate', c.kind)} ${c.number} · ${c.issued_by} · ${forPeople(c.issued_at)}` +
                  (c.kp ? ` · ${c.kp.carats} ct · USD ${c.kp.value_usd} · ${c.kp.parcels} · ${t('c.kp_until')} ${forPeople(c.kp.expires_at)}` : ''),
              ),
            ),
          )
        : h('p', { class: 'sub' }, t('c.no_certificates')),
    );
  }

  function traderText(tr) {
    if (!tr) return '—';
    return `${tr.name} (${tr.country}${tr.registration ? ', ' + tr.registration : ''})`;
  }

  function actSummary(b) {
    if (!b) return '';
    switch (b.kind) {
      case 'consignment_registered':
        return `${(b.goods || []).map((g) => g.description).join('; ')} · ${t('f.packages')}: ${b.packages} · ${(b.route || []).join(' → ')}`;
      case 'seal_applied':
        return `${b.seal} · ${tEnum('seal_kind', b.seal_kind)} · ${b.fixed_on}`;
      case 'seal_checked':
        return `${b.seal} · ${tEnum('seal_state', b.state)}${b.note ? ' · ' + b.note : ''}`;
      case 'seal_removed':
        return `${b.seal} · ${tEnum('seal_state', b.state)} · ${groundsText(b.grounds)}`;
      case 'seal_replaced':
        return `${b.old_seal} (${tEnum('seal_state', b.old_state)}) → ${b.new_seal} · ${groundsText(b.grounds)}`;
      case 'escort_assigned':
        return `${b.escort_unit} · ${b.vehicle} · ${personLabel(b.officer_in_charge)}`;
      case 'custody_transferred':
        return `${b.releasing.unit} → ${b.receiving.unit} · ${sealsText(b.seals)} · ${t('f.packages')}: ${b.packages} · ${massText(b.gross_mass)}`;
      case 'incident_reported':
        return `${tEnum('incident', b.incident)} · ${b.description}${b.happened_at ? ' · ' + t('f.happened_at') + ': ' + forPeople(b.happened_at) : ''}`;
      case 'position_reported': {
        const last = (b.positions || [])[b.positions.length - 1];
        return t('c.positions', { n: (b.positions || []).length }) + (last ? ` · ${last.coordinates.latitude}, ${last.coordinates.longitude}` : '');
      }
      case 'arrival_notified':
        return `${t('f.arrived_at')}: ${forPeople(b.arrived_at)}`;
      case 'consignment_delivered':
        return `${sealsText(b.seals)} · ${t('f.packages')}: ${b.packages} · ${massText(b.gross_mass)}${b.net_mass ? ' · ' + t('f.net_mass') + ': ' + massText(b.net_mass) : ''}${b.shortage ? ' · ' + t('f.shortage') + ': ' + b.shortage.packages + ', ' + massText(b.shortage.net_mass) : ''}`;
      case 'discrepancy_resolved':
        return `${shortId(b.discrepancy)} · ${b.reason}`;
      case 'permission_granted': {
        const p = b.permits || {};
        const what = p.type === 'seal_removal' ? (p.seals || []).join(', ') : p.act ? shortId(p.act) : p.incident ? shortId(p.incident) : '';
        return `${tEnum('permit', p.type)}${what ? ' · ' + what : ''} · ${b.reason}`;
      }
      case 'act_corrected':
        return `${t('c.corrects')} ${tEnum('kind', (b.changes || {}).kind)} [${shortId(b.corrects)}] · ${changesText(b.changes)} · ${b.reason}`;
      case 'escort_changed':
        return `${b.escort_unit} · ${b.vehicle} · ${personLabel(b.officer_in_charge)} · ${b.reason}`;
      case 'deadline_extended':
        return `${t('f.delivery_deadline')}: ${forPeople(b.delivery_deadline)} · ${b.reason}`;
      case 'incident_followed_up':
        return `${tEnum('follow_up', b.action)} · ${b.note}`;
      case 'delivery_refused':
        return `${b.reason} · ${sealsText(b.seals)}`;
      case 'consignment_returned':
        return `${sealsText(b.seals)} · ${t('f.packages')}: ${b.packages} · ${massText(b.gross_mass)}`;
      case 'department_notified':
        return b.reference;
      case 'expertise_concluded':
        return `${t('f.conclusion')}: ${b.conclusion}`;
      case 'state_control_act_drawn':
        return `${t('f.register_number')}: ${b.register_number} · ${b.goods_conform ? t('c.goods_conform') : t('c.goods_do_not_conform')}`;
      case 'certificates_issued':
        return (b.certificates || []).map((c) => `${tEnum('certificate', c.kind)} ${c.number} · ${forPeople(c.issued_at)}`).join('; ');
      case 'kp_coupon_returned':
        return `${b.certificate} → ${b.sent_to}`;
      case 'kpc_returned':
        return `${b.certificate} · ${b.damage} · ${t('f.found_damaged_at')}: ${forPeople(b.found_damaged_at)}`;
      default:
        return '';
    }
  }

  function groundsText(g) {
    if (!g) return '';
    return tEnum('basis', g.basis) + (g.reference ? ` (${g.reference})` : '');
  }

  function incidentActions(id, incId) {
    return h(
      'span',
      { class: 'act-links' },
      link(['c', id, 'act', 'incident_followed_up', incId], t('do.follow_up'), { class: 'btn small secondary', 'data-test': 'follow-up' }),
      link(['c', id, 'act', 'deadline_extended', incId], t('do.extend_deadline'), { class: 'btn small secondary', 'data-test': 'extend-deadline' }),
      link(['c', id, 'act', 'permission_granted', incId], t('do.permit'), { class: 'btn small secondary', 'data-test': 'permit' }),
      link(['c', id, 'act', 'escort_changed'], t('do.escort_changed'), { class: 'btn small secondary' }),
    );
  }

  function outcomeText(o) {
    if (!o) return '—';
    const name = tEnum('outcome', o.type);
    if (o.type === 'delivered_short') return `${name}: ${t('f.packages')} ${o.packages}, ${massText(o.net_mass)}`;
    if (o.type === 'refused') return `${name}: ${o.reason}`;
    return name;
  }

  function actItem(act, reason, ctx) {
    const b = act.body || {};
    const c = ctx || {};
    const corrections = (c.corrections && c.corrections[act.id]) || [];
    return h(
      'li',
      { class: 'act' + (act.holds ? '' : ' rejected'), 'data-test': 'act', 'data-kind': act.kind, 'data-holds': String(!!act.holds), 'data-act': act.id },
      h(
        'details',
        { id: 'act-' + act.id },
        h(
          'summary',
          {},
          h('span', { class: 'act-time' }, act.at_for_people || forPeople(act.at)),
          h('strong', { class: 'act-kind' }, tEnum('kind', act.kind)),
          act.holds ? badge('holds', t('act.holds')) : badge('sev-critical', t('act.not_holds'), { 'data-test': 'act-rejected' }),
          h('div', { class: 'act-line' }, actSummary(b)),
          h(
            'div',
            { class: 'act-line sub' },
            b.place ? [t('f.place'), ': ', placeText(b.place), ' · '] : null,
            t('act.signed_by'),
            ': ',
            (act.signers || []).map((s, i) => [
              i ? '; ' : '',
              h('span', { 'data-test': 'signer' }, `${s.name || shortId(s.key)}${s.personal_number ? ' (' + s.personal_number + ')' : ''}${s.role ? ', ' + tEnum('role', s.role) : ''}${s.unit ? ', ' + s.unit : ''}`),
            ]),
          ),
          !act.holds && reason ? h('div', { class: 'act-line bad-text' }, reason) : null,
          h(
            'div',
            { class: 'act-line sub', 'data-test': 'at-hq', 'data-at-hq': act.at_headquarters ? 'yes' : 'no' },
            act.at_headquarters
              ? t('act.at_hq', { when: act.at_headquarters.seen_for_people || forPeople(act.at_headquarters.seen) })
              : t('act.not_at_hq'),
          ),
        ),
        h('div', { class: 'sub mono' }, t('act.id'), ': ', act.id),
        h('pre', { class: 'act-body' }, JSON.stringify(b, null, 2)),
      ),
      corrections.length
        ? h(
            'div',
            { class: 'corrections', 'data-test': 'corrections' },
            h('div', { class: 'sub' }, t('c.corrected_by')),
            h(
              'ol',
              { class: 'plain' },
              corrections.map((cid) => {
                const ca = c.actById && c.actById.get(cid);
                return h(
                  'li',
                  { 'data-test': 'correction', 'data-act': cid },
                  ca ? `${ca.at_for_people || forPeople(ca.at)} · ${changesText(ca.body.changes)} · ${ca.body.reason}` : shortId(cid),
                );
              }),
            ),
          )
        : null,
      (act.holds && c.id && CORRECTABLE.includes(act.kind)) || PAPER_KINDS.includes(act.kind)
        ? h(
            'div',
            { class: 'act-links' },
            PAPER_KINDS.includes(act.kind)
              ? h('a', { href: `/api/acts/${enc(act.id)}/paper.pdf`, target: '_blank', rel: 'noopener', class: 'btn small secondary', title: t('do.print_title'), 'data-test': 'print-act' }, t('do.print'))
              : null,
            act.holds && c.id && CORRECTABLE.includes(act.kind)
              ? [link(['c', c.id, 'act', 'act_corrected', act.id], t('do.correct'), { class: 'btn small secondary', 'data-test': 'correct-act' }),
                  act.kind === 'incident_reported' ? incidentActions(c.id, act.id) : null]
              : null,
          )
        : null,
    );
  }

  // ---------------------------------------------------------------- form building blocks

  function getPath(obj, path) {
    return path.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
  }

  function setPath(obj, path, value) {
    let o = obj;
    for (let i = 0; i < path.length - 1; i++) {
      if (o[path[i]] === null || o[path[i]] === undefined) o[path[i]] = {};
      o = o[path[i]];
    }
    o[path[path.length - 1]] = value;
  }

  let fieldSeq = 0;

  // One input bound to model[path]. opts: label, type (text, textarea, select, number, datetime,
  // date, checkbox), options [[value, label]], required, hint, test, placeholder, inputmode,
  // pattern, list (datalist id), onchange.
  function field(model, path, opts) {
    const id = 'f' + ++fieldSeq + '-' + path.join('-');
    const name = path.join('.');
    const value = getPath(model, path);
    const common = {
      id,
      name,
      'data-test': opts.test || 'f-' + name,
      required: !!opts.required,
      placeholder: opts.placeholder,
      inputmode: opts.inputmode,
      pattern: opts.pattern,
      list: opts.list,
      autocomplete: 'off',
      autocapitalize: opts.upper ? 'characters' : null,
      spellcheck: opts.upper || opts.mono ? 'false' : null,
      class: opts.mono ? 'mono' : null,
      title: opts.title,
    };
    let input;
    if (opts.type === 'select') {
      input = h('select', common, (opts.options || []).map(([v, l, dis]) => h('option', { value: v, disabled: !!dis }, l)));
      input.value = value === undefined || value === null ? '' : value;
      if (input.value !== (value || '') && value) {
        // Keep a value the model holds even if the options no longer list it.
        input.append(h('option', { value }, value));
        input.value = value;
      }
    } else if (opts.type === 'textarea') {
      input = h('textarea', Object.assign(common, { rows: opts.rows || 3 }));
      input.value = value || '';
    } else if (opts.type === 'checkbox') {
      input = h('input', Object.assign(common, { type: 'checkbox', checked: !!value }));
    } else {
      const type = { datetime: 'datetime-local', date: 'date', number: 'number' }[opts.type] || 'text';
      input = h('input', Object.assign(common, { type, step: opts.type === 'datetime' ? '1' : opts.step, min: opts.min }));
      input.value = value === undefined || value === null ? '' : value;
    }
    const update = () => {
      setPath(model, path, input.type === 'checkbox' ? input.checked : input.value);
      if (opts.onchange) opts.onchange(input.type === 'checkbox' ? input.checked : input.value);
    };
    input.addEventListener('input', update);
    input.addEventListener('change', update);
    input.addEventListener('blur', () => input.classList.add('touched'));
    if (opts.type === 'checkbox') {
      return h('div', { class: 'field check' }, h('label', { for: id }, input, h('span', {}, opts.label)), opts.hint ? h('small', { class: 'hint' }, opts.hint) : null);
    }
    return h(
      'div',
      { class: 'field' + (opts.wide ? ' wide' : '') },
      h('label', { for: id }, opts.label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      input,
      opts.hint ? h('small', { class: 'hint' }, opts.hint) : null,
      // A time is typed in the node's zone: say which, with its offset.
      opts.type === 'datetime' ? h('small', { class: 'hint', 'data-test': 'zone-hint' }, t('hint.local_time', { zone: TIME.label() })) : null,
    );
  }

  // A decimal typed as text.
  function decimalField(model, path, label, opts) {
    return field(model, path, Object.assign({ label, inputmode: 'decimal', mono: true, pattern: '-?(0|[1-9][0-9]*)(\\.[0-9]{1,28})?', title: t('hint.decimal'), hint: t('hint.decimal') }, opts || {}));
  }

  function enumOptions(group, values, withBlank) {
    const opts = values.map((v) => [v, tEnum(group, v)]);
    return withBlank ? [['', t('f.choose')]].concat(opts) : opts;
  }

  const SEAL_STATES = ['intact', 'damaged', 'missing'];
  const SEAL_KINDS = ['mechanical', 'navigation'];
  const BASES = ['permission', 'inspection', 'threat_of_loss', 'threat_to_life'];
  const INCIDENTS = ['accident', 'force_majeure', 'seal_damage', 'route_deviation', 'delay', 'loss_or_shortage'];
  const MASS_UNITS = ['kg', 'g', 'ct'];
  const QUANTITY_UNITS = ['ct', 'g', 'kg', 'pcs'];
  const PERMITS = ['seal_removal', 'correction', 'transhipment', 'return'];
  const FOLLOW_UPS = ['brought_to_customs', 'officials_attended', 'closed'];
  const DOCUMENT_KINDS = ['transit_declaration', 'invoice', 'packing_list', 'transport_document', 'kimberley_process_certificate', 'state_control_certificate', 'other'];

  function row(...children) {
    return h('div', { class: 'row' }, children);
  }

  // A list of rows in model[path]: rows can be added and removed.
  function repeat(model, path, opts) {
    const box = h('div', { class: 'repeat', 'data-test': opts.test });
    const draw = () => {
      clear(box);
      const arr = getPath(model, path);
      arr.forEach((item, i) => {
        box.append(
          h(
            'fieldset',
            { class: 'row-item', 'data-test': opts.test + '-row' },
            h('legend', {}, `${opts.title} ${i + 1}`),
            opts.row([...path, i], i),
            arr.length > (opts.min || 0)
              ? h('button', {
                  type: 'button',
                  class: 'btn small danger',
                  'data-test': opts.test + '-remove',
                  onclick: () => {
                    arr.splice(i, 1);
                    draw();
                  },
                }, t('btn.remove'))
              : null,
          ),
        );
      });
      box.append(
        h('button', {
          type: 'button',
          class: 'btn secondary',
          'data-test': opts.test + '-add',
          onclick: () => {
            arr.push(opts.blank());
            draw();
            const inputs = box.querySelectorAll('fieldset:last-of-type input, fieldset:last-of-type select');
            if (inputs.length) inputs[0].focus();
          },
        }, opts.addLabel),
      );
    };
    draw();
    return box;
  }

  function defaultPlace() {
    const s = state.status || {};
    return { type: s.role === 'vehicle' ? 'road' : 'post', unit: s.role === 'vehicle' ? '' : s.unit || '', description: '', latitude: '', longitude: '' };
  }

  function placeBlock(model, path) {
    const box = h('fieldset', { class: 'group', 'data-test': 'place' });
    const draw = () => {
      clear(box);
      const p = getPath(model, path);
      append(box, [
        h('legend', {}, t('f.place')),
        row(
          field(model, [...path, 'type'], {
            label: t('f.place_type'),
            type: 'select',
            options: [['post', t('place.post')], ['road', t('place.road')]],
            test: 'place-type',
            onchange: draw,
          }),
          p.type === 'post'
            ? field(model, [...path, 'unit'], { label: t('f.unit'), required: true, list: 'dl-units', upper: true, mono: true, test: 'place-unit' })
            : field(model, [...path, 'description'], { label: t('f.place_description'), required: true, test: 'place-description', wide: true }),
        ),
        p.type === 'road'
          ? row(
              decimalField(model, [...path, 'latitude'], t('f.latitude'), { test: 'place-latitude', hint: t('hint.optional_coords') }),
              decimalField(model, [...path, 'longitude'], t('f.longitude'), { test: 'place-longitude', hint: null }),
              geoButton((lat, lon) => {
                p.latitude = lat;
                p.longitude = lon;
                draw();
              }),
            )
          : null,
      ]);
    };
    draw();
    return box;
  }

  function placeBody(p) {
    if (p.type === 'post') return { type: 'post', unit: trim(p.unit) };
    const out = { type: 'road', description: trim(p.description) };
    if (trim(p.latitude) || trim(p.longitude)) out.coordinates = { latitude: trim(p.latitude), longitude: trim(p.longitude) };
    return out;
  }

  // The device's own position, when it has one, written into the form as text to check.
  function geoButton(onFix) {
    if (!navigator.geolocation) return null;
    const status = h('small', { class: 'hint' });
    return h(
      'div',
      { class: 'field' },
      h('label', {}, '\u00a0'),
      h('button', {
        type: 'button',
        class: 'btn secondary',
        'data-test': 'use-location',
        onclick: () => {
          status.textContent = t('geo.locating');
          navigator.geolocation.getCurrentPosition(
            (pos) => {
              status.textContent = '';
              onFix(pos.coords.latitude.toFixed(6), pos.coords.longitude.toFixed(6));
            },
            (err) => {
              status.textContent = t('geo.failed') + ': ' + err.message;
            },
            { enableHighAccuracy: true, timeout: 20000 },
          );
        },
      }, t('geo.use')),
      status,
    );
  }

  function unitsDatalist() {
    return h('datalist', { id: 'dl-units' }, units().map((u) => h('option', { value: u })));
  }

  // The signing officer (from this node's keystore) and their PIN.
  function signBlock(model, officers, opts) {
    const o = opts || {};
    const usable = officers.filter((x) => x.enrollment);
    if (!model.officer && usable.length === 1) model.officer = usable[0].key;
    const pin = h('input', {
      type: 'password',
      id: 'f-pin',
      name: 'pin',
      'data-test': 'pin',
      autocomplete: 'off',
      required: true,
    });
    const node = h(
      'fieldset',
      { class: 'group sign' },
      h('legend', {}, o.title || t('sign.title')),
      officers.length
        ? row(
            field(model, ['officer'], {
              label: o.officerLabel || t('sign.officer'),
              type: 'select',
              required: true,
              test: 'officer',
              options: [['', t('f.choose')]].concat(officers.map((x) => [x.key, officerLabel(x), !x.enrollment])),
              onchange: o.onOfficer,
            }),
            h('div', { class: 'field' }, h('label', { for: 'f-pin' }, t('sign.pin'), h('span', { class: 'req' }, ' *')), pin, h('small', { class: 'hint' }, t('sign.pin_hint'))),
          )
        : errorBox(t('sign.no_officers'), 'no-officers'),
    );
    return { node, pin };
  }

  // A form with an error box by its submit button. onSubmit throws to show an error; the form's
  // content is left as it was.
  function formShell(opts) {
    const err = h('div', { class: 'error-box', role: 'alert', 'data-test': 'form-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary big', 'data-test': opts.submitTest || 'submit' }, opts.submitLabel);
    const busy = h('span', { class: 'busy-text', hidden: true }, t('busy.signing'));
    const form = h(
      'form',
      { id: opts.id, class: 'form card', 'data-kind': opts.kind || '' },
      opts.title ? h('h2', {}, opts.title) : null,
      opts.intro ? h('p', { class: 'intro' }, opts.intro) : null,
      opts.body,
      err,
      h('div', { class: 'form-actions' }, submit, busy, opts.extraActions || null),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      submit.disabled = true;
      busy.hidden = false;
      try {
        await opts.onSubmit();
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
        err.scrollIntoView({ behavior: 'smooth', block: 'center' });
      } finally {
        submit.disabled = false;
        busy.hidden = true;
      }
    });
    return { form, err, submit };
  }

  function clientError(message) {
    return new ApiError(-1, message);
  }

  function packagesValue(v) {
    const s = trim(v);
    if (!/^\d+$/.test(s)) throw clientError(t('err.packages'));
    return Number(s);
  }

  function draft(key, init) {
    if (!drafts.has(key)) drafts.set(key, init());
    return drafts.get(key);
  }

  // ---------------------------------------------------------------- act forms

  function sealOptions(detail, activeOnly) {
    const seals = Object.entries(((detail || {}).assessment || {}).state ? detail.assessment.state.seals || {} : {});
    return seals.filter(([, s]) => !activeOnly || s.status === 'active').map(([n]) => n);
  }

  function sealNumberField(model, path, label, known, test) {
    const listId = 'dl-seals-' + path.join('-');
    return [
      field(model, path, { label, required: true, list: listId, upper: true, mono: true, test: test || 'f-' + path.join('.') }),
      h('datalist', { id: listId }, known.map((n) => h('option', { value: n }))),
    ];
  }

  function groundsFields(model, ctx) {
    const permits = permitOptions(ctx && ctx.detail, 'seal_removal');
    return [
      row(
        field(model, ['basis'], { label: t('f.basis'), type: 'select', required: true, options: enumOptions('basis', BASES, true) }),
        field(model, ['reference'], { label: t('f.reference'), hint: t('hint.reference') }),
      ),
      field(model, ['permission'], { label: t('f.permission'), type: 'select', test: 'grounds-permission', options: [['', t('f.none')]].concat(permits), hint: t('hint.permission'), wide: true }),
    ];
  }

  function groundsBody(m) {
    const g = { basis: m.basis };
    if (trim(m.reference)) g.reference = trim(m.reference);
    if (m.permission) g.permission = m.permission;
    return g;
  }

  // Seal numbers typed as a list: "KG-1, KG-2".
  function sealList(text) {
    return trim(text).split(/[\s,;]+/).filter(Boolean);
  }

  function massBody(m) {
    return { value: trim(m.value), unit: m.unit };
  }

  // The escort crew (unit, vehicle, officer in charge, members), as escort_assigned and
  // escort_changed ask for it.
  function crewFields(m) {
    const escortUnits = [...new Set((state.registry || []).filter((e) => !e.revoked && e.role === 'escort_officer').map((e) => e.unit))].sort();
    const crewBox = h('div', { class: 'crew' });
    const drawCrew = () => {
      clear(crewBox);
      const people = officersOfUnit(m.escort_unit).filter((e) => e.role === 'escort_officer');
      if (!m.escort_unit) return;
      if (!people.length) {
        crewBox.append(h('p', { class: 'sub' }, t('escort.no_officers')));
        return;
      }
      crewBox.append(
        row(
          field(m, ['officer_in_charge'], {
            label: t('f.officer_in_charge'),
            type: 'select',
            required: true,
            test: 'officer-in-charge',
            options: [['', t('f.choose')]].concat(people.map((p) => [p.key, personLabel(p.key)])),
            onchange: (v) => {
              if (v) m.crew[v] = true;
              drawCrew();
            },
          }),
        ),
        h(
          'fieldset',
          { class: 'group', 'data-test': 'crew' },
          h('legend', {}, t('f.crew')),
          people.map((p) => field(m, ['crew', p.key], { label: personLabel(p.key), type: 'checkbox', test: 'crew-member' })),
        ),
      );
    };
    drawCrew();
    return [
      row(
        escortUnits.length
          ? field(m, ['escort_unit'], {
              label: t('f.escort_unit'),
              type: 'select',
              required: true,
              options: [['', t('f.choose')]].concat(escortUnits.map((u) => [u, u])),
              onchange: () => {
                m.officer_in_charge = '';
                m.crew = {};
                drawCrew();
              },
            })
          : field(m, ['escort_unit'], { label: t('f.escort_unit'), required: true, upper: true, mono: true, onchange: drawCrew }),
        field(m, ['vehicle'], { label: t('f.vehicle'), required: true, upper: true }),
      ),
      crewBox,
    ];
  }

  function crewBody(m) {
    if (!m.officer_in_charge) throw clientError(t('err.officer_in_charge'));
    const crew = [m.officer_in_charge].concat(Object.keys(m.crew).filter((k) => m.crew[k] && k !== m.officer_in_charge));
    return { escort_unit: trim(m.escort_unit), vehicle: trim(m.vehicle), officer_in_charge: m.officer_in_charge, crew };
  }

  // Seals with their state, as found (a refusal).
  function sealsSeenFields(m) {
    return h(
      'fieldset',
      { class: 'group' },
      h('legend', {}, t('f.seals_seen')),
      repeat(m, ['seals'], {
        title: t('f.seal'),
        test: 'count-seals',
        min: 0,
        addLabel: t('btn.add_seal'),
        blank: () => ({ seal: '', state: '' }),
        row: (p) =>
          row(
            field(m, [...p, 'seal'], { label: t('f.seal_number'), required: true, upper: true, mono: true, test: 'count-seal' }),
            field(m, [...p, 'state'], { label: t('f.seal_state_seen'), type: 'select', required: true, test: 'count-seal-state', options: enumOptions('seal_state', SEAL_STATES, true) }),
          ),
      }),
    );
  }

  function activeSeals(detail) {
    return sealOptions(detail, true).map((n) => ({ seal: n, state: '' }));
  }

  function postOf(unit) {
    const p = defaultPlace();
    if (unit) {
      p.type = 'post';
      p.unit = unit;
    }
    return p;
  }

  // The blank inputs of a correction, by the kind of the act corrected.
  function blankCorrection() {
    return {
      seal: '', seal_kind: '', fixed_on: '', vehicle: '', happened_at: '', description: '', seals: '',
      declaration: '', packages: '', carrier: { name: '', country: '', registration: '' },
    };
  }

  const ACT_FORMS = {
    seal_applied: {
      init: () => ({ place: defaultPlace(), seal: '', seal_kind: 'mechanical', fixed_on: '' }),
      fields: (m) => [
        placeBlock(m, ['place']),
        row(
          field(m, ['seal'], { label: t('f.seal'), required: true, upper: true, mono: true }),
          field(m, ['seal_kind'], { label: t('f.seal_kind'), type: 'select', options: enumOptions('seal_kind', SEAL_KINDS) }),
        ),
        field(m, ['fixed_on'], { label: t('f.fixed_on'), required: true, hint: t('hint.fixed_on'), wide: true }),
      ],
      body: (m) => ({ place: placeBody(m.place), seal: trim(m.seal), seal_kind: m.seal_kind, fixed_on: trim(m.fixed_on) }),
    },
    seal_checked: {
      init: (ctx) => ({ place: defaultPlace(), seal: sealOptions(ctx.detail, true)[0] || '', state: '', note: '' }),
      fields: (m, ctx) => [
        placeBlock(m, ['place']),
        row(
          sealNumberField(m, ['seal'], t('f.seal'), sealOptions(ctx.detail, false)),
          field(m, ['state'], { label: t('f.seal_state_seen'), type: 'select', required: true, options: enumOptions('seal_state', SEAL_STATES, true) }),
        ),
        field(m, ['note'], { label: t('f.note'), type: 'textarea', hint: t('hint.optional') }),
      ],
      body: (m) => {
        const b = { place: placeBody(m.place), seal: trim(m.seal), state: m.state };
        if (trim(m.note)) b.note = trim(m.note);
        return b;
      },
    },
    seal_removed: {
      init: (ctx) => ({ place: defaultPlace(), seal: sealOptions(ctx.detail, true)[0] || '', state: '', basis: '', reference: '', permission: '' }),
      fields: (m, ctx) => [
        placeBlock(m, ['place']),
        row(
          sealNumberField(m, ['seal'], t('f.seal'), sealOptions(ctx.detail, true)),
          field(m, ['state'], { label: t('f.seal_state_removed'), type: 'select', required: true, options: enumOptions('seal_state', SEAL_STATES, true) }),
        ),
        h('fieldset', { class: 'group' }, h('legend', {}, t('f.grounds')), groundsFields(m, ctx)),
      ],
      body: (m) => ({ place: placeBody(m.place), seal: trim(m.seal), state: m.state, grounds: groundsBody(m) }),
    },
    seal_replaced: {
      init: (ctx) => ({
        place: defaultPlace(),
        old_seal: sealOptions(ctx.detail, true)[0] || '',
        old_state: '',
        new_seal: '',
        new_seal_kind: 'mechanical',
        fixed_on: '',
        basis: '',
        reference: '',
        permission: '',
      }),
      fields: (m, ctx) => [
        placeBlock(m, ['place']),
        row(
          sealNumberField(m, ['old_seal'], t('f.old_seal'), sealOptions(ctx.detail, true)),
          field(m, ['old_state'], { label: t('f.old_state'), type: 'select', required: true, options: enumOptions('seal_state', SEAL_STATES, true) }),
        ),
        row(
          field(m, ['new_seal'], { label: t('f.new_seal'), required: true, upper: true, mono: true }),
          field(m, ['new_seal_kind'], { label: t('f.seal_kind'), type: 'select', options: enumOptions('seal_kind', SEAL_KINDS) }),
        ),
        field(m, ['fixed_on'], { label: t('f.fixed_on'), required: true, hint: t('hint.fixed_on'), wide: true }),
        h('fieldset', { class: 'group' }, h('legend', {}, t('f.grounds')), groundsFields(m, ctx)),
      ],
      body: (m) => ({
        place: placeBody(m.place),
        old_seal: trim(m.old_seal),
        old_state: m.old_state,
        new_seal: trim(m.new_seal),
        new_seal_kind: m.new_seal_kind,
        fixed_on: trim(m.fixed_on),
        grounds: groundsBody(m),
      }),
    },
    escort_assigned: {
      init: () => ({ place: defaultPlace(), escort_unit: '', vehicle: '', officer_in_charge: '', crew: {} }),
      fields: (m) => [placeBlock(m, ['place']), crewFields(m)],
      body: (m) => Object.assign({ place: placeBody(m.place) }, crewBody(m)),
    },
    incident_reported: {
      init: () => ({ place: defaultPlace(), incident: '', happened_at: '', description: '', seals: {}, other_seals: '', attachments: [] }),
      fields: (m, ctx) => {
        const known = sealOptions(ctx.detail, false);
        const attachBox = h('div', {});
        const drawAttach = () => {
          clear(attachBox);
          if (m.attachments.length) {
            attachBox.append(
              h('ul', { class: 'plain' }, m.attachments.map((a, i) =>
                h('li', { class: 'mono' }, `${a.name}: ${a.digest.slice(0, 16)}… `, h('button', { type: 'button', class: 'btn small danger', onclick: () => { m.attachments.splice(i, 1); drawAttach(); } }, t('btn.remove'))),
              )),
            );
          }
        };
        drawAttach();
        const picker = h('input', { type: 'file', multiple: true, 'data-test': 'attachments', accept: 'image/*,application/pdf' });
        picker.addEventListener('change', async () => {
          if (!(window.crypto && crypto.subtle)) {
            attachBox.append(errorBox(t('incident.no_digest')));
            return;
          }
          for (const file of picker.files) {
            const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
            const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
            if (!m.attachments.some((a) => a.digest === hex)) m.attachments.push({ name: file.name, digest: hex });
          }
          picker.value = '';
          drawAttach();
        });
        return [
          placeBlock(m, ['place']),
          row(
            field(m, ['incident'], { label: t('f.incident'), type: 'select', required: true, options: enumOptions('incident', INCIDENTS, true) }),
            field(m, ['happened_at'], { label: t('f.happened_at'), type: 'datetime', hint: t('hint.happened_at') }),
          ),
          field(m, ['description'], { label: t('f.description'), type: 'textarea', required: true, rows: 4, hint: t('hint.incident') }),
          h(
            'fieldset',
            { class: 'group' },
            h('legend', {}, t('f.seals_concerned')),
            known.length ? known.map((n) => field(m, ['seals', n], { label: n, type: 'checkbox', test: 'incident-seal' })) : null,
            field(m, ['other_seals'], { label: t('f.other_seals'), hint: t('hint.seal_list'), upper: true, mono: true }),
          ),
          h(
            'fieldset',
            { class: 'group' },
            h('legend', {}, t('f.attachments')),
            h('p', { class: 'hint' }, t('hint.attachments')),
            picker,
            attachBox,
          ),
        ];
      },
      body: (m) => {
        const seals = Object.keys(m.seals).filter((k) => m.seals[k]);
        for (const s of trim(m.other_seals).split(/[\s,;]+/).filter(Boolean)) if (!seals.includes(s)) seals.push(s);
        return Object.assign(trim(m.happened_at) ? { happened_at: toActTime(m.happened_at) } : {}, {
          place: placeBody(m.place),
          incident: m.incident,
          description: trim(m.description),
          seals,
          attachments: m.attachments.map((a) => a.digest),
        });
      },
    },
    position_reported: {
      init: () => ({ positions: [{ at: nowInput(), latitude: '', longitude: '' }] }),
      fields: (m) => [
        h('p', { class: 'hint' }, t('hint.positions')),
        repeat(m, ['positions'], {
          title: t('f.position'),
          test: 'positions',
          min: 1,
          addLabel: t('btn.add_position'),
          blank: () => ({ at: nowInput(), latitude: '', longitude: '' }),
          row: (p) =>
            row(
              field(m, [...p, 'at'], { label: t('f.time'), type: 'datetime', required: true }),
              decimalField(m, [...p, 'latitude'], t('f.latitude'), { required: true, hint: null }),
              decimalField(m, [...p, 'longitude'], t('f.longitude'), { required: true, hint: null }),
              geoButton((lat, lon) => {
                const pos = getPath(m, p);
                pos.latitude = lat;
                pos.longitude = lon;
                pos.at = nowInput();
                render();
              }),
            ),
        }),
      ],
      body: (m) => ({
        positions: m.positions.map((p) => ({ at: toActTime(p.at), coordinates: { latitude: trim(p.latitude), longitude: trim(p.longitude) } })),
      }),
      noPlace: true,
    },
    arrival_notified: {
      init: (ctx) => {
        const reg = ctx.detail && ctx.detail.registration;
        const place = defaultPlace();
        if (reg) {
          place.type = 'post';
          place.unit = reg.office_of_destination;
        }
        return { place, arrived_at: nowInput(), working_hours_began_at: '' };
      },
      fields: (m) => [
        placeBlock(m, ['place']),
        row(
          field(m, ['arrived_at'], { label: t('f.arrived_at'), type: 'datetime', required: true }),
          field(m, ['working_hours_began_at'], { label: t('f.working_hours_began_at'), type: 'datetime', hint: t('hint.working_hours') }),
        ),
      ],
      body: (m) => {
        const b = { place: placeBody(m.place), arrived_at: toActTime(m.arrived_at) };
        if (trim(m.working_hours_began_at)) b.working_hours_began_at = toActTime(m.working_hours_began_at);
        return b;
      },
    },
    consignment_delivered: {
      init: (ctx) => {
        const reg = ctx.detail && ctx.detail.registration;
        return {
          place: defaultPlace(),
          seals: [{ seal: '', state: '' }],
          packages: '',
          gross_mass: { value: '', unit: 'kg' },
          net_mass: { value: '', unit: 'ct' },
          short: false,
          shortage: { packages: '', net_mass: { value: '', unit: 'ct' }, description: '' },
          documents: ((reg && reg.documents) || []).map((d) => ({ number: d.number, kind: d.kind, present: false })),
        };
      },
      fields: (m) => [
        h('p', { class: 'intro' }, t('deliver.intro')),
        placeBlock(m, ['place']),
        countFields(m),
        row(
          decimalField(m, ['net_mass', 'value'], t('f.net_mass_weighed'), { test: 'net-mass', hint: t('hint.optional') }),
          field(m, ['net_mass', 'unit'], { label: t('f.unit_of'), type: 'select', options: enumOptions('unit', MASS_UNITS), test: 'net-mass-unit' }),
        ),
        h(
          'fieldset',
          { class: 'group' },
          h('legend', {}, t('f.shortage')),
          field(m, ['short'], { label: t('f.short'), type: 'checkbox', test: 'short' }),
          row(
            field(m, ['shortage', 'packages'], { label: t('f.short_packages'), type: 'number', min: '0', step: '1', inputmode: 'numeric', test: 'short-packages' }),
            decimalField(m, ['shortage', 'net_mass', 'value'], t('f.short_net_mass'), { test: 'short-net-mass', hint: null }),
            field(m, ['shortage', 'net_mass', 'unit'], { label: t('f.unit_of'), type: 'select', options: enumOptions('unit', MASS_UNITS) }),
          ),
          field(m, ['shortage', 'description'], { label: t('f.short_description'), type: 'textarea', rows: 2, test: 'short-description' }),
        ),
        m.documents.length
          ? h(
              'fieldset',
              { class: 'group', 'data-test': 'documents' },
              h('legend', {}, t('f.documents_checked')),
              m.documents.map((d, i) => field(m, ['documents', i, 'present'], { label: `${tEnum('document', d.kind)} ${d.number}`, type: 'checkbox', test: 'document-present' })),
            )
          : null,
      ],
      body: (m) => {
        const b = Object.assign({ place: placeBody(m.place) }, countBody(m));
        if (trim(m.net_mass.value)) b.net_mass = massBody(m.net_mass);
        if (m.short) {
          b.shortage = {
            packages: packagesValue(m.shortage.packages),
            net_mass: massBody(m.shortage.net_mass),
            description: trim(m.shortage.description),
          };
        }
        if (m.documents.length) b.documents = m.documents.map((d) => ({ number: d.number, present: !!d.present }));
        return b;
      },
    },
    permission_granted: {
      init: (ctx) => {
        const target = ctx.target && holdingActs(ctx.detail).find((x) => x.id === ctx.target);
        const type = !target ? '' : target.kind === 'incident_reported' ? 'transhipment' : 'correction';
        return {
          place: defaultPlace(),
          type,
          seals: {},
          act: target && type === 'correction' ? target.id : '',
          incident: target && type === 'transhipment' ? target.id : '',
          reason: '',
          valid_until: '',
        };
      },
      fields: (m, ctx) => {
        const box = h('div', {});
        const draw = () => {
          clear(box);
          if (m.type === 'seal_removal') {
            const known = sealOptions(ctx.detail, true);
            box.append(
              h('fieldset', { class: 'group', 'data-test': 'permit-seals' }, h('legend', {}, t('f.seals_concerned')),
                known.map((n) => field(m, ['seals', n], { label: n, type: 'checkbox', test: 'permit-seal' }))),
            );
          } else if (m.type === 'correction') {
            box.append(field(m, ['act'], { label: t('f.act_corrected'), type: 'select', required: true, test: 'permit-act', wide: true,
              options: [['', t('f.choose')]].concat(holdingActs(ctx.detail).filter((x) => CORRECTABLE.includes(x.kind)).map(actOption)) }));
          } else if (m.type === 'transhipment') {
            box.append(field(m, ['incident'], { label: t('f.incident_act'), type: 'select', test: 'permit-incident', wide: true,
              options: [['', t('f.none')]].concat(holdingActs(ctx.detail, 'incident_reported').map(actOption)) }));
          }
        };
        draw();
        return [
          placeBlock(m, ['place']),
          field(m, ['type'], { label: t('f.permits'), type: 'select', required: true, test: 'permit-type', options: enumOptions('permit', PERMITS, true), onchange: draw }),
          box,
          field(m, ['reason'], { label: t('f.reason'), type: 'textarea', required: true, rows: 2, test: 'reason' }),
          field(m, ['valid_until'], { label: t('f.valid_until'), type: 'datetime', hint: t('hint.valid_until') }),
        ];
      },
      body: (m) => {
        let permits;
        if (m.type === 'seal_removal') permits = { type: m.type, seals: Object.keys(m.seals).filter((k) => m.seals[k]) };
        else if (m.type === 'correction') permits = { type: m.type, act: m.act };
        else if (m.type === 'transhipment') permits = m.incident ? { type: m.type, incident: m.incident } : { type: m.type };
        else permits = { type: m.type };
        const b = { place: placeBody(m.place), permits, reason: trim(m.reason) };
        if (trim(m.valid_until)) b.valid_until = toActTime(m.valid_until);
        return b;
      },
    },
    act_corrected: {
      init: (ctx) => ({ corrects: ctx.target || '', changes: blankCorrection(), reason: '', permission: '' }),
      fields: (m, ctx) => {
        const box = h('div', {});
        const draw = () => {
          clear(box);
          const target = holdingActs(ctx.detail).find((x) => x.id === m.corrects);
          if (!target) return;
          const b = target.body;
          const c = ['changes'];
          const hint = (v) => `${t('hint.now')}: ${v === undefined || v === null || v === '' ? '—' : v}`;
          let inputs = [];
          if (target.kind === 'seal_applied') {
            inputs = [
              row(
                field(m, [...c, 'seal'], { label: t('f.seal'), upper: true, mono: true, hint: hint(b.seal), test: 'fix-seal' }),
                field(m, [...c, 'seal_kind'], { label: t('f.seal_kind'), type: 'select', options: [['', t('f.unchanged')]].concat(enumOptions('seal_kind', SEAL_KINDS)), hint: hint(tEnum('seal_kind', b.seal_kind)) }),
              ),
              field(m, [...c, 'fixed_on'], { label: t('f.fixed_on'), hint: hint(b.fixed_on), wide: true }),
            ];
          } else if (target.kind === 'escort_assigned') {
            inputs = [field(m, [...c, 'vehicle'], { label: t('f.vehicle'), upper: true, hint: hint(b.vehicle), test: 'fix-vehicle' })];
          } else if (target.kind === 'incident_reported') {
            inputs = [
              field(m, [...c, 'happened_at'], { label: t('f.happened_at'), type: 'datetime', hint: hint(forPeople(b.happened_at)) }),
              field(m, [...c, 'description'], { label: t('f.description'), type: 'textarea', hint: hint(b.description) }),
              field(m, [...c, 'seals'], { label: t('f.seals_concerned'), upper: true, mono: true, hint: hint((b.seals || []).join(', ')) }),
            ];
          } else if (target.kind === 'consignment_registered') {
            inputs = [
              row(
                field(m, [...c, 'declaration'], { label: t('f.declaration'), mono: true, hint: hint(b.declaration) }),
                field(m, [...c, 'packages'], { label: t('f.packages'), type: 'number', min: '1', step: '1', hint: hint(b.packages) }),
              ),
              h('fieldset', { class: 'group' }, h('legend', {}, t('f.carrier')),
                h('p', { class: 'hint' }, hint(traderText(b.carrier))),
                row(
                  field(m, [...c, 'carrier', 'name'], { label: t('f.trader_name'), wide: true }),
                  field(m, [...c, 'carrier', 'country'], { label: t('f.country'), upper: true, mono: true }),
                  field(m, [...c, 'carrier', 'registration'], { label: t('f.registration') }),
                )),
            ];
          }
          const permits = permitOptions(ctx.detail, 'correction', m.corrects);
          box.append(
            h('fieldset', { class: 'group', 'data-test': 'changes' }, h('legend', {}, t('f.changes')), h('p', { class: 'hint' }, t('hint.changes')), inputs),
            field(m, ['permission'], { label: t('f.permission'), type: 'select', test: 'correction-permission', wide: true, options: [['', t('f.none')]].concat(permits), hint: t('hint.correction_permit') }),
          );
        };
        draw();
        return [
          field(m, ['corrects'], { label: t('f.act_corrected'), type: 'select', required: true, test: 'corrects', wide: true,
            options: [['', t('f.choose')]].concat(holdingActs(ctx.detail).filter((x) => CORRECTABLE.includes(x.kind)).map(actOption)),
            onchange: () => { m.changes = blankCorrection(); m.permission = ''; draw(); } }),
          box,
          field(m, ['reason'], { label: t('f.reason'), type: 'textarea', required: true, rows: 2, test: 'reason' }),
        ];
      },
      body: (m, ctx) => {
        const target = holdingActs(ctx.detail).find((x) => x.id === m.corrects);
        if (!target) throw clientError(t('err.choose_act'));
        const c = m.changes;
        const changes = { kind: target.kind };
        const put = (name, value) => {
          if (value !== undefined && value !== null && value !== '') changes[name] = value;
        };
        if (target.kind === 'seal_applied') {
          put('seal', trim(c.seal));
          put('seal_kind', c.seal_kind);
          put('fixed_on', trim(c.fixed_on));
        } else if (target.kind === 'escort_assigned') {
          put('vehicle', trim(c.vehicle));
        } else if (target.kind === 'incident_reported') {
          if (trim(c.happened_at)) put('happened_at', toActTime(c.happened_at));
          put('description', trim(c.description));
          if (trim(c.seals)) put('seals', sealList(c.seals));
        } else if (target.kind === 'consignment_registered') {
          put('declaration', trim(c.declaration));
          if (trim(c.packages)) put('packages', packagesValue(c.packages));
          if (trim(c.carrier.name) || trim(c.carrier.country)) put('carrier', traderBody(c.carrier));
        }
        const b = { corrects: m.corrects, changes, reason: trim(m.reason) };
        if (m.permission) b.permission = m.permission;
        return b;
      },
      noPlace: true,
    },
    escort_changed: {
      init: (ctx) => {
        const esc = ctx.detail && ctx.detail.assessment && ctx.detail.assessment.state.escort;
        const crew = {};
        for (const k of (esc && esc.crew) || []) crew[k] = true;
        return {
          place: defaultPlace(),
          escort_unit: esc ? esc.unit : '',
          vehicle: esc ? esc.vehicle : '',
          officer_in_charge: esc ? esc.officer_in_charge : '',
          crew,
          reason: '',
        };
      },
      fields: (m) => [
        placeBlock(m, ['place']),
        crewFields(m),
        field(m, ['reason'], { label: t('f.reason'), type: 'textarea', required: true, rows: 2, test: 'reason' }),
      ],
      body: (m) => Object.assign({ place: placeBody(m.place) }, crewBody(m), { reason: trim(m.reason) }),
    },
    deadline_extended: {
      init: (ctx) => ({ incident: ctx.target || '', delivery_deadline: '', reason: '' }),
      fields: (m, ctx) => [
        field(m, ['incident'], { label: t('f.incident_act'), type: 'select', required: true, test: 'extend-incident', wide: true,
          options: [['', t('f.choose')]].concat(holdingActs(ctx.detail, 'incident_reported').map(actOption)) }),
        field(m, ['delivery_deadline'], { label: t('f.new_deadline'), type: 'datetime', required: true, test: 'new-deadline' }),
        field(m, ['reason'], { label: t('f.reason'), type: 'textarea', required: true, rows: 2, test: 'reason' }),
      ],
      body: (m) => ({ incident: m.incident, delivery_deadline: toActTime(m.delivery_deadline), reason: trim(m.reason) }),
      noPlace: true,
    },
    incident_followed_up: {
      init: (ctx) => ({ place: defaultPlace(), incident: ctx.target || '', action: '', note: '' }),
      fields: (m, ctx) => [
        placeBlock(m, ['place']),
        field(m, ['incident'], { label: t('f.incident_act'), type: 'select', required: true, test: 'follow-incident', wide: true,
          options: [['', t('f.choose')]].concat(holdingActs(ctx.detail, 'incident_reported').map(actOption)) }),
        field(m, ['action'], { label: t('f.follow_up_action'), type: 'select', required: true, test: 'follow-action', options: enumOptions('follow_up', FOLLOW_UPS, true) }),
        field(m, ['note'], { label: t('f.note'), type: 'textarea', required: true, rows: 3, test: 'note' }),
      ],
      body: (m) => ({ place: placeBody(m.place), incident: m.incident, action: m.action, note: trim(m.note) }),
    },
    department_notified: {
      init: () => ({ reference: '' }),
      fields: (m) => [field(m, ['reference'], { label: t('f.notice_reference'), required: true, test: 'reference' })],
      body: (m) => ({ reference: trim(m.reference) }),
      noPlace: true,
    },
    expertise_concluded: {
      init: () => ({ conclusion: '' }),
      fields: (m) => [field(m, ['conclusion'], { label: t('f.conclusion'), required: true, mono: true, test: 'conclusion' })],
      body: (m) => ({ conclusion: trim(m.conclusion) }),
      noPlace: true,
    },
    state_control_act_drawn: {
      init: () => ({ register_number: '', goods_conform: 'yes' }),
      fields: (m) => [
        row(
          field(m, ['register_number'], { label: t('f.register_number'), required: true, mono: true, test: 'register-number' }),
          field(m, ['goods_conform'], {
            label: t('f.goods_conform'),
            type: 'select',
            test: 'goods-conform',
            options: [['yes', t('c.goods_conform')], ['no', t('c.goods_do_not_conform')]],
          }),
        ),
      ],
      body: (m) => ({ register_number: trim(m.register_number), goods_conform: m.goods_conform === 'yes' }),
      noPlace: true,
    },
    certificates_issued: {
      init: () => ({ certificates: [{ kind: 'state_control', number: '', issued_by: 'KG', issued_at: '' }] }),
      fields: (m) => [
        repeat(m, ['certificates'], {
          title: t('f.certificate'),
          test: 'issued-certificates',
          min: 1,
          addLabel: t('btn.add_certificate'),
          blank: () => ({ kind: 'state_control', number: '', issued_by: 'KG', issued_at: '' }),
          row: (p) =>
            row(
              field(m, [...p, 'kind'], { label: t('f.certificate_kind'), type: 'select', options: enumOptions('certificate', ['state_control', 'kimberley_process']) }),
              field(m, [...p, 'number'], { label: t('f.certificate_number'), required: true, mono: true }),
              field(m, [...p, 'issued_by'], { label: t('f.issued_by'), required: true, upper: true, mono: true, pattern: '[A-Z]{2}' }),
              field(m, [...p, 'issued_at'], { label: t('f.issued_at'), type: 'date', required: true }),
            ),
        }),
      ],
      body: (m) => ({
        certificates: m.certificates.map((c) => ({
          kind: c.kind,
          number: trim(c.number),
          issued_by: trim(c.issued_by),
          issued_at: trim(c.issued_at) ? `${trim(c.issued_at)}T00:00:00Z` : '',
        })),
      }),
      noPlace: true,
    },
    kp_coupon_returned: {
      init: (ctx) => {
        const reg = ctx.detail && ctx.detail.registration;
        const kpc = ((reg && reg.certificates) || []).find((c) => c.kind === 'kimberley_process');
        return { certificate: kpc ? kpc.number : '', sent_to: (kpc && kpc.kp && kpc.kp.authority) || '' };
      },
      fields: (m) => [
        row(
          field(m, ['certificate'], { label: t('f.certificate_number'), required: true, mono: true, test: 'coupon-kpc' }),
          field(m, ['sent_to'], { label: t('f.sent_to'), required: true, test: 'sent-to' }),
        ),
      ],
      body: (m) => ({ certificate: trim(m.certificate), sent_to: trim(m.sent_to) }),
      noPlace: true,
    },
    kpc_returned: {
      init: (ctx) => {
        const reg = ctx.detail && ctx.detail.registration;
        const kpc = ((reg && reg.certificates) || []).find((c) => c.kind === 'kimberley_process');
        return { certificate: kpc ? kpc.number : '', found_damaged_at: nowInput(), damage: '' };
      },
      fields: (m) => [
        row(
          field(m, ['certificate'], { label: t('f.certificate_number'), required: true, mono: true, test: 'kpc-number' }),
          field(m, ['found_damaged_at'], { label: t('f.found_damaged_at'), type: 'datetime', required: true }),
        ),
        field(m, ['damage'], { label: t('f.damage'), type: 'textarea', rows: 2, required: true, hint: t('hint.damage') }),
      ],
      body: (m) => ({ certificate: trim(m.certificate), found_damaged_at: toActTime(m.found_damaged_at), damage: trim(m.damage) }),
      noPlace: true,
    },
    delivery_refused: {
      init: (ctx) => {
        const reg = ctx.detail && ctx.detail.registration;
        return { place: postOf(reg && reg.office_of_destination), reason: '', seals: activeSeals(ctx.detail) };
      },
      fields: (m) => [
        placeBlock(m, ['place']),
        field(m, ['reason'], { label: t('f.reason'), type: 'textarea', required: true, rows: 3, test: 'reason' }),
        sealsSeenFields(m),
      ],
      body: (m) => ({ place: placeBody(m.place), reason: trim(m.reason), seals: m.seals.map((x) => ({ seal: trim(x.seal), state: x.state })) }),
    },
    consignment_returned: {
      init: (ctx) => {
        const reg = ctx.detail && ctx.detail.registration;
        return { place: postOf(reg && reg.office_of_departure), seals: activeSeals(ctx.detail), packages: '', gross_mass: { value: '', unit: 'kg' }, permission: '' };
      },
      fields: (m, ctx) => [
        placeBlock(m, ['place']),
        countFields(m),
        field(m, ['permission'], { label: t('f.return_permit'), type: 'select', test: 'return-permission', wide: true, options: [['', t('f.none')]].concat(permitOptions(ctx.detail, 'return')), hint: t('hint.return_permit') }),
      ],
      body: (m) => {
        const b = Object.assign({ place: placeBody(m.place) }, countBody(m));
        if (m.permission) b.permission = m.permission;
        return b;
      },
    },
    consignment_registered: {
      init: () => {
        const unit = (state.status && state.status.unit) || '';
        return {
          consignment: '',
          declaration: '',
          direction: 'import',
          consignor: { name: '', country: '', registration: '' },
          consignee: { name: '', country: '', registration: '' },
          goods: [blankGoods()],
          packages: '1',
          certificates: [],
          carrier: { name: '', country: '', registration: '' },
          documents: [],
          office_of_departure: unit,
          office_of_destination: '',
          route: '',
          delivery_deadline: '',
        };
      },
      fields: (m) => [
        row(
          field(m, ['consignment'], { label: t('f.consignment_id'), required: true, upper: true, mono: true, hint: t('hint.consignment_id') }),
          field(m, ['declaration'], { label: t('f.declaration'), required: true, mono: true }),
          field(m, ['direction'], { label: t('f.direction'), type: 'select', options: enumOptions('direction', ['import', 'export', 'transit']) }),
        ),
        traderFields(m, 'consignor', t('f.consignor')),
        traderFields(m, 'consignee', t('f.consignee')),
        h(
          'fieldset',
          { class: 'group' },
          h('legend', {}, t('f.carrier')),
          h('p', { class: 'hint' }, t('hint.optional')),
          row(
            field(m, ['carrier', 'name'], { label: t('f.trader_name'), wide: true, test: 'carrier-name' }),
            field(m, ['carrier', 'country'], { label: t('f.country'), upper: true, mono: true, pattern: '[A-Z]{2}', hint: t('hint.country'), test: 'carrier-country' }),
            field(m, ['carrier', 'registration'], { label: t('f.registration'), hint: t('hint.optional') }),
          ),
        ),
        h(
          'fieldset',
          { class: 'group' },
          h('legend', {}, t('f.documents')),
          repeat(m, ['documents'], {
            title: t('f.document'),
            test: 'documents',
            min: 0,
            addLabel: t('btn.add_document'),
            blank: () => ({ kind: 'invoice', number: '' }),
            row: (p) =>
              row(
                field(m, [...p, 'kind'], { label: t('f.document_kind'), type: 'select', options: enumOptions('document', DOCUMENT_KINDS) }),
                field(m, [...p, 'number'], { label: t('f.document_number'), required: true, mono: true }),
              ),
          }),
        ),
        h(
          'fieldset',
          { class: 'group' },
          h('legend', {}, t('f.goods')),
          repeat(m, ['goods'], {
            title: t('f.goods_line'),
            test: 'goods',
            min: 1,
            addLabel: t('btn.add_goods'),
            blank: blankGoods,
            row: (p) => [
              h('p', { class: 'hint' }, t('hint.decimal')),
              row(
                field(m, [...p, 'hs_code'], { label: t('f.hs_code'), required: true, inputmode: 'numeric', mono: true, pattern: '[0-9]{6,10}', hint: t('hint.hs_code') }),
                field(m, [...p, 'description'], { label: t('f.description'), required: true, wide: true }),
              ),
              row(
                decimalField(m, [...p, 'quantity', 'value'], t('f.quantity'), { required: true, hint: null }),
                field(m, [...p, 'quantity', 'unit'], { label: t('f.unit_of'), type: 'select', options: enumOptions('unit', QUANTITY_UNITS) }),
                decimalField(m, [...p, 'net_mass', 'value'], t('f.net_mass'), { required: true, hint: null }),
                field(m, [...p, 'net_mass', 'unit'], { label: t('f.unit_of'), type: 'select', options: enumOptions('unit', MASS_UNITS) }),
              ),
              row(
                decimalField(m, [...p, 'gross_mass', 'value'], t('f.gross_mass'), { required: true, hint: null }),
                field(m, [...p, 'gross_mass', 'unit'], { label: t('f.unit_of'), type: 'select', options: enumOptions('unit', MASS_UNITS) }),
                decimalField(m, [...p, 'value', 'amount'], t('f.value'), { required: true, hint: null }),
                field(m, [...p, 'value', 'currency'], { label: t('f.currency'), required: true, upper: true, mono: true, pattern: '[A-Z]{3}', hint: t('hint.currency') }),
              ),
            ],
          }),
        ),
        field(m, ['packages'], { label: t('f.packages'), type: 'number', min: '1', step: '1', required: true, inputmode: 'numeric' }),
        h(
          'fieldset',
          { class: 'group' },
          h('legend', {}, t('f.certificates')),
          repeat(m, ['certificates'], {
            title: t('f.certificate'),
            test: 'certificates',
            min: 0,
            addLabel: t('btn.add_certificate'),
            blank: () => ({
              kind: 'kimberley_process',
              number: '',
              issued_by: '',
              issued_at: '',
              kp: { authority: '', expires_at: '', exporter: '', exporter_country: '', importer: '', importer_country: '', carats: '', value_usd: '', parcels: '', hs_codes: '' },
            }),
            row: (p) =>
              h(
                'div',
                {},
                row(
                  field(m, [...p, 'kind'], { label: t('f.certificate_kind'), type: 'select', options: enumOptions('certificate', ['kimberley_process', 'state_control']) }),
                  field(m, [...p, 'number'], { label: t('f.certificate_number'), required: true, mono: true }),
                  field(m, [...p, 'issued_by'], { label: t('f.issued_by'), required: true, upper: true, mono: true, pattern: '[A-Z]{2}', hint: t('hint.country') }),
                  field(m, [...p, 'issued_at'], { label: t('f.issued_at'), type: 'date', required: true }),
                ),
                // What a Kimberley Process certificate states (the KP minimum requirements);
                // not sent for a State Control Certificate.
                h('p', { class: 'hint' }, t('hint.kp')),
                row(
                  field(m, [...p, 'kp', 'authority'], { label: t('f.kp_authority') }),
                  field(m, [...p, 'kp', 'expires_at'], { label: t('f.kp_expires_at'), type: 'date' }),
                ),
                row(
                  field(m, [...p, 'kp', 'exporter'], { label: t('f.kp_exporter'), hint: t('hint.kp_exporter') }),
                  field(m, [...p, 'kp', 'exporter_country'], { label: t('f.kp_country'), upper: true, mono: true, pattern: '[A-Z]{2}' }),
                  field(m, [...p, 'kp', 'importer'], { label: t('f.kp_importer'), hint: t('hint.kp_importer') }),
                  field(m, [...p, 'kp', 'importer_country'], { label: t('f.kp_country'), upper: true, mono: true, pattern: '[A-Z]{2}' }),
                ),
                row(
                  field(m, [...p, 'kp', 'carats'], { label: t('f.kp_carats'), inputmode: 'decimal', mono: true }),
                  field(m, [...p, 'kp', 'value_usd'], { label: t('f.kp_value_usd'), inputmode: 'decimal', mono: true }),
                  field(m, [...p, 'kp', 'parcels'], { label: t('f.kp_parcels'), type: 'number', min: '1', step: '1', inputmode: 'numeric' }),
                  field(m, [...p, 'kp', 'hs_codes'], { label: t('f.kp_hs_codes'), mono: true, hint: t('hint.kp_hs_codes') }),
                ),
              ),
          }),
          h('p', { class: 'hint' }, t('hint.certificates')),
        ),
        row(
          field(m, ['office_of_departure'], { label: t('f.office_of_departure'), required: true, list: 'dl-units', upper: true, mono: true }),
          field(m, ['office_of_destination'], { label: t('f.office_of_destination'), required: true, list: 'dl-units', upper: true, mono: true }),
        ),
        field(m, ['route'], { label: t('f.route'), type: 'textarea', rows: 2, upper: true, mono: true, hint: t('hint.route') }),
        field(m, ['delivery_deadline'], { label: t('f.delivery_deadline'), type: 'datetime', required: true }),
      ],
      body: (m) => {
        const dep = trim(m.office_of_departure);
        const dest = trim(m.office_of_destination);
        let route = trim(m.route).split(/[\s,;→]+/).filter(Boolean);
        if (!route.length) route = [dep, dest];
        return {
          consignment: trim(m.consignment),
          declaration: trim(m.declaration),
          direction: m.direction,
          consignor: traderBody(m.consignor),
          consignee: traderBody(m.consignee),
          goods: m.goods.map((g) => ({
            hs_code: trim(g.hs_code),
            description: trim(g.description),
            quantity: { value: trim(g.quantity.value), unit: g.quantity.unit },
            net_mass: { value: trim(g.net_mass.value), unit: g.net_mass.unit },
            gross_mass: { value: trim(g.gross_mass.value), unit: g.gross_mass.unit },
            value: { amount: trim(g.value.amount), currency: trim(g.value.currency) },
          })),
          packages: packagesValue(m.packages),
          certificates: m.certificates.map((c) => ({
            kind: c.kind,
            number: trim(c.number),
            issued_by: trim(c.issued_by),
            issued_at: trim(c.issued_at) ? `${trim(c.issued_at)}T00:00:00Z` : '',
            ...(c.kind === 'kimberley_process' && c.kp && trim(c.kp.carats) ? { kp: kpBody(c.kp, m) } : {}),
          })),
          office_of_departure: dep,
          office_of_destination: dest,
          route,
          delivery_deadline: toActTime(m.delivery_deadline),
          ...(trim(m.carrier.name) || trim(m.carrier.country) ? { carrier: traderBody(m.carrier) } : {}),
          ...(m.documents.length ? { documents: m.documents.map((d) => ({ kind: d.kind, number: trim(d.number) })) } : {}),
        };
      },
      noPlace: true,
    },
  };

  function blankGoods() {
    return {
      hs_code: '',
      description: '',
      quantity: { value: '', unit: 'ct' },
      net_mass: { value: '', unit: 'ct' },
      gross_mass: { value: '', unit: 'kg' },
      value: { amount: '', currency: 'USD' },
    };
  }

  function traderFields(m, key, title) {
    return h(
      'fieldset',
      { class: 'group' },
      h('legend', {}, title),
      row(
        field(m, [key, 'name'], { label: t('f.trader_name'), required: true, wide: true }),
        field(m, [key, 'country'], { label: t('f.country'), required: true, upper: true, mono: true, pattern: '[A-Z]{2}', hint: t('hint.country') }),
        field(m, [key, 'registration'], { label: t('f.registration'), hint: t('hint.optional') }),
      ),
    );
  }

  function traderBody(tr) {
    const out = { name: trim(tr.name), country: trim(tr.country) };
    if (trim(tr.registration)) out.registration = trim(tr.registration);
    return out;
  }

  // A KP certificate's contents from its fields; an exporter or importer left blank is the
  // consignor or consignee, as on most certificates.
  function kpBody(kp, m) {
    const party = (name, country, fallback) =>
      trim(name) ? { name: trim(name), country: trim(country) } : traderBody(fallback);
    return {
      authority: trim(kp.authority),
      expires_at: trim(kp.expires_at) ? `${trim(kp.expires_at)}T00:00:00Z` : '',
      exporter: party(kp.exporter, kp.exporter_country, m.consignor),
      importer: party(kp.importer, kp.importer_country, m.consignee),
      carats: trim(kp.carats),
      value_usd: trim(kp.value_usd),
      parcels: packagesValue(kp.parcels),
      hs_codes: trim(kp.hs_codes).split(/[\s,;]+/).filter(Boolean).map((c) => c.replace(/[.\s]/g, '')),
    };
  }

  // Seals with their state, packages and gross mass, as counted by the officer.
  function countFields(m, opts) {
    const o = opts || {};
    return h(
      'div',
      { class: 'count-fields' },
      h(
        'fieldset',
        { class: 'group' },
        h('legend', {}, t('f.seals_seen')),
        repeat(m, ['seals'], {
          title: t('f.seal'),
          test: 'count-seals',
          min: 0,
          addLabel: t('btn.add_seal'),
          blank: () => ({ seal: '', state: '' }),
          row: (p) =>
            row(
              field(m, [...p, 'seal'], { label: t('f.seal_number'), required: true, upper: true, mono: true, test: 'count-seal' }),
              field(m, [...p, 'state'], { label: t('f.seal_state_seen'), type: 'select', required: true, test: 'count-seal-state', options: enumOptions('seal_state', SEAL_STATES, true) }),
            ),
        }),
        o.sealHint ? h('p', { class: 'hint' }, o.sealHint) : null,
      ),
      row(
        field(m, ['packages'], { label: t('f.packages_counted'), type: 'number', min: '0', step: '1', required: true, inputmode: 'numeric', test: 'count-packages' }),
        decimalField(m, ['gross_mass', 'value'], t('f.gross_mass_weighed'), { required: true, test: 'count-mass' }),
        field(m, ['gross_mass', 'unit'], { label: t('f.unit_of'), type: 'select', options: enumOptions('unit', MASS_UNITS), test: 'count-mass-unit' }),
      ),
    );
  }

  function countBody(m) {
    return {
      seals: m.seals.map((s) => ({ seal: trim(s.seal), state: s.state })),
      packages: packagesValue(m.packages),
      gross_mass: { value: trim(m.gross_mass.value), unit: m.gross_mass.unit },
    };
  }

  async function pageActForm(id, kind, routeKey, target) {
    const spec = ACT_FORMS[kind];
    if (!spec) return h('p', { class: 'empty' }, t('err.no_page'));
    const [officers, detail] = await Promise.all([
      loadOfficers(true),
      id ? api.get(`/api/consignments/${enc(id)}`) : Promise.resolve(null),
      loadRegistry(true),
    ]);
    const ctx = { id, detail, target };
    const model = draft(routeKey, () => Object.assign({ officer: '' }, spec.init(ctx)));
    const sign = signBlock(model, officers);
    const { form } = formShell({
      id: 'act-form',
      kind,
      title: t('do.' + kind),
      intro: t('intro.' + kind),
      submitLabel: t('btn.sign_record'),
      body: [unitsDatalist(), spec.fields(model, ctx), sign.node],
      onSubmit: async () => {
        const body = Object.assign({ kind }, id ? { consignment: id } : {}, spec.body(model, ctx), { officer: model.officer, pin: sign.pin.value });
        const answer = await api.post('/api/acts', body);
        drafts.delete(routeKey);
        sign.pin.value = '';
        flash = {
          text: answer.new === false
            ? t('done.already', { kind: tEnum('kind', answer.kind || kind), act: shortId(answer.act) })
            : t('done.recorded', { kind: tEnum('kind', answer.kind || kind), act: shortId(answer.act) }),
        };
        go('c', answer.consignment || id || body.consignment);
      },
      extraActions: [
        h('button', { type: 'button', class: 'btn secondary', 'data-test': 'clear-form', onclick: () => { drafts.delete(routeKey); render(); } }, t('btn.clear')),
        id ? link(['c', id], t('btn.cancel'), { class: 'btn secondary' }) : link([], t('btn.cancel'), { class: 'btn secondary' }),
      ],
    });
    return h(
      'div',
      { id: 'page-act', 'data-kind': kind },
      id ? h('p', { class: 'crumb' }, link(['c', id], '← ' + id, { class: 'mono' })) : null,
      form,
    );
  }

  // ---------------------------------------------------------------- handoff: the offer

  async function pageHandover(id, routeKey) {
    const [officers, detail] = await Promise.all([loadOfficers(true), api.get(`/api/consignments/${enc(id)}`), loadRegistry(true)]);
    const status = await loadStatus();
    const next = detail.next_handoff || {};
    const peers = Object.keys(status.peers || {});
    const model = draft(routeKey, () => ({
      officer: '',
      place: defaultPlace(),
      seals: (next.seals || []).map((s) => ({ seal: s.seal, state: s.state })),
      packages: next.packages === null || next.packages === undefined ? '' : String(next.packages),
      gross_mass: next.gross_mass ? { value: String(next.gross_mass.value), unit: next.gross_mass.unit } : { value: '', unit: 'kg' },
      confirmed: false,
      receiving_unit: '',
      receiving_officer: '',
      how: peers.length ? 'lan' : 'qr',
      send_to: peers.find((n) => !/central/i.test(n)) || peers[0] || '',
      tranship: false,
      transhipment: { permission: '', vehicle: '', new_seals: [] },
    }));
    const releasingUnit = () => {
      const o = (officers || []).find((x) => x.key === model.officer);
      return (o && o.enrollment && o.enrollment.unit) || next.releasing_unit || status.unit;
    };
    const receivingBox = h('div', {});
    const drawReceiving = () => {
      clear(receivingBox);
      const candidates = officersOfUnit(model.receiving_unit);
      receivingBox.append(
        row(
          field(model, ['receiving_unit'], {
            label: t('f.receiving_unit'),
            type: 'select',
            required: true,
            test: 'receiving-unit',
            options: [['', t('f.choose')]].concat(units().filter((u) => model.tranship || u !== releasingUnit()).map((u) => [u, u])),
            onchange: () => {
              model.receiving_officer = '';
              drawReceiving();
            },
          }),
          field(model, ['receiving_officer'], {
            label: t('f.receiving_officer'),
            type: 'select',
            required: true,
            test: 'receiving-officer',
            options: [['', model.receiving_unit ? t('f.choose') : t('f.choose_unit_first')]].concat(candidates.map((p) => [p.key, personLabel(p.key)])),
          }),
        ),
      );
    };
    drawReceiving();
    const transBox = h('div', {});
    const drawTrans = () => {
      clear(transBox);
      transBox.append(field(model, ['tranship'], { label: t('handover.tranship'), type: 'checkbox', test: 'tranship', onchange: () => { drawTrans(); drawReceiving(); } }));
      if (!model.tranship) return;
      transBox.append(
        field(model, ['transhipment', 'permission'], { label: t('f.tranship_permit'), type: 'select', required: true, test: 'tranship-permit', wide: true,
          options: [['', t('f.choose')]].concat(permitOptions(detail, 'transhipment')) }),
        field(model, ['transhipment', 'vehicle'], { label: t('f.new_vehicle'), required: true, upper: true, test: 'tranship-vehicle' }),
        h('fieldset', { class: 'group' }, h('legend', {}, t('f.new_seals')),
          repeat(model, ['transhipment', 'new_seals'], {
            title: t('f.seal'),
            test: 'new-seals',
            min: 0,
            addLabel: t('btn.add_seal'),
            blank: () => ({ seal: '', seal_kind: 'mechanical', fixed_on: '' }),
            row: (p) =>
              row(
                field(model, [...p, 'seal'], { label: t('f.seal_number'), required: true, upper: true, mono: true }),
                field(model, [...p, 'seal_kind'], { label: t('f.seal_kind'), type: 'select', options: enumOptions('seal_kind', SEAL_KINDS) }),
                field(model, [...p, 'fixed_on'], { label: t('f.fixed_on'), required: true }),
              ),
          })),
        h('p', { class: 'hint' }, t('hint.tranship')),
      );
    };
    drawTrans();
    const sendBox = h('div', {});
    const drawSend = () => {
      clear(sendBox);
      const choices = [['qr', t('send.qr')], ['file', t('send.file')]];
      if (peers.length) choices.unshift(['lan', t('send.lan')]);
      sendBox.append(
        h(
          'div',
          { class: 'radios', role: 'radiogroup', 'data-test': 'send-how' },
          choices.map(([v, label]) =>
            h('label', { class: 'radio' + (model.how === v ? ' on' : '') },
              h('input', {
                type: 'radio',
                name: 'how',
                value: v,
                'data-test': 'send-' + v,
                checked: model.how === v,
                onchange: () => {
                  model.how = v;
                  drawSend();
                },
              }),
              h('span', {}, label),
            ),
          ),
        ),
        model.how === 'lan'
          ? field(model, ['send_to'], { label: t('f.send_to'), type: 'select', required: true, test: 'send-to', options: peers.map((n) => [n, `${n} — ${(status.peers[n] || {}).url || ''}`]) })
          : h('p', { class: 'hint' }, model.how === 'qr' ? t('send.qr_hint') : t('send.file_hint')),
      );
    };
    drawSend();
    const sign = signBlock(model, officers, { title: t('sign.releasing'), officerLabel: t('sign.releasing_officer'), onOfficer: drawReceiving });
    const { form } = formShell({
      id: 'offer-form',
      kind: 'custody_transferred',
      title: t('handover.title'),
      intro: t('handover.intro'),
      submitLabel: t('btn.sign_offer'),
      body: [
        unitsDatalist(),
        kv([[t('f.releasing_unit'), next.releasing_unit || status.unit, { 'data-test': 'releasing-unit' }], [t('c.previous'), next.previous ? shortId(next.previous) : t('c.first_handoff')]]),
        h('fieldset', { class: 'group' }, h('legend', {}, t('handover.what')), countFields(model, { sealHint: t('handover.seal_hint') }),
          field(model, ['confirmed'], { label: t('handover.confirm'), type: 'checkbox', required: true, test: 'confirm-count' })),
        h('fieldset', { class: 'group' }, h('legend', {}, t('handover.transhipment')), transBox),
        h('fieldset', { class: 'group' }, h('legend', {}, t('handover.to')), receivingBox),
        placeBlock(model, ['place']),
        h('fieldset', { class: 'group' }, h('legend', {}, t('handover.how')), sendBox),
        sign.node,
      ],
      onSubmit: async () => {
        if (!model.confirmed) throw clientError(t('err.confirm'));
        const body = Object.assign(
          {
            kind: 'custody_transferred',
            consignment: id,
            place: placeBody(model.place),
            releasing: { unit: releasingUnit(), officer: model.officer },
            receiving: { unit: model.receiving_unit, officer: model.receiving_officer },
          },
          countBody(model),
          { pin: sign.pin.value },
        );
        if (model.tranship) {
          const tr = model.transhipment;
          body.transhipment = {
            permission: tr.permission,
            vehicle: trim(tr.vehicle),
            new_seals: tr.new_seals.map((x) => ({ seal: trim(x.seal), seal_kind: x.seal_kind, fixed_on: trim(x.fixed_on) })),
          };
        }
        if (model.how === 'lan' && model.send_to) body.send_to = model.send_to;
        const answer = await api.post('/api/offers', body);
        offerAnswers.set(answer.offer, Object.assign({ how: model.how, send_to: body.send_to }, answer));
        drafts.delete(routeKey);
        sign.pin.value = '';
        go('offers', answer.offer);
      },
      extraActions: [link(['c', id], t('btn.cancel'), { class: 'btn secondary' })],
    });
    return h('div', { id: 'page-handover' }, h('p', { class: 'crumb' }, link(['c', id], '← ' + id, { class: 'mono' })), form);
  }

  // ---------------------------------------------------------------- handoffs: list and import

  async function pageOffers(show) {
    const page = h('div', { id: 'page-offers' });
    const listBox = h('div', {});
    await loadRegistry(true).catch(() => null);
    const load = async () => {
      let offers;
      try {
        offers = await api.get('/api/offers');
      } catch (e) {
        clear(listBox).append(errorBox(e.message, 'page-error'));
        return;
      }
      const shown = offers
        .filter((o) => show === 'all' || o.direction === show)
        .sort((a, b) => String(b.at).localeCompare(String(a.at)));
      clear(listBox);
      if (!shown.length) {
        listBox.append(h('p', { class: 'empty', 'data-test': 'no-offers' }, t('offers.none')));
        return;
      }
      listBox.append(
        table(
          [t('col.consignment'), t('offers.from'), t('offers.to'), t('offers.when'), t('offers.state')],
          shown.map((o) =>
            h(
              'tr',
              { 'data-test': 'offer-row', 'data-offer': o.offer, 'data-direction': o.direction, 'data-state': o.state, 'data-consignment': o.consignment, class: 'state-' + o.state },
              td(t('col.consignment'), [link(['offers', o.offer], o.consignment, { 'data-test': 'open-offer', class: 'big-link' }), h('div', { class: 'sub' }, tEnum('direction_offer', o.direction), ' · ', tEnum('via', o.via))]),
              td(t('offers.from'), partyText(o.releasing)),
              td(t('offers.to'), partyText(o.receiving)),
              td(t('offers.when'), o.at_for_people || forPeople(o.at)),
              td(t('offers.state'), badge('offer-' + o.state, tEnum('offer_state', o.state), { 'data-test': 'offer-row-state' })),
            ),
          ),
        ),
      );
    };
    await load();
    pageRefresh = load;
    every(5000, load);
    const tabs = h(
      'div',
      { class: 'tabs', role: 'tablist' },
      ['incoming', 'outgoing', 'all'].map((k) =>
        h('a', { href: '#/offers?show=' + k, class: 'tab' + (k === show ? ' active' : ''), role: 'tab', 'aria-selected': String(k === show), 'data-test': 'tab-' + k }, t('offers.tab_' + k)),
      ),
    );
    page.append(
      h('div', { class: 'page-head' }, h('h1', {}, t('offers.title')), h('div', { class: 'actions' }, refreshButton(load))),
      tabs,
      listBox,
      importPanel('offer'),
      importPanel('acts'),
    );
    return page;
  }

  function partyText(p) {
    if (!p) return '—';
    return [h('strong', {}, p.unit), h('div', { class: 'sub' }, p.name || personLabel(p.officer))];
  }

  // Importing an offer ('offer') or signed acts ('acts') by file, pasted text or a photo of a QR.
  function importPanel(what, onImported) {
    const path = what === 'offer' ? '/api/offers/import' : '/api/acts/import';
    const model = draft('import-' + what, () => ({ text: '' }));
    const err = h('div', { class: 'error-box', role: 'alert', 'data-test': 'import-error', hidden: true });
    const ok = h('div', { class: 'flash ok', 'data-test': 'import-result', hidden: true });
    const done = (answer) => {
      if (what === 'offer') {
        drafts.delete('import-' + what);
        go('offers', answer.offer);
        return;
      }
      ok.textContent = t('import.acts_done', { n: answer && answer.new !== undefined ? answer.new : 0 });
      ok.hidden = false;
      if (onImported) onImported(answer);
    };
    const run = async (fn, button) => {
      err.hidden = true;
      ok.hidden = true;
      button.disabled = true;
      try {
        done(await fn());
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
      } finally {
        button.disabled = false;
      }
    };
    const file = h('input', { type: 'file', 'data-test': 'import-' + what + '-file', id: 'import-' + what + '-file' });
    const photo = h('input', { type: 'file', accept: 'image/*', capture: 'environment', 'data-test': 'import-' + what + '-photo', id: 'import-' + what + '-photo' });
    const fileBtn = h('button', { type: 'button', class: 'btn', 'data-test': 'import-' + what + '-file-go' }, t('import.upload_file'));
    fileBtn.addEventListener('click', () => {
      if (!file.files.length) {
        err.textContent = t('import.choose_file');
        err.hidden = false;
        return;
      }
      run(() => api.upload(path, file.files[0]), fileBtn);
    });
    const photoBtn = h('button', { type: 'button', class: 'btn', 'data-test': 'import-' + what + '-photo-go' }, t('import.upload_photo'));
    photoBtn.addEventListener('click', () => {
      if (!photo.files.length) {
        err.textContent = t('import.choose_photo');
        err.hidden = false;
        return;
      }
      run(() => api.upload(path, photo.files[0]), photoBtn);
    });
    // A photo taken on a tablet goes up as soon as it is taken.
    photo.addEventListener('change', () => {
      if (photo.files.length) run(() => api.upload(path, photo.files[0]), photoBtn);
    });
    const text = h('textarea', { rows: 4, class: 'mono', 'data-test': 'import-' + what + '-text', id: 'import-' + what + '-text', spellcheck: 'false', placeholder: t('import.paste_here') });
    text.value = model.text;
    text.addEventListener('input', () => {
      model.text = text.value;
    });
    const textBtn = h('button', { type: 'button', class: 'btn', 'data-test': 'import-' + what + '-text-go' }, t('import.from_text'));
    textBtn.addEventListener('click', () => {
      if (!text.value.trim()) {
        err.textContent = t('import.paste_first');
        err.hidden = false;
        return;
      }
      run(() => api.post(path, { text: text.value }), textBtn);
    });
    return section(
      what === 'offer' ? t('import.offer_title') : t('import.acts_title'),
      h('p', { class: 'hint' }, what === 'offer' ? t('import.offer_hint') : t('import.acts_hint')),
      h(
        'div',
        { class: 'import-grid' },
        h('div', { class: 'field' }, h('label', { for: photo.id }, t('import.photo')), photo, photoBtn),
        h('div', { class: 'field' }, h('label', { for: file.id }, t('import.file')), file, fileBtn),
        h('div', { class: 'field wide' }, h('label', { for: text.id }, t('import.text')), text, textBtn),
      ),
      err,
      ok,
    );
  }

  // ---------------------------------------------------------------- one handoff

  async function pageOffer(offerId) {
    const [offer] = await Promise.all([api.get(`/api/offers/${enc(offerId)}`), loadRegistry(true).catch(() => null)]);
    const page = h('div', { id: 'page-offer', 'data-offer': offerId, 'data-direction': offer.direction });
    const stateBox = h('div', {});
    const drawState = (o) => {
      clear(stateBox).append(offerHead(o));
    };
    drawState(offer);
    page.append(
      h('p', { class: 'crumb' }, link(['offers'], '← ' + t('offers.title')), ' · ', link(['c', offer.consignment], offer.consignment, { class: 'mono' })),
      h('h1', {}, offer.direction === 'incoming' ? t('offer.incoming_title') : t('offer.outgoing_title')),
      stateBox,
    );
    if (offer.direction === 'outgoing') {
      page.append(outgoingView(offer, offerId, drawState));
    } else {
      page.append(await incomingView(offer, offerId, drawState));
    }
    return page;
  }

  function offerHead(o) {
    const tr = o.transfer || {};
    return section(
      null,
      h(
        'div',
        { class: 'glance' },
        h('div', { class: 'glance-item' }, h('div', { class: 'glance-label' }, t('offers.state')), badge('offer-' + o.state, tEnum('offer_state', o.state), { 'data-test': 'offer-state', 'data-state': o.state })),
        h('div', { class: 'glance-item' }, h('div', { class: 'glance-label' }, t('offers.from')), partyText(o.releasing)),
        h('div', { class: 'glance-item' }, h('div', { class: 'glance-label' }, t('offers.to')), partyText(o.receiving)),
        h('div', { class: 'glance-item' }, h('div', { class: 'glance-label' }, t('offers.when')), h('div', {}, o.at_for_people || forPeople(o.at)), h('div', { class: 'sub' }, placeText(tr.place), ' · ', tEnum('via', o.via))),
      ),
      o.state === 'completed'
        ? h('div', { class: 'flash ok big', 'data-test': 'handoff-completed' }, t('offer.completed', { unit: (o.receiving || {}).unit || '' }), o.completed_act ? h('div', { class: 'sub mono' }, t('act.id'), ': ', o.completed_act) : null)
        : null,
      o.state === 'stale' ? errorBox(t('offer.stale'), 'offer-stale') : null,
    );
  }

  function offerWhat(tr) {
    return kv([
      [t('f.seals_seen'), sealsText(tr.seals)],
      [t('f.packages'), String(tr.packages)],
      [t('f.gross_mass'), massText(tr.gross_mass)],
    ]);
  }

  function qrAndFile(kind, id, filename) {
    const base = kind === 'offer' ? `/api/offers/${enc(id)}` : `/api/acts/${enc(id)}`;
    return h(
      'div',
      { class: 'qr-file' },
      h('figure', { class: 'qr' }, h('img', { src: `${base}/qr.svg`, alt: t('qr.alt'), 'data-test': kind + '-qr' }), h('figcaption', {}, kind === 'offer' ? t('qr.offer_caption') : t('qr.act_caption'))),
      h('a', { href: `${base}/file`, download: filename, class: 'btn big', 'data-test': kind + '-file' }, t('qr.download')),
    );
  }

  function outgoingView(offer, offerId, drawState) {
    const out = h('div', {});
    const answer = offerAnswers.get(offerId);
    if (answer) {
      if (answer.sent) out.append(h('div', { class: 'flash ok big', 'data-test': 'offer-sent', 'data-sent': 'true' }, t('offer.sent', { peer: answer.send_to || '' })));
      else if (answer.send_to) out.append(h('div', { 'data-test': 'offer-sent', 'data-sent': 'false' }, errorBox(t('offer.not_sent', { peer: answer.send_to }) + (answer.send_error ? ': ' + answer.send_error : ''), 'send-error')));
    }
    const body = h('div', {});
    const draw = (o) => {
      clear(body);
      body.append(section(t('offer.what_offered'), offerWhat(o.transfer || {})));
      if (o.state === 'open') {
        body.append(section(t('offer.give_to_receiver'), h('p', { class: 'hint' }, t('offer.give_hint')), qrAndFile('offer', offerId, `offer-${offerId.slice(0, 12)}.tamga`)));
        body.append(importPanel('acts', () => refresh()));
      }
    };
    draw(offer);
    const refresh = async () => {
      try {
        const o = await api.get(`/api/offers/${enc(offerId)}`);
        drawState(o);
        if (o.state !== offer.state) {
          offer = o;
          draw(o);
        }
      } catch (_) {
        /* the header says when the node is not answering */
      }
    };
    every(3000, refresh);
    pageRefresh = refresh;
    out.append(body);
    return out;
  }

  async function incomingView(offer, offerId, drawState) {
    const out = h('div', {});
    const tr = offer.transfer || {};
    if (offer.state === 'completed') {
      out.append(section(t('offer.what_agreed'), offerWhat(tr)));
      if (offer.completed_act) out.append(section(t('offer.give_back'), h('p', { class: 'hint' }, t('offer.give_back_hint')), qrAndFile('act', offer.completed_act, `handoff-${offer.completed_act.slice(0, 12)}.tamga`)));
      return out;
    }
    if (offer.state !== 'open') return out;

    const officers = await loadOfficers(true);
    const countKey = 'count:' + offerId;
    const model = draft(countKey, () => ({
      officer: (officers.find((o) => o.key === (tr.receiving || {}).officer) || {}).key || '',
      seals: [{ seal: '', state: '' }],
      packages: '',
      gross_mass: { value: '', unit: 'kg' },
    }));
    let reviewed = null; // the count the review was run with
    const reviewBox = h('div', { id: 'review', 'data-test': 'review-box' });
    const resultBox = h('div', {});
    const countErr = h('div', { class: 'error-box', role: 'alert', 'data-test': 'form-error', hidden: true });
    const reviewBtn = h('button', { type: 'submit', class: 'btn primary big', 'data-test': 'review' }, t('btn.review'));
    const countForm = h(
      'form',
      { id: 'count-form', class: 'form card' },
      h('h2', {}, t('count.title')),
      h('p', { class: 'intro' }, t('count.intro')),
      row(
        field(model, ['officer'], {
          label: t('sign.receiving_officer'),
          type: 'select',
          required: true,
          test: 'officer',
          options: [['', t('f.choose')]].concat(officers.map((x) => [x.key, officerLabel(x), !x.enrollment])),
        }),
      ),
      countFields(model),
      countErr,
      h('div', { class: 'form-actions' }, reviewBtn),
    );
    const invalidate = () => {
      if (reviewed) {
        reviewed = null;
        clear(reviewBox).append(h('p', { class: 'hint', 'data-test': 'review-invalidated' }, t('review.again')));
      }
    };
    countForm.addEventListener('input', invalidate);
    countForm.addEventListener('change', invalidate);
    countForm.addEventListener('click', (ev) => {
      if (ev.target && ev.target.matches && ev.target.matches('button[type=button]')) invalidate();
    });
    countForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      countErr.hidden = true;
      reviewBtn.disabled = true;
      clear(reviewBox);
      try {
        const count = Object.assign({ officer: model.officer }, countBody(model));
        const review = await api.post(`/api/offers/${enc(offerId)}/review`, count);
        reviewed = count;
        drawReview(review);
      } catch (e) {
        countErr.textContent = e.message;
        countErr.hidden = false;
        countErr.scrollIntoView({ behavior: 'smooth', block: 'center' });
      } finally {
        reviewBtn.disabled = false;
      }
    });

    const drawReview = (review) => {
      clear(reviewBox);
      const a = review.assessment || {};
      const fresh = review.new_discrepancies || [];
      const freshIds = new Set(fresh.map((d) => d.id));
      const open = (a.discrepancies || []).filter((d) => !d.resolution);
      const st = a.state || {};
      const pin = h('input', { type: 'password', id: 'f-cs-pin', 'data-test': 'pin', autocomplete: 'off', required: true });
      const err = h('div', { class: 'error-box', role: 'alert', 'data-test': 'form-error', hidden: true });
      const signBtn = h('button', { type: 'submit', class: 'btn primary big', 'data-test': 'countersign' }, t('btn.countersign'));
      const form = h(
        'form',
        { id: 'countersign-form', class: 'form card' },
        h('h2', {}, t('review.title')),
        fresh.length
          ? h('div', { class: 'error-box', 'data-test': 'new-discrepancies-warning' }, t('review.new_found', { n: fresh.length }))
          : h('div', { class: 'flash ok', 'data-test': 'no-new-discrepancies' }, t('review.no_new')),
        open.length
          ? h('ul', { class: 'discrepancies', 'data-test': 'review-discrepancies' }, open
              .slice()
              .sort((x, y) => Number(freshIds.has(y.id)) - Number(freshIds.has(x.id)))
              .map((d) => discrepancyItem(d, null, freshIds.has(d.id))))
          : h('p', { class: 'ok-text', 'data-test': 'no-discrepancies' }, t('review.none_at_all')),
        h('h3', {}, t('review.after')),
        kv([
          [t('col.status'), statusBadge(st.status, 'review-status')],
          [t('col.custodian'), st.custodian ? st.custodian.unit : '—', { 'data-test': 'review-custodian' }],
        ]),
        h('h3', {}, t('review.offer_says')),
        offerWhat(tr),
        h(
          'fieldset',
          { class: 'group sign' },
          h('legend', {}, t('sign.receiving')),
          h('p', { class: 'intro' }, t('review.sign_intro', { name: personLabel(model.officer) })),
          h('div', { class: 'field' }, h('label', { for: 'f-cs-pin' }, t('sign.pin'), h('span', { class: 'req' }, ' *')), pin),
        ),
        err,
        h('div', { class: 'form-actions' }, signBtn),
      );
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        err.hidden = true;
        if (!reviewed) {
          err.textContent = t('review.again');
          err.hidden = false;
          return;
        }
        signBtn.disabled = true;
        try {
          const answer = await api.post(`/api/offers/${enc(offerId)}/countersign`, Object.assign({}, reviewed, { pin: pin.value }));
          pin.value = '';
          drafts.delete(countKey);
          countForm.remove();
          clear(reviewBox);
          showCountersigned(answer);
          api.get(`/api/offers/${enc(offerId)}`).then(drawState).catch(() => null);
        } catch (e) {
          err.textContent = e.message;
          err.hidden = false;
          err.scrollIntoView({ behavior: 'smooth', block: 'center' });
        } finally {
          signBtn.disabled = false;
        }
      });
      reviewBox.append(form);
      form.scrollIntoView({ behavior: 'smooth', block: 'start' });
    };

    const showCountersigned = (answer) => {
      clear(resultBox).append(
        section(
          t('countersign.done_title'),
          h(
            'div',
            { 'data-test': 'countersign-result', 'data-act': answer.act, 'data-returned': String(!!answer.returned) },
            h('div', { class: 'flash ok big' }, t('countersign.done', { unit: (tr.receiving || {}).unit || '' })),
            answer.returned
              ? h('p', { class: 'ok-text', 'data-test': 'returned' }, t('countersign.returned'))
              : [h('p', { class: 'warn-text', 'data-test': 'not-returned' }, t('countersign.not_returned')), qrAndFile('act', answer.act, `handoff-${String(answer.act).slice(0, 12)}.tamga`)],
            h('p', {}, link(['c', offer.consignment], t('countersign.open_consignment'), { class: 'btn big', 'data-test': 'open-consignment' })),
          ),
        ),
      );
    };

    out.append(countForm, reviewBox, resultBox);
    return out;
  }

  // ---------------------------------------------------------------- sync and bundles

  async function pageSync() {
    const status = setStatus(await api.get('/api/status'));
    await loadRegistry(true).catch(() => null);
    const page = h('div', { id: 'page-sync' });

    const peersBox = h('div', {});
    const drawPeers = (s) => {
      const peers = Object.entries(s.peers || {});
      clear(peersBox).append(
        peers.length
          ? table(
              [t('sync.peer'), t('sync.last_success'), t('sync.last_error'), t('sync.pending'), t('sync.now')],
              peers.map(([name, p]) =>
                h(
                  'tr',
                  { 'data-test': 'peer-row', 'data-peer': name },
                  td(t('sync.peer'), [h('strong', {}, name), h('div', { class: 'sub mono' }, p.url || '')]),
                  td(t('sync.last_success'), p.last_success ? forPeople(p.last_success) : t('hdr.never')),
                  td(t('sync.last_error'), p.last_error ? h('span', { class: 'bad-text' }, p.last_error, p.failures ? ` (${t('sync.failures', { n: p.failures })})` : '') : '—'),
                  td(t('sync.pending'), p.pending_changes === undefined || p.pending_changes === null ? '—' : String(p.pending_changes)),
                  td(
                    t('sync.now'),
                    p.syncing
                      ? p.progress
                        ? t('hdr.sync_progress', { documents: p.progress.documents, round_trips: p.progress.round_trips })
                        : t('hdr.sync_starting')
                      : t('hdr.idle'),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, t('sync.no_peers')),
      );
    };
    drawPeers(status);
    const gpsBox = h('div', {});
    const drawGps = (s) => s.gps && clear(gpsBox).append(gpsDetails(s.gps));
    drawGps(status);
    every(3000, () => {
      if (!state.status) return;
      drawPeers(state.status);
      drawGps(state.status);
    });

    const syncJob = h('div', {});
    const syncErr = h('div', {});
    const syncBtn = h('button', { type: 'button', class: 'btn primary big', 'data-test': 'sync-now' }, t('sync.sync_now'));
    syncBtn.addEventListener('click', async () => {
      clear(syncErr);
      syncBtn.disabled = true;
      try {
        const answer = await api.post('/api/sync', {});
        clear(syncJob).append(jobWidget(answer.job, () => { syncBtn.disabled = false; pollStatus(); }));
      } catch (e) {
        syncErr.append(errorBox(e.message, 'sync-error'));
        syncBtn.disabled = false;
      }
    });

    // Export.
    const exportModel = draft('export', () => ({ for: '' }));
    const devices = (state.registry || []).filter((e) => e.role === 'device' && !e.revoked && e.key !== status.device_key);
    const exportErr = h('div', {});
    const exportOk = h('div', {});
    const exportBtn = h('button', { type: 'button', class: 'btn big', 'data-test': 'export' }, t('sync.export'));
    exportBtn.addEventListener('click', async () => {
      clear(exportErr);
      clear(exportOk);
      exportBtn.disabled = true;
      try {
        const res = await api.raw('POST', '/api/bundles/export', { for: exportModel.for || null });
        const blob = await res.blob();
        const cd = res.headers.get('Content-Disposition') || '';
        const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
        const name = m ? decodeURIComponent(m[1]) : `tamga-${status.unit}-${(status.now || '').replace(/[:]/g, '')}.bundle`;
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: name, class: 'btn secondary', 'data-test': 'bundle-download' }, t('sync.save_again', { name }));
        exportOk.append(h('div', { class: 'flash ok', 'data-test': 'export-result' }, t('sync.exported', { name, size: blob.size })), a);
        a.click();
      } catch (e) {
        exportErr.append(errorBox(e.message, 'export-error'));
      } finally {
        exportBtn.disabled = false;
      }
    });

    // Import.
    const bundleFile = h('input', { type: 'file', id: 'bundle-file', 'data-test': 'bundle-file', accept: '.bundle,.tamga,application/octet-stream' });
    const importJob = h('div', {});
    const importErr = h('div', {});
    const importBtn = h('button', { type: 'button', class: 'btn big', 'data-test': 'import-bundle' }, t('sync.import'));
    importBtn.addEventListener('click', async () => {
      clear(importErr);
      if (!bundleFile.files.length) {
        importErr.append(errorBox(t('import.choose_file'), 'import-bundle-error'));
        return;
      }
      importBtn.disabled = true;
      try {
        const answer = await api.upload('/api/bundles/import', bundleFile.files[0]);
        clear(importJob).append(jobWidget(answer.job, () => { importBtn.disabled = false; pollStatus(); }));
      } catch (e) {
        importErr.append(errorBox(e.message, 'import-bundle-error'));
        importBtn.disabled = false;
      }
    });

    append(page, [
      h('div', { class: 'page-head' }, h('h1', {}, t('sync.title'))),
      section(
        t('sync.peers'),
        h('p', { class: 'hint' }, t('sync.device', { unit: status.unit, key: shortId(status.device_key), fp: status.authority_fingerprint || '—' })),
        peersBox,
        h('div', { class: 'form-actions' }, syncBtn),
        syncErr,
        syncJob,
      ),
      status.gps ? section(t('gps.title'), h('p', { class: 'hint' }, t('gps.hint')), gpsBox) : null,
      section(
        t('sync.export_title'),
        h('p', { class: 'hint' }, t('sync.export_hint')),
        field(exportModel, ['for'], {
          label: t('sync.export_for'),
          type: 'select',
          test: 'export-for',
          options: [['', t('sync.choose_device')]].concat(devices.map((d) => [d.key, `${d.name} — ${d.unit} (${shortId(d.key)})`])),
        }),
        h('div', { class: 'form-actions' }, exportBtn),
        exportErr,
        exportOk,
      ),
      section(
        t('sync.import_title'),
        h('p', { class: 'hint' }, t('sync.import_hint')),
        h('div', { class: 'field' }, h('label', { for: 'bundle-file' }, t('import.file')), bundleFile),
        h('div', { class: 'form-actions' }, importBtn),
        importErr,
        importJob,
      ),
      importPanel('acts'),
    ]);
    return page;
  }

  // ---------------------------------------------------------------- start

  function start() {
    renderChrome();
    $('#lang').addEventListener('change', (ev) => {
      I18N.setLang(ev.target.value);
      renderChrome();
      renderHeader();
      render();
    });
    window.addEventListener('hashchange', render);
    pollStatus();
    setInterval(pollStatus, 3000);
    render();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
