// The operator UI's entry: sign-in, the header, and a small router over the URL's query string.
import { createApi } from './js/api.js';
import { h, replace } from './js/dom.js';
import { renderDetails } from './js/details-view.js';
import { renderList } from './js/list-view.js';
import { renderProjects } from './js/projects-view.js';
import { renderReleases } from './js/releases-view.js';

const KEY_STORAGE = 'error-tracker.api-key';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const live = document.getElementById('live');

const getKey = () => localStorage.getItem(KEY_STORAGE);
const api = createApi(getKey, () => signOut('Your API key is no longer accepted. Sign in again.'));

/** Each render gets a token; a slower, older render must not overwrite a newer one. */
let current = 0;

const ctx = {
  api,
  live,
  isCurrent: (token) => token === current,
  navigate(url, { replace: replaceEntry = false } = {}) {
    history[replaceEntry ? 'replaceState' : 'pushState'](null, '', url);
    route();
  },
};

function route({ focus = false } = {}) {
  const token = ++current;
  // Alerts sent by earlier releases linked to #/errors/<id>: open the error they meant.
  const legacy = /^#\/errors\/(\d+)$/.exec(location.hash);
  if (legacy) history.replaceState(null, '', `${location.pathname}?error=${legacy[1]}`);
  if (!getKey()) {
    nav.hidden = true;
    renderSignIn();
    return;
  }
  nav.hidden = false;
  const params = new URLSearchParams(location.search);
  const view = params.has('error') ? 'details' : ['projects', 'releases'].includes(params.get('view')) ? params.get('view') : 'list';
  for (const a of nav.querySelectorAll('a[data-view]')) {
    if (a.dataset.view === (view === 'details' ? 'list' : view)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (view === 'details') renderDetails(main, params, ctx, token);
  else if (view === 'projects') renderProjects(main, ctx, token);
  else if (view === 'releases') renderReleases(main, params, ctx, token);
  else renderList(main, params, ctx, token);
  if (focus) main.focus({ preventScroll: true });
}

function renderSignIn(notice) {
  document.title = 'Sign in · error-tracker';
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'sign-in-help sign-in-error' });
  const problem = h('p', { id: 'sign-in-error', class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  // method=post and no name on the input: even if this handler failed, the key would not end up in a URL.
  const form = h(
    'form',
    { class: 'sign-in card', method: 'post', action: '/', onsubmit: onSubmit },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'sign-in-help', class: 'muted' }, 'The operator key (API_KEY, or the one in data/api-key). It is kept in this browser until you sign out.'),
    problem,
    submit,
  );
  if (notice) replace(problem, notice);
  replace(main, form);
  input.focus();

  async function onSubmit(event) {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    replace(problem, 'Checking…');
    try {
      if (await api.checkKey(key)) {
        localStorage.setItem(KEY_STORAGE, key);
        route({ focus: true });
        return;
      }
      replace(problem, 'That API key was not accepted. Check it and try again.');
    } catch (err) {
      replace(problem, `Could not check the key: ${err.message}`);
    } finally {
      submit.disabled = false;
    }
    input.select();
  }
}

function signOut(notice) {
  localStorage.removeItem(KEY_STORAGE);
  current++;
  nav.hidden = true;
  renderSignIn(notice);
}

document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out.'));

// Same-page links (data-nav) change the view without reloading; modified clicks open new tabs as usual.
document.addEventListener('click', (event) => {
  const a = event.target instanceof Element ? event.target.closest('a[data-nav]') : null;
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  history.pushState(null, '', a.getAttribute('href'));
  route({ focus: true });
});
window.addEventListener('popstate', () => route());

route();
