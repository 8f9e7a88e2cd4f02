// Minified frames without a source map: the column joins the grouping key, so two errors on one bundle line stay two groups (pure).
import type { Frame } from '../stack/types.js';

/**
 * Past this column a line is generated code: style guides stop hand-written lines at 80-120
 * characters, minifiers write lines of many thousands.
 */
export const MINIFIED_COLUMN = 200;

const JS_FILE = /\.(?:m|c)?js$/i;
const WEB_URL = /^(?:https?|app):\/\//i;
/** `app.min.js`, `vendor-min.js`: minified by its own name, whatever the column. */
const MIN_NAME = /[.-]min\.(?:m|c)?js$/i;

/**
 * The column that keeps a minified crash frame apart from others on its line, or null for an
 * ordinary frame. Only JavaScript carries a column worth it (a `.js` file or a page's script URL),
 * and only when the frame is minified: its file says so (`.min.js`), or its column is beyond any
 * hand-written line. Python frames have no column and server frames stay far below it, so their
 * fingerprints never change. A frame that was source-mapped is grouped by its original line instead.
 */
export function minifiedColumn(frame: Frame | null): number | null {
  if (frame === null || frame.column === null || frame.line === null) return null;
  const path = frame.file;
  if (!JS_FILE.test(path) && !WEB_URL.test(path)) return null;
  return MIN_NAME.test(path) || frame.column > MINIFIED_COLUMN ? frame.column : null;
}
