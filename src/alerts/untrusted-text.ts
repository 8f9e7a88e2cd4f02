// Untrusted text (what a report says) made safe to show on one line of an alert, in any channel.

/**
 * Bidirectional controls: embeddings and overrides (U+202A-202E), isolates (U+2066-2069), the
 * left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C). An override in a
 * message can make `exe.gnp` read as `png.exe`, or push our own words around on the line.
 */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** C0 and C1 controls (CR, LF, tab, NEL, escape ...), DEL, and the Unicode line and paragraph separators. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * One line of plain text: every control and line break becomes a space (so a report cannot add a
 * line such as "Open: https://evil.example" under our own), every bidirectional control becomes
 * U+FFFD (visible, so the reader sees something was there), runs of white space collapse, and the
 * result is at most `max` characters, cut with an ellipsis. Header-safe (no CR/LF); HTML still
 * needs escaping.
 */
export function oneLine(s: string, max: number): string {
  const flat = s.replace(BIDI, '\ufffd').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Never cut a surrogate pair in half.
  let end = max - 1;
  const c = flat.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${flat.slice(0, end).trimEnd()}…`;
}
