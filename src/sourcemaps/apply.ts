// Frames with their source-map answers -> frames at their original location, with context and why a frame stayed minified (pure).
import { isInApp } from '../ingest/stack/parse.js';
import type { Frame } from '../ingest/stack/types.js';
import type { SourceContext } from './protocol.js';
import type { FrameMapping, UnmappedReason } from './symbolicator.js';

/** A frame as shown and grouped after mapping; `generated` is where the minified trace put it. */
export interface MappedFrame extends Frame {
  generated?: { file: string; line: number | null; column: number | null; function: string };
  context?: SourceContext;
  /** Set where a map was looked for and the frame could not be mapped. */
  unmapped?: UnmappedReason;
}

/**
 * A map's source as a developer names the file: bundlers write them relative to the map
 * (`../src/cart.js`) or under a namespace (`webpack://app/./src/cart.js`); the rebuilt bundle of the
 * same source names them the same, so its errors land in the same groups.
 */
export function tidySource(source: string): string {
  let s = source.replace(/^webpack:\/\/[^/]*\//, '');
  for (;;) {
    if (s.startsWith('./')) s = s.slice(2);
    else if (s.startsWith('../')) s = s.slice(3);
    else break;
  }
  return s === '' ? source : s;
}

/**
 * Innermost first in and out. A mapped frame's function is the original name written where its
 * caller (the next frame out) called it, as the map's `names` give it at that position; the
 * minified name when there is none. Library code bundled in (`node_modules/...`) is not in-app.
 */
export function applyMappings(frames: readonly Frame[], mappings: readonly (FrameMapping | undefined)[]): MappedFrame[] {
  return frames.map((frame, i) => {
    const m = mappings[i];
    if (m === undefined) return frame;
    if (m.status === 'unmapped') return { ...frame, unmapped: m.reason };
    const caller = mappings[i + 1];
    const name = caller?.status === 'mapped' && caller.original.name ? caller.original.name : frame.function;
    const file = tidySource(m.original.source);
    const mapped: MappedFrame = {
      file,
      line: m.original.line,
      column: m.original.column,
      function: name,
      inApp: isInApp(file, name),
      generated: { file: frame.file, line: frame.line, column: frame.column, function: frame.function },
    };
    if (m.original.context) mapped.context = m.original.context;
    return mapped;
  });
}

/** What the minified frame was, back from a mapped one (for source detection and the traceback's mark). */
export function generatedFrame(frame: MappedFrame): Frame | undefined {
  return frame.generated ? { ...frame.generated, inApp: frame.inApp } : undefined;
}
