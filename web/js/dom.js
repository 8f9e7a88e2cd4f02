// DOM building with text nodes only: nothing from an error report is ever parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * h('a', { href: '?error=1', class: 'x', onclick: fn }, 'text', child, [more])
 * Strings (and numbers) become text nodes; null, undefined and false are skipped.
 */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const exact = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
const UNITS = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "5 minutes ago" */
export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** A <time> showing the relative time, with the exact UTC time on hover (and to screen readers). */
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const full = `${exact.format(new Date(iso))} UTC`;
  return h('time', { datetime: iso, title: full, 'aria-label': `${relativeTime(iso)}, ${full}` }, relativeTime(iso));
}

/** A visually hidden announcement for screen readers (the element must be a live region). */
export function announce(region, text) {
  region.textContent = '';
  // A separate task, so the same text twice in a row is announced again.
  setTimeout(() => (region.textContent = text), 50);
}
