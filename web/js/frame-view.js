// One frame of the Frames list: where it is, its source context when a source map gave it, and why it stayed minified when not.
import { h } from './dom.js';

/** Why a frame that a source map was looked for could not be mapped, as the reader needs it. */
const UNMAPPED = {
  no_map: 'not mapped: no source map was uploaded for this file',
  debug_id_unknown: 'not mapped: no uploaded bundle has the debug ID this event names for its file',
  no_mapping: 'not mapped: the source map has no mapping at this line and column',
  map_invalid: 'not mapped: the uploaded source map cannot be read',
  map_too_large: 'not mapped: the source map is larger than half of SOURCEMAP_CACHE_MB',
  unavailable: 'not mapped: mapping took too long; reload to try again',
};

const where = (file, line, column) => `${file}${line !== null && line !== undefined ? `:${line}` : ''}${column !== null && column !== undefined ? `:${column}` : ''}`;

/** The frame's row: function, location, tags, then the mapped source around its line (open for the crash frame). */
export function frameItem(fr, isCrash) {
  return h(
    'li',
    { class: [isCrash ? 'crash' : fr.in_app ? '' : 'lib', fr.generated ? 'mapped' : ''].filter(Boolean).join(' ') },
    h('span', { class: 'fn' }, fr.function || '(anonymous)'),
    ' ',
    h('span', { class: 'loc' }, where(fr.file, fr.line, fr.column)),
    isCrash ? h('span', { class: 'tag crash-tag' }, 'crash frame') : fr.in_app ? null : h('span', { class: 'tag' }, 'library'),
    fr.generated ? h('span', { class: 'tag mapped-tag', title: 'mapped with an uploaded source map' }, 'source map') : null,
    fr.generated ? h('div', { class: 'generated muted' }, 'minified: ', h('span', { class: 'loc' }, where(fr.generated.file, fr.generated.line, fr.generated.column))) : null,
    fr.unmapped ? h('div', { class: 'unmapped' }, UNMAPPED[fr.unmapped] ?? `not mapped: ${fr.unmapped}`) : null,
    fr.context ? sourceContext(fr, isCrash) : null,
  );
}

/** The lines around the frame's line, numbered, the frame's own line marked; collapsed except for the crash frame. */
function sourceContext(fr, open) {
  const first = fr.line - fr.context.pre.length;
  const row = (n, text, current) =>
    h(current ? 'mark' : 'span', { class: current ? 'ctx-line ctx-current' : 'ctx-line' }, h('span', { class: 'ctx-no', 'aria-hidden': 'true' }, String(n)), text || ' ');
  const lines = [
    ...fr.context.pre.map((l, i) => row(first + i, l, false)),
    row(fr.line, fr.context.line, true),
    ...fr.context.post.map((l, i) => row(fr.line + 1 + i, l, false)),
  ];
  return h(
    'details',
    { class: 'source-context', open },
    h('summary', {}, `Source: ${fr.file}`),
    h('pre', { class: 'context', tabindex: 0, 'aria-label': `Source around ${fr.file} line ${fr.line}` }, lines),
  );
}
