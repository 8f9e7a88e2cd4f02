// The error page's 14-day chart: one bar per UTC hour, axes, and a marker per release; SVG built here (no chart library, CSP intact).
import { h, s } from './dom.js';

const W = 720;
const H = 180;
const LEFT = 44;
const RIGHT = 8;
const TOP = 18;
const BOTTOM = 24;
const HOUR_MS = 3_600_000;

/** `{hours, counts, releases}` from GET /api/errors/:id/trend -> a figure with the chart and a summary. */
export function trendChart({ hours, counts, releases }) {
  const n = hours.length;
  const max = niceMax(Math.max(0, ...counts));
  const total = counts.reduce((a, b) => a + b, 0);
  const start = Date.parse(hours[0]);
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const step = plotW / n;
  const x = (ms) => LEFT + ((ms - start) / HOUR_MS) * step;
  const y = (v) => TOP + plotH - (v / max) * plotH;

  // Counts are whole: a middle tick only where it is a whole number.
  const yTicks = (Number.isInteger(max / 2) ? [0, max / 2, max] : [0, max]).map((v) =>
    s('g', { class: 'tick' }, s('line', { x1: LEFT - 4, x2: W - RIGHT, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }), s('text', { x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatCount(v))),
  );
  // A label at each UTC midnight, every other day so they never overlap.
  const xTicks = [];
  hours.forEach((hour, i) => {
    if (!hour.endsWith('T00:00:00Z')) return;
    const day = Math.round((Date.parse(hour) - start) / (24 * HOUR_MS));
    xTicks.push(
      s('g', { class: 'tick' }, s('line', { x1: LEFT + i * step, x2: LEFT + i * step, y1: TOP + plotH, y2: TOP + plotH + 4, class: 'axis' }), day % 2 === 0 ? s('text', { x: LEFT + i * step, y: H - 6, 'text-anchor': 'middle' }, hour.slice(5, 10)) : null),
    );
  });
  const bars = counts.map((c, i) => (c > 0 ? s('rect', { class: 'bar', x: LEFT + i * step, width: Math.max(1, step - 0.4), y: y(c), height: Math.max(1, TOP + plotH - y(c)) }, s('title', {}, `${hours[i]}: ${c}`)) : null));
  const markers = releases
    .filter((r) => Date.parse(r.created_at) >= start)
    .map((r) => {
      const mx = x(Date.parse(r.created_at));
      return s('g', { class: 'release-marker' }, s('line', { x1: mx, x2: mx, y1: TOP - 4, y2: TOP + plotH }), s('text', { x: mx + 3, y: TOP - 6 }, r.version), s('title', {}, `Release ${r.version}, ${r.created_at}`));
    });
  const label = `${total.toLocaleString('en')} events in the last 14 days, by hour (UTC)${releases.length ? `; releases: ${releases.map((r) => r.version).join(', ')}` : ''}`;
  return h(
    'figure',
    { class: 'trend-chart' },
    s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, id: 'trend-14d' }, s('title', {}, label), yTicks, xTicks, bars, markers),
    h('figcaption', { class: 'muted' }, label),
  );
}

/** A round top for the y axis: 1, 2 or 5 times a power of ten, at least the largest bar. */
function niceMax(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v);
}

function formatCount(v) {
  return v >= 1000 ? `${(v / 1000).toLocaleString('en', { maximumFractionDigits: 1 })}k` : v.toLocaleString('en', { maximumFractionDigits: 1 });
}
