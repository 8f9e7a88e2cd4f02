// Signals: a repeat of the first signal (Ctrl-C under npm arrives twice) is one request; a later one exits at once.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { handleSignals, SAME_SIGNAL_MS } from '../src/shutdown.js';

const listeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
afterEach(() => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) if (!listeners[signal].includes(l)) process.removeListener(signal, l);
  }
});

function setup() {
  let clock = 1_000_000;
  const exits: number[] = [];
  let runs = 0;
  const never = new Promise<void>(() => {}); // a shutdown still in progress
  handleSignals({
    steps: [{ name: 'work', run: () => ((runs += 1), never) }],
    timeoutMs: 60_000,
    logger: createLogger('error'),
    exit: (code) => exits.push(code),
    now: () => clock,
  });
  return { exits, runs: () => runs, advance: (ms: number) => (clock += ms) };
}

describe('handleSignals', () => {
  it('counts the same signal again within the window as the first one', async () => {
    const s = setup();
    process.emit('SIGINT', 'SIGINT');
    s.advance(SAME_SIGNAL_MS - 1);
    process.emit('SIGINT', 'SIGINT');
    await new Promise((r) => setImmediate(r));
    expect(s.runs()).toBe(1);
    expect(s.exits).toEqual([]);
  });

  it('exits at once on a second signal after the window', () => {
    const late = setup();
    process.emit('SIGTERM', 'SIGTERM');
    late.advance(SAME_SIGNAL_MS);
    process.emit('SIGTERM', 'SIGTERM');
    expect(late.exits).toEqual([1]);
  });

  it('exits at once on a different signal, however soon', () => {
    const other = setup();
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT');
    expect(other.exits).toEqual([1]);
  });
});
