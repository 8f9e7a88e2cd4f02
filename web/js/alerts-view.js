// A project's alerts on the Projects page: its rules, its channels and the global ones with their last delivery, a test button, and an editor.
import { announce, h, replace, timeEl } from './dom.js';

const KINDS = [
  ['slack', 'Slack'],
  ['discord', 'Discord'],
  ['teams', 'Microsoft Teams'],
  ['ntfy', 'ntfy'],
  ['mattermost', 'Mattermost'],
  ['webhook', 'Signed webhook'],
  ['gotify', 'Gotify'],
];
const kindName = (kind) => KINDS.find(([k]) => k === kind)?.[1] ?? kind;
const TOKEN_LABEL = { ntfy: 'Access token (optional)', webhook: 'Signing secret' };

/** Collapsed until asked for: the Projects page stays one request however many projects there are. */
export function alertsSection(p, ctx) {
  const panel = h('div', { class: 'alerts-panel', id: `alerts-${p.id}`, hidden: true });
  const toggle = h('button', { type: 'button', class: 'link-button', 'aria-expanded': 'false', 'aria-controls': `alerts-${p.id}`, 'aria-label': `Alerts of ${p.name}` }, 'Alerts ▸');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    replace(toggle, open ? 'Alerts ▾' : 'Alerts ▸');
    panel.hidden = !open;
    if (open) load(panel, p, ctx);
  });
  return h('div', { class: 'alerts' }, toggle, panel);
}

async function load(panel, p, ctx) {
  replace(panel, h('p', { class: 'muted' }, 'Loading alerts…'));
  try {
    show(panel, p, ctx, await ctx.api.projectAlerts(p.name));
  } catch (err) {
    replace(panel, h('p', { class: 'form-error', role: 'alert' }, `Could not load alerts: ${err.message}`));
  }
}

function rulesText(r) {
  const on = (b) => (b ? 'on' : 'off');
  const spike = r.spike ? `> ${r.spike.events} events in ${r.spike.minutes} min${r.spike.times_usual ? ` and ${r.spike.times_usual}× the usual rate` : ''}` : 'off';
  return [
    `New group ${on(r.new_group)}`,
    `Regression ${on(r.regression)}`,
    `Spike ${spike}`,
    `Impact ${r.impact ? `${r.impact.users} users in an hour` : 'off'}`,
    `Cooldown ${r.cooldown_minutes === null ? 'default' : `${r.cooldown_minutes} min`}`,
  ].join(' · ');
}

function deliveryEl(d) {
  if (!d) return h('span', { class: 'delivery muted' }, 'No delivery yet');
  const what = d.ok ? `Delivered (HTTP ${d.status})` : `Failed${d.status ? ` (HTTP ${d.status})` : ''}${d.retryable ? ', will retry' : ''}`;
  return h(
    'span',
    { class: `delivery ${d.ok ? 'ok' : 'failed'}` },
    h('strong', {}, what),
    d.at ? [' ', timeEl(d.at)] : null,
    d.error ? h('span', { class: 'delivery-error' }, d.error) : null,
  );
}

function channelRow(c, global) {
  return h(
    'li',
    { class: 'channel', 'data-channel': c.id },
    h('span', { class: 'kind' }, kindName(c.kind), global ? h('span', { class: 'muted' }, ' · all projects') : null),
    h('code', { class: 'channel-url' }, c.url),
    deliveryEl(c.last_delivery),
  );
}

function show(panel, p, ctx, settings) {
  const status = h('p', { class: 'muted', role: 'status' });
  const test = h('button', { type: 'button' }, 'Send test');
  const edit = h('button', { type: 'button' }, 'Edit alerts');
  const all = [...settings.channels.map((c) => [c, false]), ...settings.global_channels.map((c) => [c, true])];
  const list = all.length
    ? h('ul', { class: 'channels' }, all.map(([c, g]) => channelRow(c, g)))
    : h('p', { class: 'muted' }, 'No channels: add Slack, Discord, Teams, ntfy, Mattermost or a signed webhook.');
  test.disabled = all.length === 0;
  test.addEventListener('click', async () => {
    test.disabled = true;
    replace(status, 'Sending a test to each channel…');
    try {
      const { results } = await ctx.api.testProjectAlerts(p.name);
      const at = new Date().toISOString();
      for (const r of results) {
        const row = [...list.querySelectorAll('li.channel')].find((li) => li.dataset.channel === r.id);
        row?.replaceChild(deliveryEl({ ...r, at }), row.querySelector('.delivery'));
      }
      const failed = results.filter((r) => !r.ok).length;
      const summary = failed ? `Test: ${failed} of ${results.length} channels failed.` : `Test delivered to ${results.length} channel${results.length === 1 ? '' : 's'}.`;
      replace(status, summary);
      announce(ctx.live, summary);
    } catch (err) {
      replace(status, `Test not sent: ${err.message}`);
    } finally {
      test.disabled = false;
    }
  });
  edit.addEventListener('click', () => editor(panel, p, ctx, settings));
  replace(
    panel,
    h('p', { class: 'rules' }, h('span', { class: 'label' }, 'Rules '), rulesText(settings.rules)),
    list,
    h('div', { class: 'actions' }, test, edit),
    status,
  );
}

let fieldIds = 0;
function field(label, input) {
  const id = `af-${++fieldIds}`;
  input.id = id;
  return h('div', { class: 'af' }, h('label', { for: id }, label), input);
}
const numberInput = (value, attrs = {}) => h('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: value ?? '', ...attrs });
const checkbox = (checked) => h('input', { type: 'checkbox', checked: checked || undefined });

function channelEditor(c, onRemove) {
  const kind = h('select', {}, KINDS.filter(([k]) => k !== 'gotify').map(([k, name]) => h('option', { value: k, selected: k === c.kind || undefined }, name)));
  // A stored URL is never sent to the page: empty keeps it, as the placeholder says.
  const url = h('input', { type: 'url', placeholder: c.id ? `unchanged (${c.url})` : 'https://…', autocomplete: 'off', required: !c.id || undefined });
  const token = h('input', { type: 'password', autocomplete: 'off', placeholder: c.has_token ? 'unchanged' : '' });
  const tokenField = field(TOKEN_LABEL[c.kind] ?? 'Token', token);
  const syncToken = () => {
    tokenField.hidden = !TOKEN_LABEL[kind.value];
    tokenField.querySelector('label').textContent = TOKEN_LABEL[kind.value] ?? 'Token';
  };
  kind.addEventListener('change', syncToken);
  syncToken();
  const remove = h('button', { type: 'button', class: 'link-button' }, 'Remove');
  const row = h('fieldset', { class: 'channel-edit' }, h('legend', {}, c.id ? kindName(c.kind) : 'New channel'), field('Kind', kind), field('URL', url), tokenField, remove);
  remove.addEventListener('click', () => onRemove(row));
  row.read = () => {
    const out = { kind: kind.value };
    if (c.id) out.id = c.id;
    if (url.value.trim()) out.url = url.value.trim();
    if (token.value && TOKEN_LABEL[kind.value]) out.token = token.value;
    return out;
  };
  return row;
}

function editor(panel, p, ctx, settings) {
  const r = settings.rules;
  const newGroup = checkbox(r.new_group);
  const regression = checkbox(r.regression);
  const spikeEvents = numberInput(r.spike?.events, { placeholder: 'off' });
  const spikeMinutes = numberInput(r.spike?.minutes, { placeholder: '5' });
  const spikeTimes = numberInput(r.spike?.times_usual, { placeholder: 'any', step: 'any', min: '1.1' });
  const impactUsers = numberInput(r.impact?.users, { placeholder: 'off' });
  const cooldown = numberInput(r.cooldown_minutes, { placeholder: 'default', min: '0' });
  const rows = h('div', { class: 'channel-edits' });
  const removeRow = (row) => row.remove();
  for (const c of settings.channels) rows.append(channelEditor(c, removeRow));
  const add = h('button', { type: 'button' }, 'Add channel');
  add.addEventListener('click', () => {
    const row = channelEditor({ kind: 'slack' }, removeRow);
    rows.append(row);
    row.querySelector('select').focus();
  });
  const status = h('p', { class: 'muted', role: 'status' });
  const cancel = h('button', { type: 'button' }, 'Cancel');
  cancel.addEventListener('click', () => show(panel, p, ctx, settings));
  const form = h(
    'form',
    { class: 'alerts-form' },
    h('fieldset', { class: 'rules-edit' }, h('legend', {}, 'Rules'), field('New group', newGroup), field('Regression', regression), field('Spike: more than … events', spikeEvents), field('… in minutes', spikeMinutes), field('… and × the usual rate', spikeTimes), field('Impact: users in an hour', impactUsers), field('Cooldown (min)', cooldown), h('p', { class: 'muted hint' }, 'Empty spike or impact: off. Empty cooldown: the default.')),
    rows,
    h('div', { class: 'actions' }, add),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), cancel),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const n = (input) => (input.value.trim() === '' ? null : Number(input.value));
    const rules = {
      new_group: newGroup.checked,
      regression: regression.checked,
      spike: n(spikeEvents) === null ? null : { events: n(spikeEvents), minutes: n(spikeMinutes) ?? 5, times_usual: n(spikeTimes) },
      impact: n(impactUsers) === null ? null : { users: n(impactUsers) },
      cooldown_minutes: n(cooldown),
    };
    try {
      const saved = await ctx.api.setProjectAlerts(p.name, { rules, channels: [...rows.children].map((row) => row.read()) });
      show(panel, p, ctx, saved);
      announce(ctx.live, `Alerts of ${p.name} saved.`);
    } catch (err) {
      const details = Array.isArray(err.details) ? ` (${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : '';
      replace(status, `Not saved: ${err.message}${details}`);
    }
  });
  replace(panel, form);
  newGroup.focus();
}
