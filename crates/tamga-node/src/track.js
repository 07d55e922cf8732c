// A consignment's road on a map, for both web UIs (served as /track.js; the view it draws is
// tamga_core::assessment::track::view, from GET /api/consignments/{id}/track). Inline SVG on an
// equirectangular projection fitted to the corridor, the posts and the positions: no tile server,
// nothing fetched, no inline style (the pages' CSP refuses it): colours and sizes are the UIs'
// CSS classes (track-*), geometry is attributes.
//
// TamgaTrack.panel(view, words) returns the map with the road's findings and the seal events
// under it, or a line saying there is no track. `words` is the UI's: t(key, params) its table
// (every key here is track.*, in every language of each UI's i18n.js), finding(f) a finding's
// words in the UI's language, when(ts) a time as people read it (the node's zone), severity(s)
// and kind(k) a severity's and a discrepancy kind's word or badge.
'use strict';

window.TamgaTrack = (function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 960;
  const HEIGHT = 560;
  const PAD = 48;
  // Metres per degree of latitude (the Earth's mean radius, as the rules measure).
  const METRES_PER_DEGREE = (6371008.8 * Math.PI) / 180;
  const ALERT_EVENTS = ['opened', 'tampered'];

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      node.setAttribute(k, String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function html(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else node.setAttribute(k, String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // Decimal strings as degrees.
  const point = (c) => (c ? { lat: parseFloat(c.latitude), lon: parseFloat(c.longitude) } : null);
  const usable = (p) => p && Number.isFinite(p.lat) && Number.isFinite(p.lon);

  // Whether the view has anything to draw: a corridor or a position.
  function hasTrack(view) {
    return !!(view && (view.corridor || (view.positions || []).length));
  }

  // The projection fitted to every point (and the corridor's half-width round it): x east and
  // y north in pixels, and metres per pixel.
  function projection(points, marginMetres) {
    let [south, north, west, east] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of points) {
      south = Math.min(south, p.lat);
      north = Math.max(north, p.lat);
      west = Math.min(west, p.lon);
      east = Math.max(east, p.lon);
    }
    const cos = Math.cos((((south + north) / 2) * Math.PI) / 180) || 1;
    const margin = marginMetres / METRES_PER_DEGREE;
    south -= margin;
    north += margin;
    west -= margin / cos;
    east += margin / cos;
    // A single point (or a line along one axis) still gets a frame: 500 m either way.
    const least = 500 / METRES_PER_DEGREE;
    if (north - south < least) [south, north] = [south - least / 2, north + least / 2];
    if ((east - west) * cos < least) [west, east] = [west - least / (2 * cos), east + least / (2 * cos)];
    const spanX = (east - west) * cos;
    const spanY = north - south;
    const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
    const offsetX = (WIDTH - spanX * scale) / 2;
    const offsetY = (HEIGHT - spanY * scale) / 2;
    return {
      x: (p) => offsetX + (p.lon - west) * cos * scale,
      y: (p) => offsetY + (north - p.lat) * scale,
      metresPerPixel: METRES_PER_DEGREE / scale,
    };
  }

  // The longest round length in km that fits in a quarter of the map.
  function scaleKm(metresPerPixel) {
    const most = ((WIDTH / 4) * metresPerPixel) / 1000;
    const steps = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
    let best = steps[0];
    for (const s of steps) if (s <= most) best = s;
    return best;
  }

  const coords = (proj, p) => `${proj.x(p).toFixed(1)},${proj.y(p).toFixed(1)}`;

  // The map itself.
  function map(view, words) {
    const t = words.t;
    const corridor = view.corridor;
    const line = corridor ? corridor.waypoints.map(point).filter(usable) : [];
    const posts = (view.posts || []).map((p) => ({ post: p, at: point(p.coordinates) })).filter((p) => usable(p.at));
    const positions = (view.positions || []).map((p, i) => ({ fix: p, i, at: point(p.coordinates) })).filter((p) => usable(p.at));
    const events = (view.seal_events || []).map((e) => ({ event: e, at: point(e.coordinates) })).filter((e) => usable(e.at));
    const all = [...line, ...posts.map((p) => p.at), ...positions.map((p) => p.at), ...events.map((e) => e.at)];
    if (!all.length) return null;
    const half = corridor ? corridor.width_metres / 2 : 0;
    const proj = projection(all, half);
    const flagged = new Set();
    for (const f of view.findings || []) for (const i of f.positions || []) flagged.add(i);

    const out = svg('svg', {
      class: 'track-map',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': t('track.map'),
      'data-test': 'track-map',
    });
    out.append(svg('rect', { class: 'track-ground', x: 0, y: 0, width: WIDTH, height: HEIGHT }));

    if (line.length) {
      const pointsText = line.map((p) => coords(proj, p)).join(' ');
      out.append(
        svg(
          'g',
          { class: 'track-corridor', 'data-test': 'track-corridor' },
          svg('polyline', {
            class: 'track-band',
            points: pointsText,
            'stroke-width': Math.max(1, corridor.width_metres / proj.metresPerPixel).toFixed(1),
            'data-test': 'track-band',
            'data-width-metres': corridor.width_metres,
          }, svg('title', {}, t('track.corridor', { km: (corridor.width_metres / 1000).toString() }))),
          svg('polyline', { class: 'track-line', points: pointsText }),
        ),
      );
    }

    if (positions.length > 1) {
      out.append(svg('polyline', { class: 'track-path', points: positions.map((p) => coords(proj, p.at)).join(' ') }));
    }
    const fixes = svg('g', { class: 'track-fixes' });
    for (const p of positions) {
      const alert = p.fix.outside || flagged.has(p.i);
      fixes.append(
        svg(
          'circle',
          {
            class: 'track-fix' + (alert ? ' alert' : ''),
            cx: proj.x(p.at).toFixed(1),
            cy: proj.y(p.at).toFixed(1),
            r: alert ? 4 : 3,
            'data-test': 'track-position',
            'data-index': p.i,
            'data-outside': String(!!p.fix.outside),
          },
          svg('title', {}, `${words.when(p.fix.at)} · ${p.fix.source === 'vehicle' ? t('track.vehicle') : p.fix.source}${p.fix.outside ? ' · ' + t('track.outside') : ''}`),
        ),
      );
    }
    out.append(fixes);

    for (const e of events) {
      const x = proj.x(e.at);
      const y = proj.y(e.at);
      const alert = ALERT_EVENTS.includes(e.event.kind);
      out.append(
        svg(
          'path',
          {
            class: `track-event track-event-${e.event.kind}` + (alert ? ' alert' : ''),
            d: `M${(x).toFixed(1)},${(y - 9).toFixed(1)} L${(x + 9).toFixed(1)},${y.toFixed(1)} L${x.toFixed(1)},${(y + 9).toFixed(1)} L${(x - 9).toFixed(1)},${y.toFixed(1)} Z`,
            'data-test': 'track-seal-event-marker',
            'data-kind': e.event.kind,
            'data-seal': e.event.seal,
          },
          svg('title', {}, `${eventWord(t, e.event.kind)} · ${e.event.seal} · ${words.when(e.event.at)}`),
        ),
      );
    }

    for (const p of posts) {
      const x = proj.x(p.at);
      const y = proj.y(p.at);
      out.append(
        svg(
          'g',
          { class: 'track-post', 'data-test': 'track-post', 'data-unit': p.post.unit },
          svg('rect', { x: (x - 6).toFixed(1), y: (y - 6).toFixed(1), width: 12, height: 12 }),
          svg('text', { x: (x + 10).toFixed(1), y: (y - 8).toFixed(1) }, p.post.unit),
          svg('title', {}, p.post.name || p.post.unit),
        ),
      );
    }

    const km = scaleKm(proj.metresPerPixel);
    const length = (km * 1000) / proj.metresPerPixel;
    const [sx, sy] = [PAD / 2, HEIGHT - PAD / 2];
    out.append(
      svg(
        'g',
        { class: 'track-scale', 'data-test': 'track-scale', 'data-km': km },
        svg('path', { d: `M${sx},${sy - 6} L${sx},${sy} L${(sx + length).toFixed(1)},${sy} L${(sx + length).toFixed(1)},${sy - 6}` }),
        svg('text', { x: sx, y: sy - 10 }, t('track.km', { km })),
      ),
    );
    return out;
  }

  // A seal event's kind in words.
  function eventWord(t, kind) {
    const words = {
      armed: t('track.event.armed'),
      opened: t('track.event.opened'),
      tampered: t('track.event.tampered'),
      battery_low: t('track.event.battery_low'),
      position: t('track.event.position'),
      disarmed: t('track.event.disarmed'),
    };
    return words[kind] || kind;
  }

  // The map's key.
  function legend(t, view) {
    const item = (cls, text) => html('li', {}, html('span', { class: 'track-key ' + cls }), text);
    return html(
      'ul',
      { class: 'track-legend' },
      view.corridor ? item('track-key-corridor', t('track.legend.corridor')) : null,
      item('track-key-post', t('track.legend.post')),
      item('track-key-fix', t('track.legend.position')),
      item('track-key-alert', t('track.legend.alert')),
      (view.seal_events || []).length ? item('track-key-event', t('track.legend.seal_event')) : null,
    );
  }

  // The map, the road's findings and the seal events; or a line saying there is no track.
  function panel(view, words) {
    const t = words.t;
    const box = html('div', { class: 'track', 'data-test': 'track' });
    if (!hasTrack(view)) {
      box.append(html('p', { class: 'track-none', 'data-test': 'track-none' }, t('track.none')));
      return box;
    }
    const drawn = map(view, words);
    if (drawn) box.append(html('div', { class: 'track-frame' }, drawn), legend(t, view));
    const positions = view.positions || [];
    box.append(
      html(
        'p',
        { class: 'track-summary', 'data-test': 'track-summary' },
        t('track.summary', { positions: view.total_positions, outside: positions.filter((p) => p.outside).length }),
        view.thinned ? ' ' + t('track.thinned', { shown: positions.length, total: view.total_positions }) : '',
        view.corridor ? '' : ' ' + t('track.no_corridor'),
      ),
    );
    const findings = view.findings || [];
    box.append(html('h3', {}, t('track.findings')));
    box.append(
      findings.length
        ? html(
            'ul',
            { class: 'track-findings' },
            findings.map((f) =>
              html(
                'li',
                { 'data-test': 'track-finding', 'data-kind': f.kind, 'data-severity': f.severity, 'data-id': f.id },
                words.severity(f.severity),
                ' ',
                html('strong', {}, words.kind(f.kind)),
                ': ',
                html('span', { class: 'track-finding-words' }, words.finding(f)),
              ),
            ),
          )
        : html('p', { class: 'track-clean', 'data-test': 'track-no-findings' }, t('track.no_findings')),
    );
    const events = view.seal_events || [];
    if (events.length) {
      box.append(html('h3', {}, t('track.seal_events')));
      box.append(
        html(
          'ul',
          { class: 'track-events' },
          events.map((e) =>
            html(
              'li',
              { 'data-test': 'track-seal-event', 'data-kind': e.kind, class: ALERT_EVENTS.includes(e.kind) ? 'alert' : '' },
              words.when(e.at),
              ' · ',
              html('span', { class: 'mono' }, e.seal),
              ' · ',
              eventWord(t, e.kind),
              e.coordinates ? ` · ${e.coordinates.latitude}, ${e.coordinates.longitude}` : '',
            ),
          ),
        ),
      );
    }
    return box;
  }

  return { panel, hasTrack };
})();
