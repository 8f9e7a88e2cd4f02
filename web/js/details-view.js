// One error group: traceback with the crash frame marked, parsed frames, last occurrences, resolve/reopen.
import { announce, h, replace, timeEl } from './dom.js';
import { renderCollapsed } from './collapse.js';
import { eventSections, tagDistributions } from './event-view.js';
import { errorState, status } from './list-view.js';
import { trendChart } from './trend-chart.js';
import { triageControls } from './triage-controls.js';
import { scrollToCrash, traceback } from './traceback-view.js';

export function renderDetails(main, params, ctx, token) {
  const id = params.get('error') ?? '';
  const back = new URLSearchParams(params);
  back.delete('error');
  const backUrl = back.toString() ? `/?${back}` : '/';
  const backLink = h('a', { class: 'back', href: backUrl, 'data-nav': true }, '← All errors');
  document.title = 'Error · error-tracker';

  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading the error…'));
  replace(main, backLink, body);

  let opened = false;
  const load = () =>
    ctx.api.getError(id).then(
      (data) => {
        if (!ctx.isCurrent(token)) return;
        body.setAttribute('aria-busy', 'false');
        replace(body, ...view(data, ctx, token, load));
        document.title = `${data.error.exception_type} · error-tracker`;
        // The page opens at the crash frame; a reload after Resolve leaves the reader where they are.
        if (!opened) scrollToCrash(body);
        opened = true;
      },
      (err) => {
        if (!ctx.isCurrent(token)) return;
        body.setAttribute('aria-busy', 'false');
        replace(body, err.status === 404 || err.status === 400 ? errorState(`There is no error ${id}. It may have been deleted.`) : errorState(`Could not load the error: ${err.message}`, load));
      },
    );
  load();
}

function view({ error: e, occurrences, tags, users, users_affected: affected }, ctx, token, reload) {
  // The 14-day chart is read apart: the page shows at once, the chart when its hours arrive.
  const chart = h('section', { 'aria-labelledby': 'trend-title', class: 'trend' }, h('h2', { id: 'trend-title' }, 'Last 14 days'), h('p', { class: 'state' }, 'Loading the trend…'));
  ctx.api.call('GET', `/api/errors/${e.id}/trend`).then(
    (data) => ctx.isCurrent(token) && replace(chart, chart.firstChild, trendChart(data)),
    (err) => ctx.isCurrent(token) && replace(chart, chart.firstChild, errorState(`Could not load the trend: ${err.message}`)),
  );
  const approx = affected && !affected.exact ? '≈ ' : '';

  const frames = e.frames ?? [];
  const crashIndex = crashFrameIndex(frames);
  return [
    h(
      'section',
      { class: 'summary card', 'aria-labelledby': 'error-title' },
      h('div', { class: 'title-row' }, h('h1', { id: 'error-title', class: 'type' }, e.exception_type), status(e.status ?? e.resolved)),
      h('p', { class: 'full-message' }, e.message || '(no message)'),
      h(
        'dl',
        { class: 'facts' },
        fact('Project', e.project),
        fact('Source', e.source),
        fact('Events', e.count.toLocaleString('en')),
        affected ? fact('Users', `${approx}${affected.total.toLocaleString('en')}`) : null,
        affected ? fact('Users, last 24 h', `${approx}${affected.last_24h.toLocaleString('en')}`) : null,
        fact('First seen', timeEl(e.first_seen)),
        fact('Last seen', timeEl(e.last_seen)),
        e.resolved_at ? fact('Resolved', timeEl(e.resolved_at)) : null,
        e.release ? fact('Release', e.release) : null,
        e.first_release ? fact('First release', e.first_release) : null,
        e.environment ? fact('Environment', e.environment) : null,
        e.file ? fact('Crash frame', `${e.file}${e.line ? `:${e.line}` : ''}${e.function ? ` in ${e.function}` : ''}`, true) : null,
      ),
      triageControls(e, ctx, token, reload),
    ),
    chart,
    h('section', { 'aria-labelledby': 'tb-title' }, h('h2', { id: 'tb-title' }, 'Traceback'), traceback(e)),
    frames.length
      ? h(
          'section',
          { 'aria-labelledby': 'frames-title' },
          h('h2', { id: 'frames-title' }, 'Frames ', h('span', { class: 'muted' }, '(innermost first)')),
          frameList(frames, crashIndex),
        )
      : null,
    tagDistributions(tags, users),
    h(
      'section',
      { 'aria-labelledby': 'occ-title' },
      h('h2', { id: 'occ-title' }, 'Last occurrences'),
      occurrences.length ? occurrences.map(occurrence) : h('p', { class: 'state' }, 'No occurrences are kept for this error.'),
    ),
  ];
}

/** The parsed frames; thousands (a deep recursion) are collapsed around the crash frame like the traceback. */
function frameList(frames, crashIndex) {
  const list = h('ol', { class: 'frames', tabindex: -1 });
  renderCollapsed(list, frames.length, crashIndex, {
    noun: (k) => (k === 1 ? 'frame' : 'frames'),
    wrap: (button) => h('li', { class: 'more' }, button),
    renderRun: (from, to) =>
      frames.slice(from, to).map((fr, k) => {
        const i = from + k;
        return h(
          'li',
          { class: i === crashIndex ? 'crash' : fr.in_app ? '' : 'lib' },
          h('span', { class: 'fn' }, fr.function || '(anonymous)'),
          ' ',
          h('span', { class: 'loc' }, `${fr.file}${fr.line !== null ? `:${fr.line}` : ''}${fr.column !== null && fr.column !== undefined ? `:${fr.column}` : ''}`),
          i === crashIndex ? h('span', { class: 'tag crash-tag' }, 'crash frame') : fr.in_app ? null : h('span', { class: 'tag' }, 'library'),
        );
      }),
  });
  return list;
}

/** The innermost in-app frame, else the innermost: the same rule the fingerprint uses. */
function crashFrameIndex(frames) {
  const i = frames.findIndex((f) => f.in_app);
  return frames.length === 0 ? -1 : i === -1 ? 0 : i;
}

function occurrence(o) {
  const request = [o.request_method, o.request_url].filter(Boolean).join(' ');
  return h(
    'article',
    { class: 'occurrence card' },
    h('h3', {}, timeEl(o.timestamp)),
    o.message ? h('p', { class: 'full-message' }, o.message) : null,
    h(
      'dl',
      { class: 'facts' },
      fact('Request', request || '—', true),
      fact('User', o.user_id ?? '—'),
      fact('Release', o.release ?? '—'),
      fact('Environment', o.environment ?? '—'),
    ),
    keyValues('Headers', o.request_headers),
    keyValues('Extra', o.extra),
    eventSections(o),
  );
}

function keyValues(title, obj) {
  const entries = obj && typeof obj === 'object' ? Object.entries(obj) : [];
  if (entries.length === 0) return null;
  return h(
    'table',
    { class: 'kv' },
    h('caption', {}, title),
    h('tbody', {}, entries.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'string' ? v : JSON.stringify(v, null, 2))))),
  );
}

function fact(label, value, wide = false) {
  return h('div', { class: wide ? 'wide' : null }, h('dt', {}, label), h('dd', {}, value));
}
