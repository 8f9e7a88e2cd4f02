// The crash frame of a structured stack: the spec's rule, after the Go panic rules (pure).
import { pickCrashFrame } from '../stack/parse.js';
import type { Frame } from '../stack/types.js';

/** A frame with the module the SDK named (Go: the package; Python: the dotted module). */
export interface EventFrame extends Frame {
  module?: string;
}

export interface CrashContext {
  platform: string;
  level: string | undefined;
}

/** The runtime's own panic machinery, as Go prints it (`runtime.gopanic`, `panic(...)`, `runtime.sigpanic`). */
const PANIC_FUNCTION = /^(?:runtime\.)?(?:gopanic|panic\w*|sigpanic|goPanic\w*)$/;

const qualified = (f: EventFrame) => (f.module ? `${f.module}.${f.function}` : f.function);

function isRuntimePanic(f: EventFrame): boolean {
  const inRuntime = f.module === 'runtime' || f.function.startsWith('runtime.') || /(^|\/)runtime\/panic\.go$/.test(f.file);
  return inRuntime && PANIC_FUNCTION.test(f.function);
}

/**
 * Innermost first in, the frames the crash frame is picked from out. Go: the frames below the
 * runtime's panic frames when they are there; when the SDK dropped them (sentry-go filters the
 * `runtime` package), a recovered panic (`Recover` reports level fatal) whose innermost frame is a
 * function literal `X.funcN` of a function X still on the stack is the app's deferred recover
 * closure, not the crash: a deferred call only runs while its enclosing function is live.
 */
export function framesBelowPanic(frames: readonly EventFrame[], context: CrashContext): readonly EventFrame[] {
  const first = frames.findIndex(isRuntimePanic);
  if (first >= 0) {
    let last = first;
    while (last + 1 < frames.length && isRuntimePanic(frames[last + 1]!)) last++;
    if (last + 1 < frames.length) return frames.slice(last + 1);
  }
  if (context.platform === 'go' && context.level === 'fatal' && frames.length > 1) {
    const closure = /^(.+)\.func\d+(?:\.\d+)*$/.exec(qualified(frames[0]!));
    if (closure && frames.slice(1).some((f) => qualified(f) === closure[1])) return frames.slice(1);
  }
  return frames;
}

/** The innermost in-app frame below any panic machinery; the innermost such frame when none is in-app. */
export function crashFrameOf(frames: readonly EventFrame[], context: CrashContext): Frame | null {
  return pickCrashFrame(framesBelowPanic(frames, context) as Frame[]);
}
