// The recent messages, bounded in count and bytes, and what a reconnecting client with a Last-Event-ID is owed.
import { randomBytes } from 'node:crypto';

export interface RingMessage {
  seq: number;
  /** The whole SSE frame (id, event, data), encoded once and written as is to every stream. */
  frame: Buffer;
}

export type Resume = { kind: 'replay'; messages: RingMessage[] } | { kind: 'reload' };

export interface Ring {
  /** This process's prefix of event ids: an id from another process (a restart, another instance) cannot resume here. */
  readonly epoch: string;
  /** The id of the newest message, `<epoch>-<seq>` (seq 0 before any). */
  currentId(): string;
  /** Appends a message; `frameOf` gets its id and returns the frame to keep. */
  push(frameOf: (id: string) => Buffer): RingMessage;
  /** What follows `lastEventId`: the messages after it, or `reload` when they are no longer all kept (or the id is not ours). */
  resume(lastEventId: string): Resume;
}

export function createRing({ maxMessages, maxBytes }: { maxMessages: number; maxBytes: number }, epoch = randomBytes(4).toString('hex')): Ring {
  const kept: RingMessage[] = [];
  let bytes = 0;
  let seq = 0;
  const idOf = (n: number) => `${epoch}-${n}`;
  return {
    epoch,
    currentId: () => idOf(seq),
    push(frameOf) {
      seq += 1;
      const message = { seq, frame: frameOf(idOf(seq)) };
      kept.push(message);
      bytes += message.frame.length;
      while (kept.length > maxMessages || (bytes > maxBytes && kept.length > 1)) bytes -= kept.shift()!.frame.length;
      return message;
    },
    resume(lastEventId) {
      const m = /^([0-9a-f]+)-(\d{1,15})$/.exec(lastEventId);
      if (!m || m[1] !== epoch) return { kind: 'reload' };
      const after = Number(m[2]);
      if (after > seq) return { kind: 'reload' };
      // Everything after `after` must still be kept: the oldest kept message is at most after + 1.
      const oldest = kept.length > 0 ? kept[0]!.seq : seq + 1;
      if (oldest > after + 1) return { kind: 'reload' };
      return { kind: 'replay', messages: kept.filter((k) => k.seq > after) };
    },
  };
}
