// Checks that work grows linearly with input size, robustly on a shared, noisy machine.
import { expect } from 'vitest';

const KB = 1024;

/** Best of three runs, so one scheduler hiccup or GC pause does not decide a measurement. */
function time(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Runs `work` on inputs of 25 KB and 200 KB made by `make`: linear work takes about 8× as long,
 * quadratic 64×; the bound is 24×. Noise can push one measurement over it, quadratic work exceeds
 * it every time, so a measurement is retried a few times before the check fails.
 */
export function expectLinear<T>(make: (size: number) => T, work: (input: T) => void, { attempts = 5 } = {}): void {
  work(make(KB)); // warm the JIT so the first measurement is not compile time
  const small = make(25 * KB);
  const large = make(200 * KB);
  let last = { smallMs: 0, largeMs: 0, ratio: Infinity };
  for (let i = 0; i < attempts; i++) {
    const smallMs = time(() => work(small));
    const largeMs = time(() => work(large));
    // The floor absorbs timer noise on tiny times.
    last = { smallMs, largeMs, ratio: largeMs / Math.max(smallMs, 0.5) };
    if (largeMs < 1000 && last.ratio < 24) return;
  }
  expect(last.largeMs, '200 KB must finish in well under a second').toBeLessThan(1000);
  expect(last.ratio, `time grows faster than the input (${last.smallMs.toFixed(2)} ms -> ${last.largeMs.toFixed(2)} ms)`).toBeLessThan(24);
}
