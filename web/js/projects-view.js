// Projects: from one request, each project's counts, ingest key and DSN, quotas (editable) and events dropped over quota.
import { alertsSection } from './alerts-view.js';
import { announce, h, replace } from './dom.js';
import { errorState } from './list-view.js';
import { tokensSection } from './tokens-view.js';

const number = new Intl.NumberFormat('en');

export function renderProjects(main, ctx, token) {
  document.title = 'Projects · error-tracker';
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading projects…'));
  replace(main, h('h1', {}, 'Projects'), body);

  // One request for the whole page (the list carries every project's details, in natural order).
  ctx.api.projects().then(
    ({ details = [] }) => {
      if (!ctx.isCurrent(token)) return;
      body.setAttribute('aria-busy', 'false');
      const tokens = tokensSection(ctx, details.map((p) => p.name));
      if (details.length === 0) {
        replace(body, h('div', { class: 'state empty' }, h('p', {}, 'No project has reported an error yet.')), tokens);
        return;
      }
      replace(body, h('ul', { class: 'projects' }, details.map((p) => projectCard(p, ctx))), tokens);
    },
    (err) => {
      if (!ctx.isCurrent(token)) return;
      body.setAttribute('aria-busy', 'false');
      replace(body, errorState(`Could not load projects: ${err.message}`, () => renderProjects(main, ctx, token)));
    },
  );
}

function projectCard(p, ctx) {
  const link = `/?project=${encodeURIComponent(p.name)}`;
  const quota = h('div', { class: 'quota' });
  const card = h(
    'li',
    { class: 'card project' },
    h('h2', {}, h('a', { href: link, 'data-nav': true }, p.name)),
    h('p', { class: 'counts muted' }, h('strong', {}, `${p.unresolved} unresolved`), ` · ${p.groups} error group${p.groups === 1 ? '' : 's'} in all`),
    droppedLine(p.dropped),
    sourcemapsLine(p.sourcemaps),
    quota,
    h('div', { class: 'keys' }, p.ingest_key ? secret('Ingest key', p.ingest_key, ctx) : null, p.dsn ? secret('DSN', p.dsn, ctx) : null),
    alertsSection(p, ctx),
  );
  if (p.quota) showQuota(quota, p, ctx);
  return card;
}

function droppedLine(d) {
  if (!d || d.total === 0) return h('p', { class: 'dropped muted' }, 'No events dropped over quota.');
  return h(
    'p',
    { class: `dropped${d.last_24_hours > 0 ? ' over' : ''}` },
    h('strong', {}, `${number.format(d.last_hour)} dropped this hour`),
    ` · ${number.format(d.last_24_hours)} in 24 h · ${number.format(d.total)} in all (over quota)`,
  );
}

const bytes = (n) => (n < 1024 * 1024 ? `${number.format(Math.ceil(n / 1024))} KB` : `${number.format(Math.round((n / 1024 / 1024) * 10) / 10)} MB`);

/** Uploaded source maps: bundles kept and the disk their maps take. */
function sourcemapsLine(s) {
  if (!s || s.bundles === 0) return h('p', { class: 'sourcemaps muted' }, 'No source maps uploaded.');
  return h('p', { class: 'sourcemaps muted' }, `Source maps: ${number.format(s.bundles)} bundle${s.bundles === 1 ? '' : 's'} · ${bytes(s.bytes)} on disk`);
}

const perWindow = (n) => (n === 0 ? 'no limit' : number.format(n));

function showQuota(el, p, ctx) {
  const { quota } = p;
  const own = quota.overrides.events_per_minute !== null || quota.overrides.events_per_hour !== null;
  const edit = h('button', { type: 'button', class: 'link-button', 'aria-label': `Edit the quota of ${p.name}` }, 'Edit quota');
  edit.addEventListener('click', () => editQuota(el, p, ctx));
  replace(
    el,
    h('span', { class: 'label' }, 'Quota '),
    `${perWindow(quota.events_per_minute)} events/min · ${perWindow(quota.events_per_hour)} events/h${own ? ' (set for this project)' : ' (default)'} `,
    edit,
  );
}

function editQuota(el, p, ctx) {
  const field = (id, label, value) => {
    const input = h('input', { id, type: 'number', min: '0', step: '1', inputmode: 'numeric', placeholder: 'default', value: value ?? '' });
    return [h('label', { for: id }, label), input];
  };
  const id = `q-${p.id}`;
  const [minuteLabel, minute] = field(`${id}-min`, 'Events per minute', p.quota.overrides.events_per_minute);
  const [hourLabel, hour] = field(`${id}-hour`, 'Events per hour', p.quota.overrides.events_per_hour);
  const status = h('p', { class: 'muted', role: 'status' }, 'Empty follows the default; 0 is no limit.');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  cancel.addEventListener('click', () => showQuota(el, p, ctx));
  const form = h('form', { class: 'quota-form' }, minuteLabel, minute, hourLabel, hour, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), cancel), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (input) => (input.value.trim() === '' ? null : Number(input.value));
    try {
      const updated = await ctx.api.setQuota(p.name, { events_per_minute: value(minute), events_per_hour: value(hour) });
      p.quota = updated.quota;
      showQuota(el, p, ctx);
      announce(ctx.live, `Quota of ${p.name} saved.`);
    } catch (err) {
      replace(status, `Not saved: ${err.message}`);
    }
  });
  replace(el, form);
  minute.focus();
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
