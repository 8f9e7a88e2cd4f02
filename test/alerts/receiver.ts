// A real local HTTP receiver for channel tests: records every request, answers from a script (500s, 429 with Retry-After), then 200.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => Record<string, unknown>;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Answers for the next requests, in order; after them, 200. */
  script: Answer[];
  waitFor(n: number, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one); the same port again after a close, to play a receiver that comes back. */
export async function startReceiver(port = 0, script: Answer[] = []): Promise<Receiver> {
  const requests: Received[] = [];
  const r = { requests, script } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
      const answer = r.script.shift() ?? { status: 200, body: '{"id":1}' };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}`;
  r.waitFor = async (n, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (requests.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} requests, got ${requests.length}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    return requests;
  };
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
