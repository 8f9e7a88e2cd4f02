// Projects: counts from the list API and, where the service offers them, the ingest key and DSN.
import { announce, h, replace } from './dom.js';
import { errorState } from './list-view.js';

export function renderProjects(main, ctx, token) {
  document.title = 'Projects · error-tracker';
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading projects…'));
  replace(main, h('h1', {}, 'Projects'), body);

  ctx.api.projects().then(
    ({ projects }) => {
      if (!ctx.isCurrent(token)) return;
      body.setAttribute('aria-busy', 'false');
      if (projects.length === 0) {
        replace(body, h('div', { class: 'state empty' }, h('p', {}, 'No project has reported an error yet.')));
        return;
      }
      replace(body, h('ul', { class: 'projects' }, projects.map((name) => projectCard(name, ctx, token))));
    },
    (err) => {
      if (!ctx.isCurrent(token)) return;
      body.setAttribute('aria-busy', 'false');
      replace(body, errorState(`Could not load projects: ${err.message}`, () => renderProjects(main, ctx, token)));
    },
  );
}

function projectCard(name, ctx, token) {
  const counts = h('p', { class: 'counts muted' }, 'Counting…');
  const keys = h('div', { class: 'keys' });
  const link = `/?project=${encodeURIComponent(name)}`;
  const card = h('li', { class: 'card project' }, h('h2', {}, h('a', { href: link, 'data-nav': true }, name)), counts, keys);

  const total = (extra) => ctx.api.listErrors({ project: name, limit: 1, ...extra }).then((p) => p.total);
  Promise.all([total({ resolved: 'false' }), total({})]).then(
    ([open, all]) => ctx.isCurrent(token) && replace(counts, h('strong', {}, `${open} unresolved`), ` · ${all} error group${all === 1 ? '' : 's'} in all`),
    (err) => ctx.isCurrent(token) && replace(counts, `Counts unavailable: ${err.message}`),
  );
  ctx.api.project(name).then(
    (p) => {
      if (!ctx.isCurrent(token) || !p) return;
      replace(keys, p.ingest_key ? secret('Ingest key', p.ingest_key, ctx) : null, p.dsn ? secret('DSN', p.dsn, ctx) : null);
    },
    () => {}, // keys are optional; the counts line already reports an unreachable service
  );
  return card;
}

function secret(label, value, ctx) {
  const output = h('code', { class: 'copyable' }, value);
  const button = h('button', { type: 'button', 'aria-label': `Copy the ${label}` }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      replace(button, 'Copied');
      announce(ctx.live, `${label} copied.`);
    } catch {
      // No clipboard (plain HTTP on another host): select the text so Ctrl+C works.
      getSelection()?.selectAllChildren(output);
      replace(button, 'Press Ctrl+C');
    }
    setTimeout(() => replace(button, 'Copy'), 2000);
  });
  return h('div', { class: 'secret' }, h('span', { class: 'label' }, label), output, button);
}
