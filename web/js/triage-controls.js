// Triage buttons: on the error page (resolve, resolve in the next release, ignore with a condition, reopen) and the list's bulk bar.
import { announce, h, replace } from './dom.js';

/** The ignore choices the UI offers; the API takes any numbers and times. */
const IGNORE_CHOICES = [
  ['forever', 'Until reopened', () => undefined],
  ['count', 'Until 100 more events', () => ({ until_count: 100 })],
  ['users', 'Until 10 more users', () => ({ until_users: 10 })],
  ['day', 'For 24 hours', () => ({ until: new Date(Date.now() + 24 * 3_600_000).toISOString() })],
];

export const triageApi = (api) => ({
  resolve: (id, inRelease) => api.call('POST', `/api/errors/${id}/resolve`, inRelease ? { in_release: inRelease } : undefined),
  ignore: (id, body) => api.call('POST', `/api/errors/${id}/ignore`, body),
  reopen: (id) => api.call('POST', `/api/errors/${id}/reopen`),
  bulk: (body) => api.call('POST', '/api/errors/bulk', body),
});

/** The error page's actions for group `e`; `reload` re-reads the page after a change. */
export function triageControls(e, ctx, token, reload) {
  const t = triageApi(ctx.api);
  const problem = h('p', { class: 'form-error', role: 'alert' });
  const act = (label, fn, done) => async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    replace(problem);
    try {
      await fn();
      if (!ctx.isCurrent(token)) return;
      announce(ctx.live, done);
      await reload();
      document.getElementById(button.id)?.focus();
    } catch (err) {
      button.disabled = false;
      replace(problem, `Could not ${label}: ${err.message}`);
    }
  };
  const buttons = [];
  if (e.status === 'unresolved') {
    buttons.push(h('button', { type: 'button', class: 'primary', id: 'toggle-resolved', onclick: act('resolve', () => t.resolve(e.id), 'Resolved.') }, 'Resolve'));
    buttons.push(h('button', { type: 'button', id: 'resolve-next', onclick: act('resolve in the next release', () => t.resolve(e.id, 'next'), 'Resolved in the next release.') }, 'Resolve in next release'));
    const choice = h('select', { id: 'ignore-choice', 'aria-label': 'Ignore for how long' }, IGNORE_CHOICES.map(([v, text]) => h('option', { value: v }, text)));
    const body = () => IGNORE_CHOICES.find(([v]) => v === choice.value)[2]();
    buttons.push(h('span', { class: 'ignore-group' }, h('button', { type: 'button', id: 'ignore', onclick: act('ignore', () => t.ignore(e.id, body()), 'Ignored.') }, 'Ignore'), choice));
  } else {
    buttons.push(h('button', { type: 'button', class: 'primary', id: 'toggle-resolved', onclick: act('reopen', () => t.reopen(e.id), 'Reopened.') }, 'Reopen'));
  }
  return [h('div', { class: 'actions' }, buttons), problem, stateNote(e)];
}

/** Why a resolved or ignored group stays so. */
function stateNote(e) {
  if (e.status === 'resolved' && e.resolved_in) return h('p', { class: 'muted', id: 'state-note' }, `Resolved in release ${e.resolved_in}: only an event of a newer release reopens it.`);
  if (e.status !== 'ignored' || !e.ignore) return null;
  const { until, until_count: n, until_users: u } = e.ignore;
  const parts = [until ? `after ${until}` : null, n ? `at ${n.toLocaleString('en')} events` : null, u ? `at ${u.toLocaleString('en')} users` : null].filter(Boolean);
  return h('p', { class: 'muted', id: 'state-note' }, parts.length ? `Ignored: wakes up ${parts.join(' or ')}.` : 'Ignored until reopened.');
}

/**
 * The list's selection: a checkbox per row and a bar acting on the checked groups in one request.
 * Returns { cell(e), head, bar }.
 */
export function bulkSelection(ctx, token, reload) {
  const t = triageApi(ctx.api);
  const boxes = new Map();
  // Ids checked before a live re-read (js/live.js) redrew the rows: still checked in the new ones.
  let kept = new Set();
  const count = h('span', { class: 'bulk-count', id: 'bulk-count' }, 'None selected');
  const problem = h('span', { class: 'form-error', role: 'alert' });
  const buttons = [
    ['resolve', 'Resolve', {}],
    ['ignore', 'Ignore', {}],
    ['reopen', 'Reopen', {}],
  ].map(([action, text, extra]) =>
    h(
      'button',
      {
        type: 'button',
        id: `bulk-${action}`,
        disabled: true,
        onclick: async () => {
          const ids = [...boxes].filter(([, b]) => b.checked).map(([id]) => id);
          replace(problem);
          try {
            const { changed } = await t.bulk({ action, ids, ...extra });
            if (!ctx.isCurrent(token)) return;
            announce(ctx.live, `${changed.length} ${changed.length === 1 ? 'group' : 'groups'}: ${action} done.`);
            reload();
          } catch (err) {
            replace(problem, `Could not ${action}: ${err.message}`);
          }
        },
      },
      text,
    ),
  );
  const update = () => {
    const n = [...boxes.values()].filter((b) => b.checked).length;
    count.textContent = n ? `${n} selected` : 'None selected';
    for (const b of buttons) b.disabled = n === 0;
    all.checked = n > 0 && n === boxes.size;
    all.indeterminate = n > 0 && n < boxes.size;
  };
  const all = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select all on this page' });
  all.addEventListener('change', () => {
    for (const b of boxes.values()) b.checked = all.checked;
    update();
  });
  return {
    head: h('th', { scope: 'col', class: 'c-select' }, all),
    /** Before the rows are drawn (again): the boxes start over, keeping which ids were checked. */
    begin() {
      kept = new Set([...boxes].filter(([, b]) => b.checked).map(([id]) => id));
      boxes.clear();
    },
    /** After the rows are drawn: the count and buttons follow what is checked now. */
    done: () => update(),
    cell(e) {
      const box = h('input', { type: 'checkbox', class: 'select-row', value: e.id, checked: kept.has(e.id), 'aria-label': `Select ${e.exception_type} (${e.id})` });
      box.addEventListener('change', update);
      boxes.set(e.id, box);
      return h('td', { class: 'c-select' }, box);
    },
    bar: h('div', { class: 'bulk-bar', role: 'group', 'aria-label': 'Act on the selected groups' }, count, buttons, problem),
  };
}
