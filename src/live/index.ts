// The live feed, put together: committed reports -> coalescer -> bus -> ring and streams; and the stream tokens.
import type { Logger } from '../logger.js';
import type { IngestListener } from '../store/types.js';
import { createCoalescer } from './coalescer.js';
import { createRing } from './ring.js';
import { createStreamTokens, type StreamTokens } from './stream-token.js';
import { createStreams, type Streams } from './streams.js';
import { createLocalBus, type LiveBus } from './types.js';

/** At most four messages a second per instance, whatever the ingest rate. */
export const INTERVAL_MS = 250;
/** Groups one message carries; more changed in one interval and the message says `more` (clients re-read). */
export const MAX_GROUPS_PER_MESSAGE = 200;
/** Resume window: at four messages a second, at least the last minute when messages are small. */
const RING = { maxMessages: 256, maxBytes: 1024 * 1024 };
/**
 * Beyond the kernel's socket buffers: about seven full messages (200 groups each), two seconds of a
 * burst. Every stream is written the same Buffer, so a slow stream holds references, not copies.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LiveOptions {
  operatorKey: string;
  maxClients: number;
  tokenSeconds: number;
  heartbeatSeconds: number;
  logger: Logger;
  now: () => Date;
  /** Where batches travel between instances; in-process by default. */
  bus?: LiveBus;
}

export interface Live {
  /** For the app's IngestListener: a map update, no I/O. */
  onIngested: IngestListener;
  tokens: StreamTokens;
  streams: Streams;
  /** Sends what is pending now rather than at the end of the interval (the micro-benchmark). */
  flush(): void;
  close(): Promise<void>;
}

export function createLive({ operatorKey, maxClients, tokenSeconds, heartbeatSeconds, logger, now, bus = createLocalBus() }: LiveOptions): Live {
  const ring = createRing(RING);
  const streams = createStreams({
    maxClients,
    heartbeatMs: heartbeatSeconds * 1000,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    stallMs: Math.max(30_000, 2 * heartbeatSeconds * 1000),
    ring,
    logger: logger.child({ component: 'live' }),
  });
  const unsubscribe = bus.subscribe((batch) => streams.broadcast(batch));
  const coalescer = createCoalescer({ intervalMs: INTERVAL_MS, maxGroups: MAX_GROUPS_PER_MESSAGE, onBatch: (batch) => bus.publish(batch) });
  return {
    onIngested: coalescer.note,
    tokens: createStreamTokens(operatorKey, tokenSeconds, now),
    streams,
    flush: coalescer.flush,
    async close() {
      coalescer.close();
      unsubscribe();
      await streams.close();
      await bus.close();
    },
  };
}
