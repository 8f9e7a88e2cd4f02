// Checks that work grows linearly with input size, in CPU time, which other processes on a loaded machine do not inflate.
import { expect } from 'vitest';

const KB = 1024;

/**
 * CPU time this process has used, in microseconds. The wall clock also counts the time other
 * processes held the CPU: on a busy machine a 200 KB run took 66 times a 25 KB one for that
 * alone. CPU time counts only work done here (the kernel brings the calling thread's share up to
 * date on each read), so it grows with the work, not with the load.
 */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Rounds last at least this much CPU time, so the clock's granularity and one call's jitter do not matter. */
const ROUND_MICROS = 15_000;
/** A failing ratio is measured this many times in all before it fails the test. */
const ATTEMPTS = 3;
/** A single call past this much CPU time fails at once: no need to measure it further. */
const MAX_CALL_MICROS = 1_000_000;

/** CPU microseconds per call of `run`: calls repeated until a round has lasted ROUND_MICROS. */
function perCall(run: () => void): number {
  let calls = 0;
  const start = cpuMicros();
  let spent = 0;
  do {
    run();
    calls++;
    spent = cpuMicros() - start;
  } while (spent < ROUND_MICROS);
  return spent / calls;
}

export interface LinearOptions {
  /** Input sizes in bytes. */
  small?: number;
  large?: number;
  /** Rounds per size (the best counts); interleaved, so a slow phase hits both sizes alike. */
  rounds?: number;
  /** CPU time one call on the large input may take at most. */
  maxCallMicros?: number;
}

/**
 * Runs `work` on inputs of 3.125 KB and 200 KB (64 times as much) made by `make`, and compares CPU
 * time per call: linear work takes about 64 times as long on the larger input, quadratic 4096
 * times. The bound, 512, lies a factor of 8 from each, because the cost per byte is not flat even
 * for linear work: past about 64 KB V8 allocates strings apart and they leave the CPU's caches
 * (URL parsing measured 2 us per KB at 12.5 KB, 7-10 at 100-800 KB, more while other processes
 * crowd the caches), and a per-call constant weighs more on the small input. A quadratic step in
 * a parser shows as thousands. The best of interleaved rounds per size is compared, and a failing
 * ratio is measured again before it counts, so one GC pause does not decide. The large input is
 * tried once first: past a second of CPU it fails at once.
 */
export function expectLinear<T>(make: (size: number) => T, work: (input: T) => void, { small = 200 * KB / 64, large = 200 * KB, rounds = 3, maxCallMicros = MAX_CALL_MICROS }: LinearOptions = {}): void {
  work(make(KB)); // warm the JIT so the first measurement is not compile time
  const smallInput = make(small);
  const largeInput = make(large);
  const once = cpuMicros();
  work(largeInput);
  const firstCall = cpuMicros() - once;
  expect(firstCall, `one call on ${large / KB} KB used ${(firstCall / 1000).toFixed(0)} ms of CPU`).toBeLessThan(maxCallMicros);
  const expected = large / small;
  const bound = Math.sqrt(expected * expected * expected); // the geometric mean of linear and quadratic growth
  let last = { smallBest: 0, largeBest: 0, ratio: Infinity };
  for (let attempt = 0; attempt < ATTEMPTS && last.ratio >= bound; attempt++) {
    let smallBest = Infinity;
    let largeBest = Infinity;
    for (let i = 0; i < rounds; i++) {
      smallBest = Math.min(smallBest, perCall(() => work(smallInput)));
      largeBest = Math.min(largeBest, perCall(() => work(largeInput)));
    }
    // The floor keeps a near-free small call (a few microseconds) from making a ratio of noise.
    last = { smallBest, largeBest, ratio: largeBest / Math.max(smallBest, 2) };
    // LINEAR_TIME_REPORT=1 prints each ratio against its expectation, to see the margins on a machine.
    if (process.env.LINEAR_TIME_REPORT) process.stderr.write(`linear-time ratio/expected ${(last.ratio / expected).toFixed(2)} ${expect.getState().currentTestName}\n`);
  }
  expect(last.ratio, `CPU time grows faster than the input: ${last.smallBest.toFixed(1)} us -> ${last.largeBest.toFixed(1)} us per call for ${expected}x the input`).toBeLessThan(bound);
}
