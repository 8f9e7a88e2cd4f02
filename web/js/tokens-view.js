// API tokens on the Projects page: create upload and agent tokens (shown once), list them by prefix and last use, revoke.
import { announce, h, replace, timeEl } from './dom.js';

/** The section, filled in once its list arrives; `projects` are the names the form offers. */
export function tokensSection(ctx, projects) {
  const list = h('div', { class: 'token-list', 'aria-busy': 'true' }, h('p', { class: 'state' }, 'Loading tokens…'));
  const created = h('div', { class: 'token-created', role: 'status' });
  const section = h(
    'section',
    { class: 'card tokens', 'aria-labelledby': 'tokens-title' },
    h('h2', { id: 'tokens-title' }, 'API tokens'),
    h(
      'p',
      { class: 'muted' },
      'Upload tokens let sentry-cli and the bundler plugins upload source maps and record releases for their projects, and nothing else. ',
      'Agent tokens let an MCP client read errors (and triage them, if allowed). A token is shown once, when it is created.',
    ),
    tokenForm(ctx, projects, created, () => loadTokens(ctx, list)),
    created,
    list,
  );
  loadTokens(ctx, list);
  return section;
}

function loadTokens(ctx, list) {
  list.setAttribute('aria-busy', 'true');
  ctx.api.tokens().then(
    ({ tokens = [] }) => {
      list.setAttribute('aria-busy', 'false');
      if (tokens.length === 0) return replace(list, h('p', { class: 'muted' }, 'No tokens yet.'));
      replace(list, tokenTable(ctx, tokens, () => loadTokens(ctx, list)));
    },
    (err) => {
      list.setAttribute('aria-busy', 'false');
      replace(list, h('p', { class: 'state error' }, `Could not load tokens: ${err.message}`));
    },
  );
}

function tokenForm(ctx, projects, created, reload) {
  const kind = h('select', { id: 'token-kind' }, h('option', { value: 'upload' }, 'Upload (source maps, releases)'), h('option', { value: 'agent' }, 'Agent (MCP)'));
  const name = h('input', { id: 'token-name', type: 'text', required: true, maxlength: '100', placeholder: 'e.g. CI for shop' });
  const boxes = projects.map((p, i) => {
    const box = h('input', { type: 'checkbox', id: `token-project-${i}`, value: p });
    return { box, el: h('span', { class: 'check' }, box, h('label', { for: `token-project-${i}` }, p)) };
  });
  const scope = h('select', { id: 'token-scope' }, h('option', { value: 'read' }, 'Read'), h('option', { value: 'triage' }, 'Read and triage'));
  const scopeRow = h('div', { class: 'field', hidden: true }, h('label', { for: 'token-scope' }, 'Scope'), scope);
  kind.addEventListener('change', () => (scopeRow.hidden = kind.value !== 'agent'));
  const status = h('p', { class: 'muted', role: 'status' });

  const form = h(
    'form',
    { class: 'token-form' },
    h('div', { class: 'field' }, h('label', { for: 'token-kind' }, 'Kind'), kind),
    h('div', { class: 'field' }, h('label', { for: 'token-name' }, 'Name'), name),
    h('fieldset', {}, h('legend', {}, 'Projects (none ticked: all projects, present and future)'), boxes.map((b) => b.el)),
    scopeRow,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create token')),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const picked = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
    const body = { kind: kind.value, name: name.value.trim(), ...(picked.length > 0 ? { projects: picked } : {}) };
    if (kind.value === 'agent') body.scopes = scope.value === 'triage' ? ['read', 'triage'] : ['read'];
    try {
      const token = await ctx.api.createToken(body);
      replace(status, '');
      showOnce(created, token, ctx);
      form.reset();
      scopeRow.hidden = true;
      reload();
    } catch (err) {
      replace(status, `Not created: ${err.message}`);
    }
  });
  return form;
}

/** The token itself, this once: with a copy button, and for upload tokens how sentry-cli takes it. */
function showOnce(el, token, ctx) {
  const value = h('code', { class: 'copyable new-token' }, token.token);
  const copy = h('button', { type: 'button', 'aria-label': `Copy the token ${token.name}` }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      replace(copy, 'Copied');
    } catch {
      // No clipboard (plain HTTP on another host): select the text so Ctrl+C works.
      getSelection()?.selectAllChildren(value);
      replace(copy, 'Press Ctrl+C');
    }
  });
  const usage =
    token.kind === 'upload'
      ? h('p', { class: 'muted' }, 'Use it as ', h('code', {}, 'SENTRY_AUTH_TOKEN'), ' with ', h('code', {}, `sentry-cli --url ${location.origin} sourcemaps upload --org any --project <name> ./dist`), '.')
      : h('p', { class: 'muted' }, 'Send it as ', h('code', {}, 'Authorization: Bearer <token>'), ' from your MCP client.');
  replace(
    el,
    h('p', {}, h('strong', {}, `Token "${token.name}" created. Copy it now: it is shown only this once and cannot be recovered.`)),
    h('div', { class: 'secret' }, h('span', { class: 'label' }, 'Token'), value, copy),
    usage,
  );
  announce(ctx.live, `Token ${token.name} created; copy it now, it is shown only once.`);
}

function tokenTable(ctx, tokens, reload) {
  const row = (t) => {
    let action = h('span', { class: 'muted' }, 'Revoked');
    if (!t.revoked_at) {
      action = h('button', { type: 'button', class: 'link-button', 'aria-label': `Revoke the token ${t.name}` }, 'Revoke');
      action.addEventListener('click', async () => {
        if (!confirm(`Revoke the token "${t.name}"? Whatever uses it stops working at once.`)) return;
        try {
          await ctx.api.revokeToken(t.id);
          announce(ctx.live, `Token ${t.name} revoked.`);
          reload();
        } catch (err) {
          announce(ctx.live, `Not revoked: ${err.message}`);
        }
      });
    }
    return h(
      'tr',
      { class: t.revoked_at ? 'revoked' : null },
      h('td', {}, t.name),
      h('td', {}, t.kind === 'agent' ? `agent (${t.scopes.join(', ')})` : 'upload'),
      h('td', {}, h('code', {}, `${t.prefix}…`)),
      h('td', {}, t.projects ? t.projects.join(', ') : 'all'),
      h('td', {}, timeEl(t.created_at)),
      h('td', {}, t.last_used_at ? timeEl(t.last_used_at) : h('span', { class: 'muted' }, 'never')),
      h('td', {}, action),
    );
  };
  const head = ['Name', 'Kind', 'Token', 'Projects', 'Created', 'Last used', ''].map((c) => h('th', { scope: 'col' }, c));
  return h('table', { class: 'tokens-table' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, tokens.map(row)));
}
