// The dashboard: live figures from the WebSocket (one snapshot per refresh), history from
// /api/history, alerts from /api/alerts, each with the server's key (see `obtainKey`).
// Names come from whatever programs run: they are only ever set as text, never parsed as
// HTML.
import { bytes, rate, bucket } from './format.js';
import { Chart } from './chart.js';
import { Table, rows, sort, unattributed } from './table.js';

const $ = (id) => document.getElementById(id);

// Ranges drawn from the live stream (backfilled from history); the others from history.
const LIVE_SECS = { '5m': 300, '30m': 1800 };
const BACKFILL_BUCKET = 10; // s: the finest history tier
// The server reads the finest tier (10 s, 1 min, 1 h, 1 day) that fits this many points:
// 1h in 10-second buckets, 24h in minutes, 7d and 30d in hours.
const HISTORY_POINTS = 2000;
const HISTORY_REFRESH_MS = 15000;
const ALERTS_MS = 5000;

const state = {
  range: '5m',
  view: 'apps',
  device: '',
  sort: 'rate',
  reverse: false,
  focus: null, // {kind: 'app'|'process', key, name, app, appName}: what the chart is about
  paused: false,
  latest: null, // the newest snapshot
  shown: null, // the snapshot on screen (held while paused)
  live: [], // [t, down, up] per snapshot for the chart's subject, bytes/s
  backfill: [], // the same from history, before the first live point
  backfillUrl: '',
  history: null, // {data, window, bucket} for the long ranges
  generation: 0, // bumps when the subject or range changes: late answers are dropped
};

const chart = new Chart($('chart'), () => setPaused(true));
const table = new Table($('scroller'), (row) => {
  const same = state.focus?.kind === row.kind && state.focus?.key === row.key;
  // A second click on the focused row returns to the whole machine.
  state.focus = same ? null : { kind: row.kind, key: row.key, name: row.name, app: row.app, appName: row.appName };
  subjectChanged();
});

// ------------------------------------------------------------------ the chart's subject

/** Down and up rates of the chart's subject in one snapshot. */
function subjectRates(s) {
  const { focus, device } = state;
  if (!focus) {
    const u = device ? s.devices.find((d) => d.name === device) : s.total;
    return u ? [u.down_rate, u.up_rate] : [0, 0];
  }
  let down = 0;
  let up = 0;
  for (const p of s.processes) {
    if (focus.kind === 'app' ? p.app !== focus.key : p.id !== focus.key) continue;
    const u = device ? p.devices.find((d) => d.name === device) : p;
    if (u) {
      down += u.down_rate;
      up += u.up_rate;
    }
  }
  return [down, up];
}

function title() {
  const f = state.focus;
  let t = 'All traffic';
  if (f?.kind === 'app') t = f.name;
  // History is kept per app: a process's long ranges show its app.
  else if (f) t = LIVE_SECS[state.range] ? `${f.name} (process)` : `${f.appName} (history is per app)`;
  if (state.device) t += ` on ${state.device}`;
  return t;
}

/** /api/history for the subject; processes have no history of their own: their app's. */
function historyUrl(range, points) {
  const q = new URLSearchParams({ range, points: String(points) });
  if (state.focus) q.set('app', state.focus.app);
  if (state.device) q.set('device', state.device);
  return `api/history?${q}`;
}

async function fetchHistory(range, points) {
  const url = historyUrl(range, points);
  $('chart').dataset.request = url;
  const r = await api(url);
  if (r.status === 404) return null; // history is off (--no-history)
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).trim()}`);
  return { url, ...(await r.json()) };
}

function subjectChanged() {
  state.generation += 1;
  state.live = [];
  state.backfill = [];
  state.backfillUrl = '';
  state.history = null;
  if (state.latest) state.live.push(point(state.latest));
  $('chart-title').textContent = title();
  load();
  render();
}

/** Fetches what the current range needs from history. */
async function load() {
  const gen = state.generation;
  const range = state.range;
  try {
    if (LIVE_SECS[range]) {
      // A process has no history: its chart starts when it was clicked.
      if (state.focus?.kind === 'process') return;
      const h = await fetchHistory(range, LIVE_SECS[range] / BACKFILL_BUCKET);
      if (gen !== state.generation || !h) return;
      const b = h.series.bucket_secs;
      const first = state.live[0]?.[0] ?? Date.now() / 1000;
      // Bucket averages at their middle; the newest bucket is still filling: dropped.
      state.backfill = h.series.points
        .filter((p) => p.ts + b <= first)
        .map((p) => [p.ts + b / 2, per(p.down_bytes, b), per(p.up_bytes, b)]);
      state.backfillUrl = h.url;
    } else {
      const h = await fetchHistory(range, HISTORY_POINTS);
      if (gen !== state.generation || !h) return;
      const pts = h.series.points;
      state.history = {
        data: [pts.map((p) => p.ts), pts.map((p) => p.down_bytes), pts.map((p) => p.up_bytes)],
        window: [h.from, h.to],
        bucket: h.series.bucket_secs,
        url: h.url,
      };
    }
    showError('');
    if (!state.paused) drawChart();
  } catch (e) {
    if (gen === state.generation) showError(String(e.message ?? e));
  }
}

const per = (v, secs) => (v == null ? null : v / secs);

function point(s) {
  const [down, up] = subjectRates(s);
  return [s.ts / 1000, down, up];
}

// ------------------------------------------------------------------------- drawing

// The chart's data-* attributes say what is drawn (range, source, the history request
// it came from, points, gaps): for tests, and for anyone inspecting the page.
function drawChart() {
  const el = $('chart');
  if (LIVE_SECS[state.range]) {
    const pts = [...state.backfill, ...state.live];
    const end = state.live.at(-1)?.[0] ?? Date.now() / 1000;
    const from = end - LIVE_SECS[state.range];
    const shown = pts.filter((p) => p[0] >= from);
    $('chart-unit').textContent = 'bytes per second';
    chart.set([shown.map((p) => p[0]), shown.map((p) => p[1]), shown.map((p) => p[2])], [from, end], false);
    Object.assign(el.dataset, { range: state.range, source: 'live', drawn: state.backfillUrl });
  } else if (state.history) {
    $('chart-unit').textContent = `bytes per ${bucket(state.history.bucket)} bucket`;
    chart.set(state.history.data, state.history.window, true);
    Object.assign(el.dataset, { range: state.range, source: 'history', drawn: state.history.url });
  }
}

function drawTable() {
  const s = state.shown;
  if (!s) return;
  const t0 = performance.now();
  const list = sort(rows(s, state.view, state.device), state.sort, state.reverse);
  table.set(list, state.focus);
  const noun = state.view === 'apps' ? 'app' : 'process';
  const plural = list.length === 1 ? noun : state.view === 'apps' ? 'apps' : 'processes';
  $('count').textContent = `${list.length} ${plural}${state.device ? ` on ${state.device}` : ''}`;
  const u = unattributed(s, state.device);
  $('unattributed').hidden = !u;
  if (u) {
    $('un-rate-down').textContent = `↓ ${rate(u.down_rate)}`;
    $('un-rate-up').textContent = `↑ ${rate(u.up_rate)}`;
    const total = $('un-total');
    total.textContent = u.up_bytes == null ? '–' : bytes(u.up_bytes + u.down_bytes);
    total.title = u.up_bytes == null ? 'hogwatch counts unattributed bytes for all devices together' : '';
  }
  const el = $('table');
  el.dataset.ts = String(s.ts);
  // How long building and drawing the rows took (for the 10,000-row test).
  el.dataset.updateMs = (performance.now() - t0).toFixed(1);
}

function drawHeader() {
  const s = state.shown;
  if (!s) return;
  const u = state.device ? s.devices.find((d) => d.name === state.device) ?? s.total : s.total;
  $('total-down').textContent = `↓ ${rate(u.down_rate)}`;
  $('total-up').textContent = `↑ ${rate(u.up_rate)}`;
  $('total-bytes').textContent = `${bytes(u.down_bytes)} down · ${bytes(u.up_bytes)} up since start`;
  const labels = { 'per-process': 'per process', 'totals-only': 'totals only', replay: 'replay', starting: 'starting' };
  const mode = $('mode');
  mode.textContent = labels[s.mode] ?? s.mode;
  mode.dataset.mode = s.mode;
  const status = $('status');
  status.hidden = !s.status;
  status.textContent = s.status;
  syncDevices(s);
}

/** The device menu follows the devices hogwatch sees (a chosen one stays listed). */
function syncDevices(s) {
  const sel = $('device');
  const want = ['', ...s.devices.map((d) => d.name)];
  if (state.device && !want.includes(state.device)) want.push(state.device);
  const have = [...sel.options].map((o) => o.value);
  if (have.join('\n') === want.join('\n')) return;
  sel.replaceChildren(
    ...want.map((name) => {
      const o = document.createElement('option');
      o.value = name;
      o.textContent = name || 'All devices';
      return o;
    }),
  );
  sel.value = state.device;
}

function render() {
  drawHeader();
  drawTable();
  drawChart();
}

// ---------------------------------------------------------------------- live stream

/** The app asked for by `?app=` (a key or a name), once a snapshot knows it. */
function resolveFocus(s) {
  const f = state.focus;
  const p = s.processes.find((p) => p.app === f.key) ?? s.processes.find((p) => p.app_name === f.key);
  if (!p) return;
  const changed = p.app !== f.key;
  state.focus = { kind: 'app', key: p.app, name: p.app_name, app: p.app, appName: p.app_name };
  $('chart-title').textContent = title();
  if (changed) subjectChanged();
}

function onSnapshot(s) {
  state.latest = s;
  if (s.ts === 0) return; // the collector has not refreshed yet
  if (state.focus?.unresolved) resolveFocus(s);
  // (resolveFocus may have started the series with this snapshot already.)
  if (state.live.at(-1)?.[0] !== s.ts / 1000) state.live.push(point(s));
  // Keep what the longest live range shows, and a little more.
  const horizon = s.ts / 1000 - LIVE_SECS['30m'] - 60;
  while (state.live.length && state.live[0][0] < horizon) state.live.shift();
  if (state.paused) return;
  state.shown = s;
  render();
}

let retry = 1000;
function connect() {
  // Same origin (the server accepts the Origin); the key as a subprotocol, since a page
  // cannot give a WebSocket headers. The server answers `hogwatch`, never the key.
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`, ['hogwatch', `hogwatch.key.${key}`]);
  ws.onopen = () => {
    retry = 1000;
    $('offline').hidden = true;
  };
  ws.onmessage = (e) => onSnapshot(JSON.parse(e.data));
  ws.onclose = async () => {
    $('offline').hidden = false;
    $('mode').textContent = 'disconnected';
    $('mode').dataset.mode = 'disconnected';
    // A server that answers but refuses the key is another run (or another program):
    // retrying cannot help, and must not keep offering the key to it.
    try {
      if ((await api('api/alerts')).status === 401) {
        pageBroke(NO_KEY);
        return;
      }
    } catch {
      // Gone: try again below.
    }
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  };
}

// -------------------------------------------------------------------------- alerts

async function pollAlerts() {
  try {
    const r = await api('api/alerts');
    if (r.ok) {
      const { alerts } = await r.json();
      const list = $('alerts-list');
      list.replaceChildren(
        ...alerts.map((a) => {
          const li = document.createElement('li');
          li.textContent = a;
          return li;
        }),
      );
      $('alerts').hidden = alerts.length === 0;
    }
  } catch {
    // The WebSocket's banner already says when the server is gone.
  }
  setTimeout(pollAlerts, ALERTS_MS);
}

// The long ranges follow new history while playing.
setInterval(() => {
  if (!LIVE_SECS[state.range] && !state.paused) load();
}, HISTORY_REFRESH_MS);

// ---------------------------------------------------------------------------- controls

function setPaused(p) {
  state.paused = p;
  const b = $('pause');
  b.textContent = p ? '▶ Resume' : '❚❚ Pause';
  b.setAttribute('aria-pressed', String(p));
  document.body.classList.toggle('paused', p);
  if (!p) {
    state.shown = state.latest;
    render();
  }
}

$('pause').addEventListener('click', () => setPaused(!state.paused));

function pressed(group, attr, value) {
  for (const b of $(group).querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset[attr] === value));
}

$('ranges').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-range]');
  if (!b || b.dataset.range === state.range) return;
  state.range = b.dataset.range;
  pressed('ranges', 'range', state.range);
  subjectChanged();
});

$('views').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-view]');
  if (!b || b.dataset.view === state.view) return;
  state.view = b.dataset.view;
  pressed('views', 'view', state.view);
  drawTable();
});

$('device').addEventListener('change', (e) => {
  state.device = e.target.value;
  subjectChanged();
});

function showSort() {
  for (const th of document.querySelectorAll('th[data-sort]')) {
    const k = th.dataset.sort;
    const descending = (k === 'rate' || k === 'total') !== state.reverse;
    th.setAttribute('aria-sort', k === state.sort ? (descending ? 'descending' : 'ascending') : 'none');
  }
}

document.querySelector('thead').addEventListener('click', (e) => {
  const th = e.target.closest('th[data-sort]');
  if (!th) return;
  // A second click on the sorted column turns the order around.
  state.reverse = th.dataset.sort === state.sort ? !state.reverse : false;
  state.sort = th.dataset.sort;
  showSort();
  drawTable();
});

// ------------------------------------------------------------------------------ errors

// A failed request's message goes with the next success; a bug in the page stays shown.
let pageError = '';
function showError(msg) {
  const el = $('error');
  el.textContent = pageError || msg;
  el.hidden = !el.textContent;
}
function pageBroke(msg) {
  pageError ||= msg;
  showError('');
}

window.addEventListener('error', (e) => pageBroke(`page error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => pageBroke(`page error: ${e.reason}`));
document.addEventListener('securitypolicyviolation', (e) => pageBroke(`blocked by the page's policy: ${e.violatedDirective} ${e.blockedURI}`));

// -------------------------------------------------------------------------- the key

// The key to this server's data comes in the URL's fragment, which the browser never sends
// to any server: `#key=` (the URL `hogwatch server` prints, the tray's window), or
// `#code=`, a one-time code (a browser started by a command line, which other users can
// read) that the page trades for the key. The key then lives in this tab's
// sessionStorage, which belongs to this origin (scheme, host and port) alone, and leaves
// the page only as a header to this server. Never a cookie: a browser sends a cookie to
// every port of the host, whoever listens there.
const KEY_ITEM = 'hogwatch-key';
const NO_KEY = 'This page has no valid key for hogwatch (it restarted, or the link is old): open the dashboard again from the tray, or with the URL `hogwatch server` printed.';
let key = '';

/** `fetch` with the key. */
function api(url, init = {}) {
  return fetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${key}` } });
}

async function obtainKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  // Out of the address bar, history and bookmarks before anything else.
  if (location.hash || query.has('token') || query.has('app')) history.replaceState(null, '', location.pathname);
  let code = '';
  if (fragment.get('key')) key = fragment.get('key');
  else if (fragment.get('code')) code = fragment.get('code');
  // A `?token=` link from before keys is not used: a URL with the token would hand it to
  // whoever listens on that port now. It only leaves the address bar (above).
  if (code) {
    const r = await fetch('api/session', { method: 'POST', headers: { Authorization: `Code ${code}` }, cache: 'no-store' });
    if (r.ok) key = (await r.json()).key;
    else if (!sessionStorage.getItem(KEY_ITEM)) pageBroke((await r.text()).trim());
  }
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else key = sessionStorage.getItem(KEY_ITEM) || '';
  if (!key) pageBroke(NO_KEY);
}

// ------------------------------------------------------------------------------- start

// `?app=KEY` (the tray's "Show in dashboard") opens the page charting that app; its
// display name comes with the first snapshot that has it.
const opened = new URLSearchParams(location.search);
const wanted = opened.get('app');
if (wanted) {
  const name = wanted.split('/').pop() || wanted;
  state.focus = { kind: 'app', key: wanted, name, app: wanted, appName: name, unresolved: true };
}

showSort();
$('chart-title').textContent = title();
await obtainKey();
connect();
load();
pollAlerts();
