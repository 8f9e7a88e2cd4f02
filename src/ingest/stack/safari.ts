// Tells JavaScriptCore (Safari) stacks from SpiderMonkey (Firefox) ones; both are parsed by the `fn@url` grammar in firefox.ts.
import { asyncCauseLength } from './firefox.js';

/**
 * Counts lines only one engine prints. Plain `fn@url:line:col` lines are identical in both, so a
 * stack with no telling line (or a tie) is reported as Firefox; either label means "browser".
 */
export function looksLikeSafari(lines: readonly string[]): boolean {
  let safari = 0;
  let firefox = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (isJscLine(line)) safari++;
    else if (isSpiderMonkeyLine(line)) firefox++;
  }
  return safari > firefox;
}

/** `[native code]` frames, JSC's names for top-level code, and eval frames printed with no location. */
function isJscLine(line: string): boolean {
  if (line === '[native code]' || line.endsWith('@[native code]')) return true;
  if (line.startsWith('global code@') || line.startsWith('module code@') || line.startsWith('eval code')) return true;
  return line.length > 1 && line.endsWith('@') && !line.includes(' ');
}

/** Eval/Function call sites, async-cause labels (`async*`), inferred names (`outer/<`), old argument lists (`f(1)@`). */
function isSpiderMonkeyLine(line: string): boolean {
  if (line.includes(' > eval') || line.includes(' > Function') || line.includes('/<@') || line.includes(')@')) return true;
  const at = line.indexOf('@');
  return at > 0 && asyncCauseLength(line.slice(0, at)) > 0;
}
