// A real HTTP receiver on 127.0.0.1 that records each request (raw body included) and answers as a test tells it.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived (what an HMAC is computed over). */
  raw: Buffer;
  text: string;
  json: () => any;
}

export type Answer = (req: Received, res: ServerResponse) => void;

export interface Receiver {
  origin: string;
  received: Received[];
  /** How the next requests are answered (default 200 "ok"). */
  answer: Answer;
  close: () => Promise<void>;
}

export async function startReceiver(answer: Answer = (_r, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = { origin: '', received, answer, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, text: raw.toString('utf8'), json: () => JSON.parse(raw.toString('utf8')) };
      received.push(r);
      receiver.answer(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}
