// The chart: down and up for one subject over a time window, drawn by uPlot (loaded by
// index.html as the global `uPlot`). Live data is bytes per second; history is bytes
// per bucket, drawn as steps because a bucket's bytes belong to its whole span. `null`
// values are periods hogwatch was not running: drawn as gaps, never as zero.
import { bytes, rate, BINARY_STEPS } from './format.js';

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export class Chart {
  /** `onZoom` is called when the user drag-selects a span (the caller pauses). */
  constructor(el, onZoom) {
    this.el = el;
    this.onZoom = onZoom;
    this.perBucket = false;
    this.window = null;
    this.data = [[], [], []];
    this.plot = null;
    this.make();
    // The canvas follows the card's width; colours follow the system theme.
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(el);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.make());
  }

  size() {
    return { width: Math.max(200, this.el.clientWidth), height: 260 };
  }

  make() {
    this.plot?.destroy();
    const fmt = (v) => (v == null ? '–' : this.perBucket ? bytes(v) : rate(v));
    const axis = {
      stroke: css('--muted'),
      grid: { stroke: css('--grid'), width: 1 },
      ticks: { stroke: css('--grid'), width: 1 },
    };
    const paths = this.perBucket ? uPlot.paths.stepped({ align: 1 }) : undefined;
    const series = (label, color, fill) => ({
      label,
      stroke: css(color),
      fill: css(fill),
      width: 1.5,
      paths,
      spanGaps: false,
      points: { show: false },
      value: (u, v) => fmt(v),
    });
    const opts = {
      ...this.size(),
      series: [
        {},
        series('Down', '--down', '--down-fill'),
        series('Up', '--up', '--up-fill'),
      ],
      axes: [
        axis,
        { ...axis, size: 84, incrs: BINARY_STEPS, values: (u, ticks) => ticks.map(fmt) },
      ],
      scales: {
        // The window is the chosen range, not just the data there is (a young history
        // or a page opened a minute ago fills only the right-hand end).
        x: { time: true, range: (u, min, max) => this.window ?? [min, max] },
        y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1024] },
      },
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      hooks: {
        setSelect: [(u) => u.select.width > 0 && this.onZoom()],
      },
    };
    this.plot = new uPlot(opts, this.data, this.el);
    this.newestInLegend();
  }

  /** Off the chart, the legend shows the newest values (over it, those under the cursor). */
  newestInLegend() {
    const c = this.plot.cursor;
    const n = this.data[0].length;
    if (n > 0 && !(c.left >= 0)) this.plot.setLegend({ idx: n - 1 }, false);
  }

  /** Draws `data` ([xs, down, up]) over `window` ([from, to], seconds). */
  set(data, window, perBucket) {
    this.data = data;
    this.window = window;
    if (perBucket !== this.perBucket) {
      this.perBucket = perBucket;
      this.make();
    } else {
      this.plot.setData(data);
      this.newestInLegend();
    }
    this.el.dataset.points = String(data[0].length);
    this.el.dataset.gaps = String(data[1].filter((v) => v == null).length);
  }
}
