// The list of error groups: filters kept in the query string, 25 a page, newest first.
import { announce, h, replace, s, timeEl } from './dom.js';
import { eventFilterFields, eventFilterQuery, eventFiltersFrom, hasEventFilters, setEventFilters } from './list-filters.js';
import { bulkSelection } from './triage-controls.js';

const SORTS = [['last_seen', 'Last seen'], ['first_seen', 'First seen'], ['count', 'Events'], ['users', 'Users']];

export const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 300;

/** The filters as the URL states them; the defaults are left out of the URL. */
export function filtersFrom(params) {
  const status = ['resolved', 'ignored', 'all'].includes(params.get('status')) ? params.get('status') : 'unresolved';
  const sort = SORTS.some(([v]) => v === params.get('sort')) ? params.get('sort') : 'last_seen';
  const source = ['browser', 'server'].includes(params.get('source')) ? params.get('source') : '';
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  return { project: params.get('project') ?? '', status, sort, source, q: params.get('q') ?? '', page, ...eventFiltersFrom(params) };
}

export function listUrl(f) {
  const p = new URLSearchParams();
  if (f.project) p.set('project', f.project);
  if (f.status !== 'unresolved') p.set('status', f.status);
  if (f.source) p.set('source', f.source);
  if (f.sort && f.sort !== 'last_seen') p.set('sort', f.sort);
  if (f.q) p.set('q', f.q);
  setEventFilters(p, f);
  if (f.page > 1) p.set('page', String(f.page));
  const text = p.toString();
  return text ? `/?${text}` : '/';
}

export function renderList(main, params, ctx, token) {
  const f = filtersFrom(params);
  document.title = 'Errors · error-tracker';

  const projectSelect = h('select', { id: 'f-project' }, h('option', { value: '' }, 'All projects'));
  if (f.project) projectSelect.append(h('option', { value: f.project, selected: true }, f.project));
  const statusSelect = select('f-status', f.status, [['unresolved', 'Unresolved'], ['resolved', 'Resolved'], ['ignored', 'Ignored'], ['all', 'All']]);
  const sortSelect = select('f-sort', f.sort, SORTS);
  const sourceSelect = select('f-source', f.source, [['', 'All sources'], ['browser', 'Browser'], ['server', 'Server']]);
  const search = h('input', { id: 'f-search', type: 'search', value: f.q, placeholder: 'Type, message or file', autocomplete: 'off' });

  const apply = (changes) => ctx.navigate(listUrl({ ...filtersFrom(new URLSearchParams(location.search)), ...changes, page: 1 }), { replace: 'q' in changes });
  projectSelect.addEventListener('change', () => apply({ project: projectSelect.value }));
  statusSelect.addEventListener('change', () => apply({ status: statusSelect.value }));
  sourceSelect.addEventListener('change', () => apply({ source: sourceSelect.value }));
  sortSelect.addEventListener('change', () => apply({ sort: sortSelect.value }));
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => apply({ q: search.value.trim() }), SEARCH_DELAY_MS);
  });

  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter errors', onsubmit: (e) => (e.preventDefault(), clearTimeout(timer), apply({ q: search.value.trim() })) },
    field('Project', 'f-project', projectSelect),
    field('Status', 'f-status', statusSelect),
    field('Source', 'f-source', sourceSelect),
    field('Sort by', 'f-sort', sortSelect),
    eventFilterFields(f, apply),
    field('Search', 'f-search', search),
  );
  const results = h('section', { class: 'results', 'aria-labelledby': 'list-title', 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading errors…'));
  const hadFocus = document.activeElement?.id;
  replace(main, h('div', { class: 'list-head' }, h('h1', { id: 'list-title' }, 'Errors')), form, results);
  // Re-rendering after a filter change must not throw the keyboard user back to the top.
  if (hadFocus && main.querySelector(`#${hadFocus}`)) {
    const el = main.querySelector(`#${hadFocus}`);
    el.focus();
    if (el === search) search.setSelectionRange(search.value.length, search.value.length);
  }

  ctx.api.projects().then(
    ({ projects }) => {
      if (!ctx.isCurrent(token)) return;
      for (const name of projects) if (name !== f.project) projectSelect.append(h('option', { value: name }, name));
    },
    () => {}, // the list below reports the failure
  );

  const query = {
    project: f.project,
    status: f.status,
    sort: f.sort,
    source: f.source,
    search: f.q,
    ...eventFilterQuery(f),
    limit: PAGE_SIZE,
    offset: (f.page - 1) * PAGE_SIZE,
  };
  // One selection for the page's life: a live re-read redraws the rows and keeps what was checked.
  const bulk = bulkSelection(ctx, token, () => ctx.navigate(location.pathname + location.search, { replace: true }));
  ctx.api.listErrors(query).then(
    (page) => {
      if (!ctx.isCurrent(token)) return;
      results.setAttribute('aria-busy', 'false');
      if (page.errors.length === 0 && page.total > 0 && f.page > 1) {
        ctx.navigate(listUrl({ ...f, page: Math.ceil(page.total / PAGE_SIZE) }), { replace: true });
        return;
      }
      replace(results, ...table(page, f, bulk));
      announce(ctx.live, page.total === 1 ? '1 error group' : `${page.total} error groups`);
      ctx.liveUpdates?.showList(token, results, refresh);
    },
    (err) => {
      if (!ctx.isCurrent(token)) return;
      results.setAttribute('aria-busy', 'false');
      replace(results, errorState(`Could not load errors: ${err.message}`, () => ctx.navigate(location.pathname + location.search, { replace: true })));
    },
  );
  // A quiet re-read for live updates (js/live.js): the table stays on screen until the new one is in; a failure changes nothing.
  const refresh = () =>
    ctx.api.listErrors(query).then((page) => {
      if (!ctx.isCurrent(token) || (page.errors.length === 0 && f.page > 1)) return;
      replace(results, ...table(page, f, bulk));
      ctx.liveUpdates?.showList(token, results, refresh);
    }, () => {});
}

function table(page, f, bulk) {
  if (page.errors.length === 0) {
    const filtered = f.project || f.source || f.q || f.status !== 'unresolved' || hasEventFilters(f);
    return [
      h(
        'div',
        { class: 'state empty' },
        h('p', {}, filtered ? 'No errors match these filters.' : 'No unresolved errors. Nothing to triage.'),
        filtered ? h('p', {}, h('a', { href: '/', 'data-nav': true }, 'Clear the filters')) : null,
      ),
    ];
  }
  bulk.begin();
  const rows = page.errors.map((e) =>
    h(
      'tr',
      { class: e.resolved ? 'resolved' : '', 'data-id': e.id },
      bulk.cell(e),
      h(
        'td',
        { class: 'c-error' },
        h('a', { class: 'row-link', href: `/?error=${e.id}${backQuery(f)}`, 'data-nav': true }, h('span', { class: 'type' }, e.exception_type), h('span', { class: 'message', title: e.message }, e.message || '(no message)')),
        h(
          'span',
          { class: 'meta' },
          h('span', { class: 'badge' }, e.project),
          h('span', {}, e.source),
          e.first_release ? h('span', { class: 'first-release', title: 'First seen in this release' }, `since ${e.first_release}`) : null,
          e.file ? h('span', { class: 'where', title: `${e.file}${e.line ? `:${e.line}` : ''}` }, fileName(e.file, e.line)) : null,
        ),
      ),
      h('td', { class: 'c-status' }, status(e.status ?? e.resolved)),
      h('td', { class: 'c-trend' }, sparkline(e.trend ?? [])),
      h('td', { class: 'c-count num' }, h('span', { class: 'label' }, 'Events '), e.count.toLocaleString('en')),
      h('td', { class: 'c-users num' }, h('span', { class: 'label' }, 'Users '), (e.users ?? 0).toLocaleString('en')),
      h('td', { class: 'c-seen' }, h('span', { class: 'label' }, 'Last '), timeEl(e.last_seen)),
      h('td', { class: 'c-seen' }, h('span', { class: 'label' }, 'First '), timeEl(e.first_seen)),
    ),
  );
  bulk.done();
  const first = (f.page - 1) * PAGE_SIZE + 1;
  const last = first + page.errors.length - 1;
  const lastPage = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  return [
    bulk.bar,
    h(
      'table',
      { class: 'errors selectable' },
      h('caption', { class: 'visually-hidden' }, 'Error groups, newest first'),
      h(
        'thead',
        {},
        h('tr', {}, bulk.head, h('th', { scope: 'col' }, 'Error'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, '24 hours'), h('th', { scope: 'col', class: 'num' }, 'Events'), h('th', { scope: 'col', class: 'num' }, 'Users'), h('th', { scope: 'col' }, 'Last seen'), h('th', { scope: 'col' }, 'First seen')),
      ),
      h('tbody', {}, rows),
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      pageLink('Previous', f.page > 1 ? listUrl({ ...f, page: f.page - 1 }) : null, 'prev'),
      h('span', { class: 'range' }, `${first}–${last} of ${page.total}`),
      pageLink('Next', f.page < lastPage ? listUrl({ ...f, page: f.page + 1 }) : null, 'next'),
    ),
  ];
}

/** The list's filters, carried into the details URL so "back" returns to the same view. */
function backQuery(f) {
  const q = listUrl(f).slice(2);
  return q ? `&${q}` : '';
}

function pageLink(text, href, rel) {
  // No page there: a real disabled button (not focusable, not clickable), styled as unavailable.
  return href ? h('a', { class: 'button', href, rel, 'data-nav': true }, text) : h('button', { type: 'button', class: 'button', disabled: true }, text);
}

/** A group's status badge; takes the item's `status`, or the older boolean `resolved`. */
export function status(state) {
  const key = typeof state === 'string' ? state : state ? 'resolved' : 'unresolved';
  const [cls, text] = { resolved: ['is-resolved', 'Resolved'], ignored: ['is-ignored', 'Ignored'], unresolved: ['is-open', 'Unresolved'] }[key];
  return h('span', { class: `status ${cls}` }, text);
}

function fileName(file, line) {
  const short = file.split(/[\\/]/).filter(Boolean).at(-1) ?? file;
  return line ? `${short}:${line}` : short;
}

/** 24 bars, one per hour, oldest on the left; drawn as SVG, so no inline styles are needed. */
function sparkline(trend) {
  const max = Math.max(1, ...trend);
  const total = trend.reduce((a, b) => a + b, 0);
  const label = `${total} in the last 24 hours`;
  return s(
    'svg',
    { class: 'spark', viewBox: '0 0 96 24', width: 96, height: 24, role: 'img', 'aria-label': label },
    s('title', {}, label),
    s('line', { x1: 0, y1: 23.5, x2: 96, y2: 23.5, class: 'base' }),
    trend.map((n, i) => (n > 0 ? s('rect', { x: i * 4, width: 3, y: 24 - Math.max(2, (n / max) * 23), height: Math.max(2, (n / max) * 23) }) : null)),
  );
}

function select(id, value, options) {
  return h('select', { id }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

function field(label, id, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

export function errorState(message, retry) {
  return h('div', { class: 'state error', role: 'alert' }, h('p', {}, message), retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null);
}
