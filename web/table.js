// The table of apps or processes: rows built from a snapshot (grouped, filtered by
// device, sorted), and a renderer that puts only the rows in view into the DOM, so ten
// thousand processes cost no more to show than thirty.
import { bytes, rate } from './format.js';

const ROW_HEIGHT = 32; // px; must match `tbody td { height }` in style.css
const OVERSCAN = 8; // rows drawn above and below the visible ones, for smooth scrolling

/** One process's figures, or its figures on `device` (null: not on that device). */
function usage(p, device) {
  if (!device) return p;
  return p.devices.find((d) => d.name === device) ?? null;
}

const uniq = (xs) => [...new Set(xs)];

/** Table rows for a snapshot: one per process, or one per app (its processes added up). */
export function rows(snapshot, view, device) {
  const out = [];
  const apps = new Map();
  for (const p of snapshot.processes) {
    const u = usage(p, device);
    if (!u) continue;
    const devices = p.devices.map((d) => d.name);
    if (view === 'processes') {
      out.push({
        kind: 'process',
        key: p.id,
        app: p.app,
        appName: p.app_name || p.name,
        name: p.name,
        detail: p.cmdline || p.exe || p.name,
        pids: [p.pid],
        users: [p.user],
        devices,
        up_rate: u.up_rate,
        down_rate: u.down_rate,
        up_bytes: u.up_bytes,
        down_bytes: u.down_bytes,
      });
      continue;
    }
    let a = apps.get(p.app);
    if (!a) {
      a = {
        kind: 'app',
        key: p.app,
        app: p.app,
        appName: p.app_name || p.name,
        name: p.app_name || p.name,
        detail: p.app,
        pids: [],
        users: [],
        devices: [],
        up_rate: 0,
        down_rate: 0,
        up_bytes: 0,
        down_bytes: 0,
      };
      apps.set(p.app, a);
      out.push(a);
    }
    a.pids.push(p.pid);
    a.users.push(p.user);
    a.devices.push(...devices);
    a.up_rate += u.up_rate;
    a.down_rate += u.down_rate;
    a.up_bytes += u.up_bytes;
    a.down_bytes += u.down_bytes;
  }
  for (const r of out) {
    r.pids.sort((x, y) => x - y);
    r.users = uniq(r.users).sort();
    r.devices = uniq(r.devices).sort();
    r.rate = r.up_rate + r.down_rate;
    r.total = r.up_bytes + r.down_bytes;
  }
  return out;
}

/**
 * What no process accounts for: all of it (from the snapshot), or on one device. The
 * snapshot has no per-device unattributed figures; its rate is the device's rate less its
 * processes' (as hogwatch computes the total one), and its bytes are unknown (null): the
 * device's bytes less its live processes' would count exited processes as unattributed.
 */
export function unattributed(snapshot, device) {
  if (!device) return snapshot.unattributed;
  const dev = snapshot.devices.find((d) => d.name === device);
  if (!dev) return null;
  let { up_rate: up, down_rate: down } = dev;
  for (const p of snapshot.processes) {
    const d = usage(p, device);
    if (!d) continue;
    up -= d.up_rate;
    down -= d.down_rate;
  }
  return { up_rate: Math.max(0, up), down_rate: Math.max(0, down), up_bytes: null, down_bytes: null };
}

const byText = (k) => (a, b) => a[k].localeCompare(b[k]);
const ORDERS = {
  rate: (a, b) => b.rate - a.rate,
  total: (a, b) => b.total - a.total,
  name: byText('name'),
  pid: (a, b) => a.pids[0] - b.pids[0],
  user: (a, b) => (a.users[0] ?? '').localeCompare(b.users[0] ?? ''),
};

/** Sorts in place by `key` (rate and total largest first), `reverse` flips it. */
export function sort(list, key, reverse) {
  const order = ORDERS[key] ?? ORDERS.rate;
  // Ties by rate, then name: rows with equal keys keep still between refreshes.
  const sign = reverse ? -1 : 1;
  list.sort((a, b) => sign * order(a, b) || ORDERS.rate(a, b) || ORDERS.name(a, b));
  return list;
}

function pidText(r) {
  if (r.pids.length === 1) return String(r.pids[0]);
  return `${r.pids[0]} +${r.pids.length - 1}`;
}

function usersText(r) {
  return r.users.length > 2 ? `${r.users.slice(0, 2).join(', ')} +${r.users.length - 2}` : r.users.join(', ');
}

/** Sets text only when it changed: most cells stay the same between refreshes. */
function put(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export class Table {
  /** `onPick(row)` is called when a row is clicked (or Enter is pressed on it). */
  constructor(scroller, onPick) {
    this.scroller = scroller;
    const table = scroller.querySelector('table');
    this.thead = table.tHead;
    this.tbody = table.tBodies[0];
    this.list = [];
    this.focus = null;
    this.top = this.spacer();
    this.bottom = this.spacer();
    this.pool = [];
    this.pending = false;
    scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(scroller);
    const pick = (e) => {
      const tr = e.target.closest('tr[data-index]');
      const row = tr && this.list[Number(tr.dataset.index)];
      if (row) onPick(row);
    };
    this.tbody.addEventListener('click', pick);
    this.tbody.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        pick(e);
      }
    });
  }

  spacer() {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    const td = document.createElement('td');
    td.colSpan = 6;
    tr.append(td);
    return tr;
  }

  /** Shows `list`; `focus` ({kind, key}) is the row the chart is about, if any. */
  set(list, focus) {
    this.list = list;
    this.focus = focus;
    this.draw();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const n = this.list.length;
    const y = Math.max(0, this.scroller.scrollTop - this.thead.offsetHeight);
    const first = Math.max(0, Math.floor(y / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil(this.scroller.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(n, first + visible);
    while (this.pool.length < last - first) this.pool.push(this.makeRow());
    this.top.style.height = `${first * ROW_HEIGHT}px`;
    this.bottom.style.height = `${(n - last) * ROW_HEIGHT}px`;
    const trs = [this.top];
    for (let i = first; i < last; i++) {
      const tr = this.pool[i - first];
      this.fill(tr, this.list[i], i);
      trs.push(tr);
    }
    trs.push(this.bottom);
    // replaceChildren only when the set of rows changed; else the cells were updated in place.
    const kids = this.tbody.children;
    if (kids.length !== trs.length || trs.some((tr, i) => kids[i] !== tr)) this.tbody.replaceChildren(...trs);
  }

  makeRow() {
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    for (let i = 0; i < 6; i++) tr.append(document.createElement('td'));
    const [name, , , , rateCell, total] = tr.children;
    name.className = 'name';
    rateCell.className = 'num rate';
    total.className = 'num total';
    const down = document.createElement('span');
    down.className = 'down';
    const up = document.createElement('span');
    up.className = 'up';
    rateCell.append(down, up);
    tr.children[1].className = 'num pid';
    return tr;
  }

  fill(tr, r, i) {
    tr.dataset.index = String(i);
    tr.dataset.key = String(r.key);
    tr.dataset.kind = r.kind;
    const focused = this.focus?.kind === r.kind && this.focus?.key === r.key;
    tr.classList.toggle('focused', focused);
    tr.setAttribute('aria-selected', String(focused));
    const [name, pid, user, devices, rateCell, total] = tr.children;
    put(name, r.name);
    name.title = r.detail;
    put(pid, pidText(r));
    put(user, usersText(r));
    put(devices, r.devices.join(', '));
    put(rateCell.children[0], `↓ ${rate(r.down_rate)}`);
    put(rateCell.children[1], `↑ ${rate(r.up_rate)}`);
    put(total, bytes(r.total));
    total.title = `↓ ${bytes(r.down_bytes)}  ↑ ${bytes(r.up_bytes)}`;
  }
}
