// Issue 14, findings 1 and 2 against the real process: envelopes without a key neither stall the service nor swell its memory.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { expectUnharmed, legitimateIngest, send, sleep, startProbe, startTarget, sustain, type Reply, type Target } from './attack-harness.js';

let target: Target | undefined;
afterEach(async () => {
  await target?.stop();
  target = undefined;
});

/**
 * The request: a header without dsn, then 4 million tiny items. About 20 KB of gzip that
 * decodes to 20 MB (MAX_DECOMPRESSED_BYTES); the service used to decode and parse it all (seconds
 * of CPU, gigabytes for a hundred of them) before it answered 401.
 */
const ITEMS_BOMB = gzipSync(`{}\n${'{}\nx\n'.repeat(4_000_000)}`, { level: 9 });

/** From its own loopback address each (127.0.2.n), so the per-IP limits do not end the attack early. */
function fire(t: Target, n: number, offset = 0): Promise<Reply> {
  return send(t, {
    path: `/api/${t.project.id}/envelope/`,
    headers: { 'content-encoding': 'gzip', 'content-type': 'application/x-sentry-envelope' },
    body: ITEMS_BOMB,
    localAddress: `127.0.2.${((n + offset) % 200) + 1}`,
    timeoutMs: 20_000,
  });
}

/** 401, or 429 once an address is locked out for failing too often: refused either way. */
const refused = (r: Reply) => r.status === 401 || r.status === 429;

describe('envelopes without a key (finding 1: one small request froze the service)', () => {
  it('10 clients, each sending one every 250 ms for 3 s: all refused, /health p99 under 100 ms, honest clients served', { timeout: 90_000 }, async () => {
    target = await startTarget();
    expect(ITEMS_BOMB.length).toBeLessThan(32 * 1024);
    const probe = startProbe(target);
    await sleep(300);
    const attack = sustain(10, 250, 3000, (n) => fire(target!, n));
    await sleep(1000);
    const honest = await legitimateIngest(target, 'during the envelope attack');
    const replies = await attack;
    const health = await probe.stop();
    console.info(`keyless envelopes: ${replies.length} sent, /health and RSS:`, health);

    expect(replies.length).toBeGreaterThanOrEqual(10);
    expect(replies.filter((r) => !refused(r))).toEqual([]);
    expectUnharmed(health, honest);
  });
});

describe('envelopes without a key (finding 2: memory before authentication)', () => {
  it('100 clients, each sending one about every second for 3 s: RSS under 300 MB, /health p99 under 100 ms, honest clients served', { timeout: 90_000 }, async () => {
    target = await startTarget();
    const probe = startProbe(target);
    await sleep(300);
    const attack = sustain(100, 1000, 3000, (n) => fire(target!, n, 100));
    await sleep(1000);
    const honest = await legitimateIngest(target, 'during the memory attack');
    const replies = await attack;
    const health = await probe.stop();
    console.info(`keyless envelopes: ${replies.length} sent, /health and RSS:`, health);

    expect(replies.length).toBeGreaterThanOrEqual(100);
    expect(replies.filter((r) => !refused(r))).toEqual([]);
    expectUnharmed(health, honest);
  });
});
