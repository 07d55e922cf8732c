// Local time in the node's zone, for both web UIs (served as /time.js; the Rust side of the same
// rule is tamga_node::local_time). Acts carry UTC; people see and type the node's local time
// with its offset. The zone is the node's (from its API), never the browser's: a post's PC may
// be set wrong.
'use strict';

window.TamgaTime = (function () {
  let zone = 'Asia/Bishkek';

  const pad = (n) => String(n).padStart(2, '0');

  // The wall clock in `zone` at instant `ms`: [year, month, day, hour, minute, second].
  function wall(ms) {
    const f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    const p = {};
    for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
    return [+p.year, +p.month, +p.day, +p.hour % 24, +p.minute, +p.second];
  }

  // The zone's offset from UTC at instant `ms`, in minutes east.
  function offsetMinutes(ms) {
    const s = Math.floor(ms / 1000) * 1000;
    const w = wall(s);
    return Math.round((Date.UTC(w[0], w[1] - 1, w[2], w[3], w[4], w[5]) - s) / 60000);
  }

  function offsetText(minutes) {
    const a = Math.abs(minutes);
    return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }

  const WITH_OFFSET = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)\s?(Z|z|[+-]\d\d:\d\d)$/;
  const LOCAL = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?$/;

  // An instant written with an offset or Z (RFC 3339, or as people read it), in ms; else null.
  function instant(value) {
    const m = WITH_OFFSET.exec(String(value).trim());
    if (!m) return null;
    const time = m[2].length === 5 ? m[2] + ':00' : m[2];
    const ms = Date.parse(`${m[1]}T${time}${m[3].toUpperCase()}`);
    return Number.isNaN(ms) ? null : ms;
  }

  // Local wall-clock text in the zone as an instant in ms; null if the clock skips it or passes
  // it twice (a daylight saving change) or it is not a time.
  function fromLocal(value) {
    const m = LOCAL.exec(String(value).trim());
    if (!m) return null;
    const n = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
    if (Number.isNaN(n)) return null;
    const day = 86400000;
    const found = new Set();
    for (const probe of [n - day, n, n + day]) {
      const c = n - offsetMinutes(probe) * 60000;
      const w = wall(c);
      if (Date.UTC(w[0], w[1] - 1, w[2], w[3], w[4], w[5]) === n) found.add(c);
    }
    return found.size === 1 ? [...found][0] : null;
  }

  function actTime(ms) {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  function localText(ms, sep) {
    const w = wall(ms);
    return `${w[0]}-${pad(w[1])}-${pad(w[2])}${sep}${pad(w[3])}:${pad(w[4])}:${pad(w[5])}`;
  }

  return {
    // The node's zone (IANA name) for all that follows; a name the browser does not know is
    // ignored.
    setZone(name) {
      if (!name) return;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: name });
        zone = name;
      } catch (_) { /* keep the last good zone */ }
    },
    zone: () => zone,
    // The zone and its offset now (or at `ms`), like "Asia/Bishkek, UTC+06:00".
    label(ms) {
      return `${zone}, UTC${offsetText(offsetMinutes(ms === undefined ? Date.now() : ms))}`;
    },
    // An instant (RFC 3339 with Z or an offset) as people read it here: "2026-11-23 14:30:00
    // +06:00". Anything else is shown as given; nothing is "—".
    forPeople(value) {
      if (value === null || value === undefined || value === '') return '—';
      const ms = instant(value);
      if (ms === null) return String(value);
      return `${localText(ms, ' ')} ${offsetText(offsetMinutes(ms))}`;
    },
    // What was typed as the act's UTC time: an offset or Z is honoured, else it is local time
    // here (a datetime-local input's "2026-11-23T14:30"). What cannot be read is left as typed,
    // for the node to refuse naming the field.
    toActTime(value) {
      const s = (value === null || value === undefined ? '' : String(value)).trim();
      if (!s) return '';
      const ms = instant(s);
      if (ms !== null) return actTime(ms);
      if (!/[T ]\d\d:\d\d/.test(s)) return s;
      const local = fromLocal(s);
      return local === null ? s : actTime(local);
    },
    // An instant as the value of a datetime-local input: local time here, to the second.
    toInputTime(value) {
      const ms = instant(value);
      return ms === null ? '' : localText(ms, 'T');
    },
    // A local date ("2026-11-23") at 00:00 here, as the act's UTC time; '' if not a date.
    dateStart(value) {
      const ms = fromLocal(String(value || '').trim());
      return ms === null ? '' : actTime(ms);
    },
  };
})();
