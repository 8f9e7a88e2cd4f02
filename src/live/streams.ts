// The open Server-Sent Event streams: resume on connect, one encoded frame written to all, heartbeats, slow clients dropped.
import type { ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { Ring } from './ring.js';
import type { ChangeBatch } from './types.js';

export interface StreamsOptions {
  maxClients: number;
  /** A comment line this often keeps proxies from closing an idle stream (and finds dead peers). */
  heartbeatMs: number;
  /** What may wait in a stream's buffers beyond the kernel's; past it the client is dropped. */
  maxBufferedBytes: number;
  /** A stream that has taken nothing for this long (its buffer never drained) is dropped too. */
  stallMs: number;
  ring: Ring;
  logger: Logger;
}

export interface Streams {
  hasRoom(): boolean;
  size(): number;
  /** Takes over the response: headers, the greeting, the replay owed to `lastEventId`. `ip` is for the log. */
  open(ip: string, res: ServerResponse, lastEventId: string | undefined): void;
  broadcast(batch: ChangeBatch): void;
  /** Ends every stream (those that cannot take the last bytes are cut) and refuses new ones. */
  close(): Promise<void>;
}

interface Stream {
  res: ServerResponse;
  ip: string;
  /** When the stream's buffer last went over Node's high-water mark without draining since; 0 when it is flowing. */
  stalledSince: number;
}

/** EventSource waits this long before its own reconnect (the page schedules its own, with backoff). */
const RETRY_MS = 3000;
const HEARTBEAT = Buffer.from(': keep-alive\n\n');

export function createStreams({ maxClients, heartbeatMs, maxBufferedBytes, stallMs, ring, logger }: StreamsOptions): Streams {
  const open = new Set<Stream>();
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;

  const drop = (s: Stream, reason: string) => {
    open.delete(s);
    logger.warn({ event: 'stream_dropped', reason, ip: s.ip, buffered: s.res.writableLength }, 'live stream dropped: the client does not keep up');
    s.res.destroy();
  };

  /** Writes, then checks the stream still keeps up: one slow reader must not grow the process's memory. */
  const send = (s: Stream, frame: Buffer) => {
    if (s.res.destroyed) return;
    s.res.write(frame);
    if (s.res.writableLength > maxBufferedBytes) return drop(s, 'buffer');
    if (s.res.writableNeedDrain && s.stalledSince === 0) {
      s.stalledSince = Date.now();
      s.res.once('drain', () => (s.stalledSince = 0));
    }
  };

  const beat = () => {
    const now = Date.now();
    for (const s of open) {
      if (s.stalledSince !== 0 && now - s.stalledSince > stallMs) drop(s, 'stalled');
      else send(s, HEARTBEAT);
    }
  };

  return {
    hasRoom: () => !closed && open.size < maxClients,
    size: () => open.size,
    open(ip, res, lastEventId) {
      const s: Stream = { res, ip, stalledSince: 0 };
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // nginx would otherwise buffer the stream; Connection: close so an ended stream frees its socket at once.
        'x-accel-buffering': 'no',
        connection: 'close',
      });
      open.add(s);
      res.on('close', () => open.delete(s));
      if (heartbeat === undefined) {
        heartbeat = setInterval(beat, heartbeatMs);
        heartbeat.unref();
      }
      const resume = lastEventId === undefined ? undefined : ring.resume(lastEventId);
      if (resume === undefined) {
        // The current id, so that a reconnect before the first change still resumes from here.
        send(s, Buffer.from(`retry: ${RETRY_MS}\nid: ${ring.currentId()}\nevent: hello\ndata: {"resumed":false}\n\n`));
      } else if (resume.kind === 'reload') {
        send(s, Buffer.from(`retry: ${RETRY_MS}\nid: ${ring.currentId()}\nevent: reload\ndata: {"reason":"the changes since your last event are no longer kept"}\n\n`));
      } else {
        send(s, Buffer.from(`retry: ${RETRY_MS}\nevent: hello\ndata: {"resumed":true,"replayed":${resume.messages.length}}\n\n`));
        for (const m of resume.messages) send(s, m.frame);
      }
    },
    broadcast(batch) {
      const message = ring.push((id) => Buffer.from(`id: ${id}\nevent: changes\ndata: ${JSON.stringify(batch)}\n\n`));
      for (const s of open) send(s, message.frame);
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      const ending = [...open].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.res.once('close', () => resolve());
            // A stream still holding unsent bytes would hold the shutdown until its client reads them.
            if (s.res.writableLength > 0) s.res.destroy();
            else s.res.end();
            setTimeout(() => (s.res.destroy(), resolve()), 1000).unref();
          }),
      );
      open.clear();
      await Promise.all(ending);
    },
  };
}
