// The main thread's side of the mapping worker: one request per map and report, answered or timed out, the worker restarted if it dies.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MapRequest, MapResponse, WorkerSettings } from './protocol.js';

/**
 * The compiled worker beside this module. Under vitest this module is the TypeScript in src/, which
 * Node 20 cannot run as a worker: the compiled one in dist/ is used, built by the test run's global
 * setup as `npm start` builds it.
 */
export function workerPath(): string {
  const beside = fileURLToPath(new URL('./map-worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../dist/sourcemaps/map-worker.js', import.meta.url));
}

export type Answer = MapResponse | { kind: 'unavailable' };

export interface WorkerClient {
  request(request: Omit<MapRequest, 'id'>): Promise<Answer>;
  close(): Promise<void>;
}

export interface WorkerClientOptions extends WorkerSettings {
  /** A request not answered within it is given up (the frames stay unmapped): no report waits longer. */
  timeoutMs: number;
  onError?: (err: Error) => void;
}

/** Heap of the worker: the cache it is told to keep, and room to parse one map beside it. */
function heapMb(cacheBytes: number): number {
  return Math.ceil((2 * cacheBytes) / 1024 / 1024) + 64;
}

export function createWorkerClient(options: WorkerClientOptions): WorkerClient {
  const pending = new Map<number, { resolve: (a: Answer) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let worker: Worker | null = null;
  let closed = false;

  const settle = (id: number, answer: Answer) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(answer);
  };

  const start = (): Worker => {
    const settings: WorkerSettings = { cacheBytes: options.cacheBytes, contextLines: options.contextLines };
    const w = new Worker(workerPath(), { workerData: settings, resourceLimits: { maxOldGenerationSizeMb: heapMb(options.cacheBytes) } });
    // Never what keeps the process alive: the service's shutdown closes it, tests may not.
    w.unref();
    w.on('message', (m: MapResponse) => settle(m.id, m));
    w.on('error', (err) => options.onError?.(err));
    w.on('exit', () => {
      if (worker === w) worker = null;
      // What it was working on is lost with it; the next request starts a new worker.
      for (const id of [...pending.keys()]) settle(id, { kind: 'unavailable' });
    });
    return w;
  };

  return {
    request(request) {
      if (closed) return Promise.resolve({ kind: 'unavailable' });
      worker ??= start();
      const id = nextId++;
      return new Promise<Answer>((resolve) => {
        const timer = setTimeout(() => settle(id, { kind: 'unavailable' }), options.timeoutMs);
        timer.unref();
        pending.set(id, { resolve, timer });
        worker!.postMessage({ ...request, id } satisfies MapRequest);
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = null;
      for (const id of [...pending.keys()]) settle(id, { kind: 'unavailable' });
      if (w) await w.terminate();
    },
  };
}
