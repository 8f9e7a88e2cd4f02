// The linear-time check itself: it passes linear work and fails quadratic work, by CPU time, whatever the load.
import { describe, expect, it } from 'vitest';
import { expectLinear } from './linear-time.js';

const KB = 1024;
const text = (n: number) => 'a'.repeat(n);

describe('expectLinear', () => {
  it('passes linear work (one scan of the input)', () => {
    expectLinear(text, (s) => {
      let n = 0;
      for (let i = 0; i < s.length; i++) n += s.charCodeAt(i);
      if (n < 0) throw new Error('unreachable');
    });
  });

  it('does not count time off the CPU, which is what other processes on a loaded machine cause', () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    expectLinear(text, (s) => {
      let n = 0;
      for (let round = 0; round < 20; round++) for (let i = 0; i < s.length; i++) n += s.charCodeAt(i);
      if (n < 0) throw new Error('unreachable');
      // Every large call waits 20 ms off the CPU, as if preempted: many times its work, by the wall clock.
      if (s.length >= 100 * KB) Atomics.wait(cell, 0, 0, 20);
    });
  });

  it('fails quadratic work (a scan from every position), on inputs small enough to stay quick', () => {
    // From every position, a scan to the end for a character that is not there.
    const quadratic = (s: string) => {
      let found = 0;
      for (let i = 0; i < s.length; i++) {
        for (let j = i; j < s.length; j++) if (s.charCodeAt(j) === 98) found++;
      }
      if (found > 0) throw new Error('unreachable');
    };
    expect(() => expectLinear(text, quadratic, { small: KB / 8, large: 8 * KB })).toThrow(/CPU time grows faster than the input/);
  });

  it('fails at once a call that uses more CPU than allowed', () => {
    const slow = (s: string) => {
      const end = process.cpuUsage().user + 60_000;
      while (s.length >= 100 * KB && process.cpuUsage().user < end);
    };
    expect(() => expectLinear(text, slow, { maxCallMicros: 50_000 })).toThrow(/one call on 200 KB used \d+ ms of CPU/);
  });
});
