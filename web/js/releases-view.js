// The Releases view: a project's releases, newest first, with deploys, new groups, regressions and events; each links to the list filtered to it.
import { announce, h, replace, timeEl } from './dom.js';
import { errorState } from './list-view.js';

export function renderReleases(main, params, ctx, token) {
  document.title = 'Releases · error-tracker';
  const project = params.get('project') ?? '';
  const projectSelect = h('select', { id: 'r-project' }, h('option', { value: '' }, 'Choose a project'));
  projectSelect.addEventListener('change', () => ctx.navigate(`/?view=releases&project=${encodeURIComponent(projectSelect.value)}`));
  const results = h('section', { class: 'results', 'aria-labelledby': 'releases-title' });
  replace(
    main,
    h('div', { class: 'list-head' }, h('h1', { id: 'releases-title' }, 'Releases')),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, h('div', { class: 'field' }, h('label', { for: 'r-project' }, 'Project'), projectSelect)),
    results,
  );

  ctx.api.projects().then(
    ({ projects }) => {
      if (!ctx.isCurrent(token)) return;
      for (const name of projects) projectSelect.append(h('option', { value: name, selected: name === project }, name));
      // One project only: show it without asking.
      if (!project && projects.length === 1) ctx.navigate(`/?view=releases&project=${encodeURIComponent(projects[0])}`, { replace: true });
    },
    (err) => ctx.isCurrent(token) && replace(results, errorState(`Could not load the projects: ${err.message}`)),
  );
  if (!project) {
    replace(results, h('p', { class: 'state' }, 'Choose a project to see its releases.'));
    return;
  }
  replace(results, h('p', { class: 'state' }, 'Loading releases…'));
  ctx.api.call('GET', `/api/releases?project=${encodeURIComponent(project)}`).then(
    ({ releases }) => {
      if (!ctx.isCurrent(token)) return;
      replace(results, releases.length ? table(project, releases) : h('p', { class: 'state empty' }, 'No releases yet: they appear when an event names one or the release API creates one.'));
      announce(ctx.live, `${releases.length} releases`);
    },
    (err) => ctx.isCurrent(token) && replace(results, errorState(`Could not load releases: ${err.message}`)),
  );
}

function table(project, releases) {
  const link = (version) => `/?project=${encodeURIComponent(project)}&release=${encodeURIComponent(version)}&status=all`;
  return h(
    'table',
    { class: 'errors releases', id: 'releases-table' },
    h('caption', { class: 'visually-hidden' }, `Releases of ${project}, newest first`),
    h(
      'thead',
      {},
      h('tr', {}, ['Release', 'Created', 'Deploys', 'New groups', 'Regressions', 'Events'].map((t, i) => h('th', { scope: 'col', class: i >= 3 ? 'num' : null }, t))),
    ),
    h(
      'tbody',
      {},
      releases.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: link(r.version), 'data-nav': true, class: 'release-link' }, r.version), r.created_by === 'event' ? h('span', { class: 'muted' }, ' (first seen)') : null),
          h('td', {}, timeEl(r.created_at)),
          h('td', {}, r.deploys.length ? r.deploys.map((d) => h('span', { class: 'badge', title: d.finished_at }, d.environment)) : h('span', { class: 'muted' }, '—')),
          h('td', { class: 'num' }, String(r.new_groups)),
          h('td', { class: 'num' }, String(r.regressions)),
          h('td', { class: 'num' }, r.events.toLocaleString('en')),
        ),
      ),
    ),
  );
}
