// Human-readable bytes and rates in binary units, exactly as src/units.rs writes them
// (the tray, `hogwatch top` and this page must show the same figures).

const PREFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];

// toFixed rounds an exact tie up (1.125 → "1.13"); Rust's formatting rounds it to even
// ("1.12"). Byte counts over powers of 1024 hit exact ties, so do it Rust's way.
function fixed(v, digits) {
  const m = 10 ** digits;
  const s = v * m;
  const f = Math.floor(s);
  if (s - f === 0.5 && f % 2 === 0) return (f / m).toFixed(digits);
  return v.toFixed(digits);
}

function scaled(v, unit) {
  if (v < 1024) return `${fixed(v, 0)} ${unit}`;
  let i = 0;
  while (v >= 1024 && i + 1 < PREFIXES.length) {
    v /= 1024;
    i += 1;
  }
  // Three significant digits keep columns narrow: 1.23, 12.3, 123.
  const digits = v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${fixed(v, digits)} ${PREFIXES[i]}${unit}`;
}

const clean = (v) => (Number.isFinite(v) && v > 0 ? v : 0);

/** `512 B`, `1.50 KiB`, `12.3 MiB`. */
export const bytes = (n) => scaled(clean(n), 'B');

/** `0 B/s`, `1.20 MiB/s`. */
export const rate = (v) => scaled(clean(v), 'B/s');

/** "10-second", "5-minute", "1-hour", "1-day": the length of a history bucket. */
export function bucket(secs) {
  for (const [unit, len] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (secs >= len && secs % len === 0) return `${secs / len}-${unit}`;
  }
  return `${secs}-second`;
}

// Axis steps that are powers of two, so that tick labels are round in binary units
// ("512 KiB/s", "1.00 MiB/s", "1.50 MiB/s") rather than "977 KiB/s".
export const BINARY_STEPS = Array.from({ length: 51 }, (_, i) => 2 ** i);
