// Live updates: trades the operator key for a stream token, follows /api/stream, and applies changes to the open view in place.
import { h, replace, timeEl } from './dom.js';

const MAX_BACKOFF_MS = 30_000;
/** The list is re-read at most this often for new groups (a burst must not become a request storm). */
const LIST_REFRESH_MS = 2_000;
const FLASH_MS = 3_000;

/**
 * One per page. Views say what they show (showList, showDetails); changes are applied to that view
 * only while it is current. Paused, changes are held (merged per group) and applied on resume.
 */
export function createLiveUpdates({ api, nav, isCurrent }) {
  const state = h('span', { class: 'live-state', 'data-state': 'off' }, 'Offline');
  const toggle = h('button', { type: 'button', class: 'link-button live-toggle', id: 'live-toggle' }, 'Pause updates');
  const box = h('span', { class: 'live' }, state, toggle);
  nav.insertBefore(box, document.getElementById('sign-out'));

  let source = null;
  let lastId = '';
  let attempts = 0;
  let retryTimer;
  let running = false;
  let paused = false;
  /** While paused: the latest change of each group, and whether a re-read is owed. */
  let held = new Map();
  let heldMore = false;
  let heldReload = false;
  let view = null;
  let refreshTimer;
  let lastRefresh = 0;

  toggle.addEventListener('click', () => {
    paused = !paused;
    replace(toggle, paused ? 'Resume updates' : 'Pause updates');
    if (!paused && (held.size > 0 || heldMore)) {
      const batch = { groups: [...held.values()], more: heldMore, reload: heldReload };
      held = new Map();
      heldMore = false;
      heldReload = false;
      apply(batch);
    }
    showState();
  });

  function showState(connection = state.dataset.connection) {
    state.dataset.connection = connection;
    const waiting = held.size;
    const text = paused
      ? `Paused${waiting ? ` · ${waiting} ${waiting === 1 ? 'update' : 'updates'} waiting` : ''}`
      : connection === 'live' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…';
    state.dataset.state = paused ? 'paused' : connection;
    replace(state, text);
  }

  async function connect() {
    if (!running) return;
    showState(attempts === 0 ? 'connecting' : 'retrying');
    let token;
    try {
      ({ token } = await api.streamToken());
    } catch {
      return retry();
    }
    if (!running) return;
    // EventSource cannot send headers: the short-lived token (never the key) goes in the URL, and the last id we saw with it.
    const url = `/api/stream?token=${encodeURIComponent(token)}${lastId ? `&last_event_id=${encodeURIComponent(lastId)}` : ''}`;
    const es = new EventSource(url);
    source = es;
    es.addEventListener('hello', (e) => {
      attempts = 0;
      if (e.lastEventId) lastId = e.lastEventId;
      showState('live');
    });
    es.addEventListener('changes', (e) => {
      lastId = e.lastEventId;
      receive(JSON.parse(e.data));
    });
    // Our last id is gone (a restart, or too long away): re-read what the view shows.
    es.addEventListener('reload', (e) => {
      lastId = e.lastEventId;
      attempts = 0;
      showState('live');
      receive({ groups: [], more: true, reload: true });
    });
    // The browser's own retry reuses the token, which expires: reconnect ourselves, with a new one and backoff.
    es.addEventListener('error', () => {
      es.close();
      if (source === es) source = null;
      retry();
    });
  }

  function retry() {
    if (!running) return;
    showState('retrying');
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts) * (0.5 + Math.random() / 2);
    attempts += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function receive(batch) {
    if (!paused) return apply(batch);
    for (const g of batch.groups) held.set(g.id, mergeChange(held.get(g.id), g));
    heldMore ||= batch.more;
    heldReload ||= Boolean(batch.reload);
    showState();
  }

  function apply(batch) {
    if (!view || !isCurrent(view.token)) return;
    if (view.kind === 'details') return applyToDetails(view, batch);
    const needsReread = batch.more || batch.groups.some((g) => g.new || g.regression);
    for (const g of batch.groups) {
      const row = view.results.querySelector(`tr[data-id="${g.id}"]`);
      if (row) updateRow(row, g);
    }
    if (needsReread) scheduleListRefresh();
  }

  function scheduleListRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(refreshList, Math.max(0, lastRefresh + LIST_REFRESH_MS - Date.now()));
  }

  /** Re-reads the list quietly, then marks the rows that are new to it and the counts that moved. */
  async function refreshList() {
    refreshTimer = undefined;
    lastRefresh = Date.now();
    const v = view;
    if (!v || v.kind !== 'list' || !isCurrent(v.token)) return;
    const before = new Map([...v.results.querySelectorAll('tr[data-id]')].map((tr) => [tr.dataset.id, countText(tr)]));
    const focused = v.results.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    await v.refresh();
    // The list view called showList again with its new table.
    if (view !== v && view?.kind === 'list' && isCurrent(view.token)) {
      for (const tr of view.results.querySelectorAll('tr[data-id]')) {
        if (!before.has(tr.dataset.id)) flash(tr);
        else if (before.get(tr.dataset.id) !== countText(tr)) flash(tr.querySelector('.c-count'));
      }
      if (focused) view.results.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      attempts = 0;
      box.hidden = false;
      connect();
    },
    stop() {
      running = false;
      clearTimeout(retryTimer);
      source?.close();
      source = null;
      lastId = '';
      view = null;
      showState('off');
    },
    /** The list view's table (`tr[data-id]` rows) and its quiet re-read, which calls showList again. */
    showList(token, results, refresh) {
      view = { kind: 'list', token, results, refresh };
    },
    /** The error page: its summary facts are updated in place; `reload` re-renders it (a regression changes its state). */
    showDetails(token, id, body, reload) {
      view = { kind: 'details', token, id, body, reload };
    },
  };
}

function mergeChange(old, g) {
  if (!old) return g;
  return { ...old, ...g, new: old.new || g.new, regression: old.regression || g.regression, count: Math.max(old.count, g.count), last_seen: old.last_seen > g.last_seen ? old.last_seen : g.last_seen };
}

function countText(tr) {
  return tr.querySelector('.c-count')?.lastChild?.textContent ?? '';
}

function updateRow(row, g) {
  const cell = row.querySelector('.c-count');
  if (cell && cell.lastChild && cell.lastChild.textContent !== g.count.toLocaleString('en')) {
    cell.lastChild.textContent = g.count.toLocaleString('en');
    flash(cell);
  }
  const seen = row.querySelector('.c-seen time');
  if (seen && g.last_seen > seen.getAttribute('datetime')) seen.replaceWith(timeEl(g.last_seen));
  if (g.users !== undefined) {
    const users = row.querySelector('.c-users');
    if (users && users.lastChild) users.lastChild.textContent = g.users.toLocaleString('en');
  }
}

function applyToDetails(v, batch) {
  if (batch.reload) return v.reload();
  const g = batch.groups.find((c) => c.id === v.id);
  if (!g) return;
  if (g.regression) return v.reload();
  const count = fact(v.body, 'Events');
  if (count && count.textContent !== g.count.toLocaleString('en')) {
    count.textContent = g.count.toLocaleString('en');
    flash(count);
  }
  const seen = fact(v.body, 'Last seen');
  const time = seen?.querySelector('time');
  if (seen && (!time || g.last_seen > time.getAttribute('datetime'))) {
    replace(seen, timeEl(g.last_seen));
    flash(seen);
  }
  const users = g.users === undefined ? null : fact(v.body, 'Users');
  if (users && users.textContent !== g.users.toLocaleString('en')) {
    users.textContent = g.users.toLocaleString('en');
    flash(users);
  }
}

/** The <dd> of the summary fact labelled `label` (the error page's facts are dt/dd pairs). */
function fact(body, label) {
  for (const dt of body.querySelectorAll('.summary dl.facts dt')) if (dt.textContent === label) return dt.nextElementSibling;
  return null;
}

/** A short, subtle highlight of what changed (static under reduced motion; see live.css). */
function flash(el) {
  if (!el) return;
  el.classList.remove('live-flash');
  void el.offsetWidth; // restarts the animation on an element flashed a moment ago
  el.classList.add('live-flash');
  setTimeout(() => el.classList.remove('live-flash'), FLASH_MS);
}
