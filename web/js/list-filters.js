// The list's filters on what groups saw (tag, release, environment, level), kept in the address like the others.
import { h } from './dom.js';

const LEVELS = ['fatal', 'error', 'warning', 'info', 'debug'];

/** From the URL: `tag` may repeat (`tag=browser:Firefox&tag=region:eu`). */
export function eventFiltersFrom(params) {
  const level = LEVELS.includes(params.get('level')) ? params.get('level') : '';
  return { tags: params.getAll('tag').filter((t) => /^[^:]+:.+/.test(t)), release: params.get('release') ?? '', environment: params.get('environment') ?? '', level };
}

/** Adds the set filters to URL parameters (defaults left out). */
export function setEventFilters(p, f) {
  for (const t of f.tags ?? []) p.append('tag', t);
  if (f.release) p.set('release', f.release);
  if (f.environment) p.set('environment', f.environment);
  if (f.level) p.set('level', f.level);
}

/** The API's query for them. */
export function eventFilterQuery(f) {
  return { tag: f.tags?.length ? f.tags : undefined, release: f.release, environment: f.environment, level: f.level };
}

export function hasEventFilters(f) {
  return Boolean(f.tags?.length || f.release || f.environment || f.level);
}

/**
 * The inputs; `apply(changes)` navigates. Tags are typed as `key:value`, several separated by
 * spaces; each becomes its own `tag` parameter (all must match).
 */
export function eventFilterFields(f, apply) {
  const input = (id, value, placeholder) => h('input', { id, type: 'text', value, placeholder, autocomplete: 'off', spellcheck: 'false' });
  const tags = input('f-tags', (f.tags ?? []).join(' '), 'key:value');
  const release = input('f-release', f.release, 'any');
  const environment = input('f-environment', f.environment, 'any');
  const level = h('select', { id: 'f-level' }, h('option', { value: '' }, 'Any level'), LEVELS.map((l) => h('option', { value: l, selected: l === f.level }, l)));
  const read = () => ({
    tags: tags.value.split(/\s+/).filter((t) => /^[^:]+:.+/.test(t)),
    release: release.value.trim(),
    environment: environment.value.trim(),
    level: level.value,
  });
  for (const el of [tags, release, environment]) el.addEventListener('change', () => apply(read()));
  level.addEventListener('change', () => apply(read()));
  const field = (label, id, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
  return h('div', { class: 'filters-more' }, field('Tags', 'f-tags', tags), field('Release', 'f-release', release), field('Environment', 'f-environment', environment), field('Level', 'f-level', level));
}
