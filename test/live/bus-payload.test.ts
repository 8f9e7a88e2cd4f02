// The live bus's payloads: under PostgreSQL's NOTIFY limit, whole batches in order, oversize groups left out with `more`, stray payloads ignored.
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, MAX_PAYLOAD_BYTES } from '../../src/live/bus-payload.js';
import type { ChangeBatch, GroupChange } from '../../src/live/types.js';

const AT = '2026-03-01T12:00:00.000Z';
const change = (id: number, extra: Partial<GroupChange> = {}): GroupChange => ({ id, project: 'shop', count: id * 3, last_seen: AT, new: false, regression: false, ...extra });
/** A new group with the summary at its largest (a 300-character message, non-ASCII so bytes exceed characters). */
const fresh = (id: number): GroupChange =>
  change(id, { new: true, exception_type: `Größe${id}Error`, message: 'ü'.repeat(300), source: 'server', file: `/srv/app/${'deep/'.repeat(20)}mod${id}.py`, line: id, first_seen: AT });

const roundTrip = (payloads: string[]) => payloads.map((p) => decodeBatch(p)!);

describe('encodeBatch', () => {
  it.each([
    ['an empty batch that says more', { groups: [], more: true, at: AT }],
    ['a few changed counts', { groups: [change(1), change(2)], more: false, at: AT }],
    ['one new group', { groups: [fresh(7)], more: false, at: AT }],
  ])('sends a small batch whole: %s', (_name, batch: ChangeBatch) => {
    const payloads = encodeBatch('abc', batch);
    expect(payloads).toHaveLength(1);
    expect(decodeBatch(payloads[0]!)).toEqual({ origin: 'abc', batch });
  });

  it('splits 200 new groups into payloads under the limit, the groups in order, `more` on the last', () => {
    const groups = Array.from({ length: 200 }, (_, i) => fresh(i + 1));
    for (const more of [false, true]) {
      const payloads = encodeBatch('abc', { groups, more, at: AT });
      expect(payloads.length).toBeGreaterThan(10);
      for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      const batches = roundTrip(payloads).map((m) => m.batch);
      expect(batches.flatMap((b) => b.groups)).toEqual(groups);
      expect(batches.map((b) => b.more)).toEqual(payloads.map((_, i) => more && i === payloads.length - 1));
      expect(new Set(batches.map((b) => b.at))).toEqual(new Set([AT]));
    }
  });

  it('fills each payload as far as the limit allows', () => {
    const payloads = encodeBatch('abc', { groups: Array.from({ length: 100 }, (_, i) => change(i + 1)), more: false, at: AT }, 1000);
    for (const p of payloads.slice(0, -1)) expect(Buffer.byteLength(p)).toBeGreaterThan(1000 - 120);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(1000);
  });

  it('leaves out a group too large for one payload, and says `more` so that clients re-read', () => {
    const huge = change(2, { new: true, exception_type: 'X'.repeat(MAX_PAYLOAD_BYTES), first_seen: AT });
    const batches = roundTrip(encodeBatch('abc', { groups: [change(1), huge, change(3)], more: false, at: AT })).map((m) => m.batch);
    expect(batches.flatMap((b) => b.groups.map((g) => g.id))).toEqual([1, 3]);
    expect(batches.at(-1)!.more).toBe(true);
  });
});

describe('decodeBatch', () => {
  it.each([
    ['not JSON', 'hello'],
    ['JSON of another shape', '{"a":1}'],
    ['no origin', '{"b":{"groups":[],"more":false,"at":"x"}}'],
    ['groups not an array', '{"o":"x","b":{"groups":{},"more":false,"at":"x"}}'],
    ['a group without an id', '{"o":"x","b":{"groups":[{"project":"p","count":1}],"more":false,"at":"x"}}'],
    ['more not a boolean', '{"o":"x","b":{"groups":[],"more":"yes","at":"x"}}'],
    ['null', 'null'],
  ])('ignores %s', (_name, payload) => {
    expect(decodeBatch(payload)).toBeUndefined();
  });
});
