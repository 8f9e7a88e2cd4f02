// One occurrence's whole event (breadcrumbs, chain, user, tags, contexts, request) and a group's tag distributions.
import { h } from './dom.js';

const exact = new Intl.DateTimeFormat('en-GB', { timeStyle: 'medium', timeZone: 'UTC', hour12: false });
const json = (v) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));
const isEmpty = (o) => !o || (Array.isArray(o) ? o.length === 0 : typeof o === 'object' && Object.keys(o).length === 0);

/** The sections of one occurrence, in reading order: what led up to it, what failed, who and where. */
export function eventSections(o) {
  return [facts(o), breadcrumbs(o.breadcrumbs), chain(o.exceptions), user(o.user, o.user_id), table('Tags', o.tags, 'tags'), contexts(o.contexts), request(o.request)];
}

function facts(o) {
  const items = [
    ['Level', o.level],
    ['Logger', o.logger],
    ['Server', o.server_name],
    ['SDK', o.sdk ? [o.sdk.name, o.sdk.version].filter(Boolean).join(' ') : null],
  ].filter(([, v]) => v);
  if (items.length === 0) return null;
  return h('dl', { class: 'facts event-facts' }, items.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, k === 'Level' ? h('span', { class: `level level-${v}` }, v) : v))));
}

function breadcrumbs(list) {
  if (isEmpty(list)) return null;
  return h(
    'section',
    { class: 'event-part breadcrumbs' },
    h('h4', {}, `Breadcrumbs (${list.length})`),
    h(
      'ol',
      { class: 'timeline' },
      list.map((b) =>
        h(
          'li',
          { class: b.level ? `level-${b.level}` : null },
          h('span', { class: 'crumb-time' }, b.timestamp ? h('time', { datetime: b.timestamp }, exact.format(new Date(b.timestamp))) : '—'),
          h('span', { class: 'crumb-cat' }, b.category || b.type || 'default'),
          h('span', { class: 'crumb-level' }, b.level || ''),
          h('span', { class: 'crumb-msg' }, b.message || ''),
          isEmpty(b.data) ? null : h('code', { class: 'crumb-data' }, JSON.stringify(b.data)),
        ),
      ),
    ),
  );
}

function chain(exceptions) {
  if (isEmpty(exceptions)) return null;
  // Causes first as the SDKs send them; read from the captured exception down to its causes.
  const ordered = [...exceptions].reverse();
  return h(
    'section',
    { class: 'event-part chain' },
    h('h4', {}, ordered.length > 1 ? `Exception chain (${ordered.length})` : 'Exception'),
    ordered.map((e, i) =>
      h(
        'div',
        { class: 'chain-link' },
        i > 0 ? h('p', { class: 'muted caused' }, 'caused by') : null,
        h('p', { class: 'chain-head' }, h('strong', {}, e.type || 'Error'), e.value ? `: ${e.value}` : '', mechanism(e.mechanism)),
        isEmpty(e.frames)
          ? null
          : h(
              'ol',
              { class: 'chain-frames', reversed: true },
              [...e.frames].reverse().map((f) =>
                h(
                  'li',
                  { class: f.in_app === false ? 'lib' : '' },
                  h('span', { class: 'fn' }, f.function || '(anonymous)'),
                  ' ',
                  h('span', { class: 'loc' }, `${f.filename || f.abs_path || f.module || '?'}${f.lineno ? `:${f.lineno}` : ''}${f.colno ? `:${f.colno}` : ''}`),
                  f.context_line ? h('code', { class: 'ctx' }, f.context_line.trim()) : null,
                ),
              ),
            ),
      ),
    ),
  );
}

function mechanism(m) {
  if (!m) return null;
  const label = [m.type, m.handled === false ? 'unhandled' : m.handled === true ? 'handled' : null, m.synthetic ? 'synthetic' : null].filter(Boolean).join(', ');
  return label ? h('span', { class: `tag ${m.handled === false ? 'unhandled' : ''}` }, label) : null;
}

function user(u, userId) {
  // A bare id is already shown as the occurrence's User.
  if (isEmpty(u) || (Object.keys(u).length === 1 && u.id === userId)) return null;
  const { data, ...main } = u;
  return table('User', { ...main, ...(data ?? {}) }, 'user');
}

function contexts(c) {
  if (isEmpty(c)) return null;
  return h(
    'section',
    { class: 'event-part contexts' },
    h('h4', {}, 'Contexts'),
    Object.entries(c).map(([name, value]) => (value && typeof value === 'object' && !Array.isArray(value) ? table(name, value, 'context') : table(name, { value }, 'context'))),
  );
}

function request(r) {
  if (!r) return null;
  const rest = { query_string: r.query_string, data: r.data, cookies: r.cookies };
  const shown = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== undefined));
  return isEmpty(shown) ? null : table('Request', shown, 'request');
}

function table(title, obj, kind) {
  if (isEmpty(obj)) return null;
  return h(
    'table',
    { class: `kv ${kind}` },
    h('caption', {}, title),
    h('tbody', {}, Object.entries(obj).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, json(v))))),
  );
}

/** A group's tags: each tag's top values with a share bar, and the distinct users. */
export function tagDistributions(tags, users) {
  if (isEmpty(tags)) return null;
  return h(
    'section',
    { class: 'tag-dist', 'aria-labelledby': 'tags-title' },
    h('h2', { id: 'tags-title' }, 'Tags ', users && users.distinct ? h('span', { class: 'muted' }, `· ${users.distinct}${users.more ? '+' : ''} distinct user${users.distinct === 1 && !users.more ? '' : 's'}`) : null),
    h(
      'div',
      { class: 'tag-grid' },
      tags.map((t) =>
        h(
          'div',
          { class: 'tag-card card' },
          h('h3', {}, t.key),
          h(
            'ul',
            {},
            [...t.values.slice(0, 5).map((v) => [v.value, v.count]), ...(t.other + t.values.slice(5).reduce((n, v) => n + v.count, 0) > 0 ? [['other', t.other + t.values.slice(5).reduce((n, v) => n + v.count, 0)]] : [])].map(([value, count]) => {
              const share = Math.round((100 * count) / t.total);
              return h(
                'li',
                {},
                h('span', { class: 'tv' }, value),
                h('span', { class: 'share', role: 'img', 'aria-label': `${share}%` }, h('span', { class: `bar w${Math.min(100, Math.max(1, Math.round(share / 5) * 5))}` })),
                h('span', { class: 'pct' }, `${share}%`),
              );
            }),
          ),
        ),
      ),
    ),
  );
}
