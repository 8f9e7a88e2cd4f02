// Distinct users of a group: exact up to a cap, then a HyperLogLog; with the users of the last 24 hours. Pure, no I/O.
import { createHash } from 'node:crypto';
import type { PreparedReport } from './types.js';

/** Users counted exactly up to this many; beyond, estimated. */
export const USERS_EXACT_CAP = 256;
/** HyperLogLog precision: 2^12 registers (4 KB), a standard error of 1.04 / sqrt(4096) = 1.6%. */
const P = 12;
const M = 1 << P;
export const USERS_STANDARD_ERROR = 1.04 / Math.sqrt(M);
const HOUR_MS = 3_600_000;
/** The window of the 24-hour figure, in whole hours of arrival (the current one included). */
const WINDOW_HOURS = 24;

/** Who a report is about: user id, else email, else IP address; null when it names nobody. */
export function userKeyOf(r: PreparedReport): string | null {
  const u = r.details?.user;
  const id = u?.id ?? r.userId;
  if (id) return `id:${id}`;
  if (u?.email) return `email:${u.email}`;
  if (u?.ip_address) return `ip:${u.ip_address}`;
  return null;
}

/**
 * A user's hash: only this is ever stored. 32 bits in exact mode (two of 256 users collide with a
 * chance of 1 in 130,000), register index and rank (HyperLogLog), both from those 32 bits.
 */
export interface UserHash {
  key: number;
  index: number;
  rank: number;
}

export function hashUser(userKey: string): UserHash {
  const d = createHash('sha256').update(userKey).digest();
  return fromKey(d.readUInt32BE(0));
}

export const hourOf = (at: Date): number => Math.floor(at.getTime() / HOUR_MS);

export class UsersSketch {
  /** Exact mode: user hash -> the last hour (of arrival) it was seen. Null in HyperLogLog mode. */
  private exact: Map<number, number> | null = new Map();
  /** All-time registers (HyperLogLog mode). */
  private registers: Uint8Array | null = null;
  /**
   * The last 24 hours (HyperLogLog mode): per register, (hour, rank) pairs, hours rising and ranks
   * falling; a pair is dropped once a later one has a rank as high (it can never be the window's max).
   */
  private recent: Map<number, Array<[number, number]>> | null = null;
  /** The estimate, kept until a register changes (reading 4,096 registers per commit would cost more than the rest). */
  private estimated: number | null = null;

  /** Adds a user seen at `hour`; true when the sketch changed (and must be written). */
  add(h: UserHash, hour: number): boolean {
    if (this.exact) {
      const last = this.exact.get(h.key);
      if (last !== undefined && last >= hour) return false;
      this.exact.set(h.key, hour);
      if (this.exact.size > USERS_EXACT_CAP) this.toHyperLogLog();
      return true;
    }
    let changed = false;
    if (h.rank > this.registers![h.index]!) {
      this.registers![h.index] = h.rank;
      this.estimated = null;
      changed = true;
    }
    return this.addRecent(h.index, h.rank, hour) || changed;
  }

  /**
   * True when adding the user at `hour` would change neither figure: it is held already, seen that
   * hour or later. A sketch only grows, so what an older copy covers the newer one covers too.
   */
  covers(h: UserHash, hour: number): boolean {
    if (this.exact) return (this.exact.get(h.key) ?? -1) >= hour;
    const last = this.recent!.get(h.index)?.at(-1);
    return this.registers![h.index]! >= h.rank && last !== undefined && last[0] >= hour && last[1] >= h.rank;
  }

  private addRecent(index: number, rank: number, hour: number): boolean {
    let pairs = this.recent!.get(index);
    if (!pairs) this.recent!.set(index, (pairs = []));
    const last = pairs.at(-1);
    if (last && last[0] >= hour && last[1] >= rank) return false;
    while (pairs.length > 0 && pairs.at(-1)![1] <= rank) pairs.pop();
    pairs.push([hour, rank]);
    // Pairs fallen out of the window are of no use any more.
    while (pairs.length > 0 && pairs[0]![0] <= hour - WINDOW_HOURS) pairs.shift();
    return true;
  }

  private toHyperLogLog(): void {
    const entries = this.exact!;
    this.exact = null;
    this.registers = new Uint8Array(M);
    this.recent = new Map();
    // The exact mode kept the hashes: index and rank are read back from them.
    for (const [key, hour] of entries) {
      const h = fromKey(key);
      if (h.rank > this.registers[h.index]!) this.registers[h.index] = h.rank;
      this.addRecent(h.index, h.rank, hour);
    }
  }

  get isExact(): boolean {
    return this.exact !== null;
  }

  /** Distinct users so far (exact in exact mode). */
  count(): number {
    if (this.exact) return this.exact.size;
    this.estimated ??= estimate(this.registers!);
    return this.estimated;
  }

  /** Distinct users whose last report arrived in the 24 hours ending with `hour`. */
  countRecent(hour: number): number {
    const from = hour - WINDOW_HOURS + 1;
    if (this.exact) {
      let n = 0;
      for (const h of this.exact.values()) if (h >= from) n++;
      return n;
    }
    const regs = new Uint8Array(M);
    for (const [index, pairs] of this.recent!) {
      for (const [h, rank] of pairs) {
        if (h >= from) {
          regs[index] = rank;
          break;
        }
      }
    }
    return estimate(regs);
  }

  /** Mode byte, then exact: n × (key u32, hour u32); HyperLogLog: the registers, then n × (index u16, hour u32, rank u8). */
  serialize(): Buffer {
    if (this.exact) {
      const b = Buffer.alloc(1 + this.exact.size * 8);
      b[0] = 1;
      let o = 1;
      for (const [key, hour] of this.exact) {
        b.writeUInt32BE(key, o);
        b.writeUInt32BE(hour, o + 4);
        o += 8;
      }
      return b;
    }
    let pairs = 0;
    for (const p of this.recent!.values()) pairs += p.length;
    const b = Buffer.alloc(1 + M + pairs * 7);
    b[0] = 2;
    b.set(this.registers!, 1);
    let o = 1 + M;
    for (const [index, list] of this.recent!) {
      for (const [hour, rank] of list) {
        b.writeUInt16BE(index, o);
        b.writeUInt32BE(hour, o + 2);
        b[o + 6] = rank;
        o += 7;
      }
    }
    return b;
  }

  static deserialize(b: Buffer | Uint8Array): UsersSketch {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
    const s = new UsersSketch();
    if (buf[0] === 1) {
      for (let o = 1; o + 8 <= buf.length; o += 8) s.exact!.set(buf.readUInt32BE(o), buf.readUInt32BE(o + 4));
      return s;
    }
    s.exact = null;
    s.registers = new Uint8Array(buf.subarray(1, 1 + M));
    s.recent = new Map();
    for (let o = 1 + M; o + 7 <= buf.length; o += 7) {
      const index = buf.readUInt16BE(o);
      let list = s.recent.get(index);
      if (!list) s.recent.set(index, (list = []));
      list.push([buf.readUInt32BE(o + 2), buf[o + 6]!]);
    }
    return s;
  }
}

/** Index (the first 12 bits) and rank (the position of the first 1 bit in the other 20, capped at 21) of a 32-bit hash. */
function fromKey(key: number): UserHash {
  const rest = key & ((1 << (32 - P)) - 1);
  return { key, index: key >>> (32 - P), rank: rest !== 0 ? Math.clz32(rest) - P + 1 : 32 - P + 1 };
}

/** HyperLogLog's estimate, with linear counting while registers are still empty (small ranges). */
function estimate(regs: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < M; i++) {
    sum += 2 ** -regs[i]!;
    if (regs[i] === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / M);
  const raw = (alpha * M * M) / sum;
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(raw);
}
