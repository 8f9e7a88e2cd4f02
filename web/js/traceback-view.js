// The traceback: one block per stretch of lines, the crash line marked across the whole width, long ones collapsed around it.
import { h } from './dom.js';
import { renderCollapsed } from './collapse.js';

/** The traceback line by line, the crash frame's line marked; the <pre> is scrollable sideways. */
export function traceback(e) {
  const lines = (e.traceback || '').replace(/\n$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return h('p', { class: 'state' }, 'No traceback was sent.');
  const crash = crashLine(e, lines);
  // Lines are blocks, never inline boxes in a row: a marked line can then span the width without
  // pushing the next one sideways. A blank line is kept as a space, or its block would have no height.
  const text = (from, to) => h('span', { class: 'tb-lines' }, lines.slice(from, to).map((l) => l || ' ').join('\n'));
  const body = h('span', { class: 'tb-body', tabindex: -1 });
  renderCollapsed(body, lines.length, crash ?? -1, {
    noun: (k) => (k === 1 ? 'line' : 'lines'),
    renderRun: (from, to) => {
      if (crash === undefined || crash < from || crash >= to) return [text(from, to)];
      return [
        crash > from ? text(from, crash) : null,
        h('mark', { class: 'crash-line', title: 'crash frame' }, lines[crash] || ' '),
        crash + 1 < to ? text(crash + 1, to) : null,
      ].filter(Boolean);
    },
  });
  return h('pre', { class: 'traceback', tabindex: 0, 'aria-label': 'Traceback' }, body);
}

/**
 * The line of the crash frame: the last match in a Python trace (innermost last), else the first.
 * A source-mapped crash frame is found where the minified trace wrote it.
 */
function crashLine(e, lines) {
  const crash = (e.frames ?? []).find((f) => f.in_app) ?? e.frames?.[0];
  const g = crash?.generated;
  return lineOf(e.file, e.line, e.traceback, lines) ?? (g ? lineOf(g.file, g.column === null ? g.line : `${g.line}:${g.column}`, e.traceback, lines) : undefined);
}

function lineOf(file, line, text, lines) {
  if (!file) return undefined;
  const hits = [];
  const lineRef = line === null ? null : new RegExp(`(:|line )${line}\\b`);
  lines.forEach((l, i) => {
    if (l.includes(file) && (lineRef === null || lineRef.test(l))) hits.push(i);
  });
  return /^Traceback \(most recent call last\)/m.test(text) ? hits.at(-1) : hits[0];
}

/** Brings the crash line into view when the page opens, unless it is already whole on screen. */
export function scrollToCrash(root) {
  const mark = root.querySelector('.traceback .crash-line');
  if (!mark) return;
  const r = mark.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) mark.scrollIntoView({ block: 'center' });
}
