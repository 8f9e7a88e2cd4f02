// The debug IDs a Sentry event names for its minified files (debug_meta.images, sent after `sentry-cli sourcemaps inject`) (pure).
import { stripQueryAndFragment } from '../ingest/stack/parse.js';

/** One minified file and the debug ID its source map was uploaded under. */
export interface DebugImage {
  code_file: string;
  debug_id: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Few files carry a page's frames; more would only be stored for nothing. */
export const MAX_DEBUG_IMAGES = 10;
const MAX_CODE_FILE = 1000;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A debug ID as the artifact store keys it: lowercase UUID with dashes (the SDKs send that, sentry-cli too). */
export function normaliseDebugId(v: unknown): string | undefined {
  if (typeof v !== 'string' || !UUID.test(v)) return undefined;
  const hex = v.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `{type: 'sourcemap', code_file, debug_id}` images of the event's files that frames name (the
 * browser SDK lists every file of the page that has one); anything malformed is left out.
 */
export function debugImagesOf(event: Obj, frameFiles: ReadonlySet<string>): DebugImage[] | undefined {
  const meta = isObj(event.debug_meta) ? event.debug_meta : undefined;
  const images = Array.isArray(meta?.images) ? meta.images : [];
  const out: DebugImage[] = [];
  for (const image of images) {
    if (out.length >= MAX_DEBUG_IMAGES) break;
    if (!isObj(image) || image.type !== 'sourcemap' || typeof image.code_file !== 'string') continue;
    const file = stripQueryAndFragment(image.code_file);
    const id = normaliseDebugId(image.debug_id);
    if (id === undefined || file.length > MAX_CODE_FILE || !frameFiles.has(file) || out.some((i) => i.code_file === file)) continue;
    out.push({ code_file: file, debug_id: id });
  }
  return out.length ? out : undefined;
}

/** The files an event's exception frames name (filename or abs_path, without query), for debugImagesOf. */
export function frameFilesOf(event: Obj): Set<string> {
  const files = new Set<string>();
  const exception = event.exception;
  const values = Array.isArray(exception) ? exception : isObj(exception) && Array.isArray(exception.values) ? exception.values : [];
  for (const e of values) {
    const frames = isObj(e) && isObj(e.stacktrace) && Array.isArray(e.stacktrace.frames) ? e.stacktrace.frames : [];
    for (const f of frames) {
      if (!isObj(f)) continue;
      if (typeof f.abs_path === 'string') files.add(stripQueryAndFragment(f.abs_path));
      if (typeof f.filename === 'string') files.add(stripQueryAndFragment(f.filename));
    }
  }
  return files;
}

/** code_file -> debug ID, for matching frames. */
export function debugIdIndex(images: readonly DebugImage[] | undefined): ReadonlyMap<string, string> {
  return new Map((images ?? []).map((i) => [i.code_file, i.debug_id]));
}
