// Socket limits on a plain Node server (in process, loopback), and how the configuration sets them.
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { applyConnectionLimits, type ConnectionLimits } from '../../src/http/connection-limits.js';
import { createLogger } from '../../src/logger.js';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(limits: ConnectionLimits): Promise<{ port: number; log: () => string }> {
  let log = '';
  const sink = new Writable({ write: (chunk, _e, cb) => ((log += String(chunk)), cb()) });
  server = createServer((_req, res) => res.end('ok'));
  applyConnectionLimits(server, limits, createLogger('warn', sink));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, log: () => log };
}

interface Client {
  socket: Socket;
  closed: Promise<void>;
  received: () => string;
}
function client(port: number, localAddress: string, send = ''): Client {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  let received = '';
  socket.on('data', (d) => (received += d));
  socket.on('error', () => {});
  socket.on('connect', () => send && socket.write(send));
  return { socket, closed: new Promise((r) => socket.on('close', () => r())), received: () => received };
}
const connected = (c: Client) => new Promise<void>((r) => (c.socket.readyState === 'open' ? r() : c.socket.once('connect', () => r())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base: ConnectionLimits = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 60_000, maxPerAddress: 0 };
const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

describe('connections per address', () => {
  it('closes a connection over the cap at once, counts per address, and admits again once one closes', async () => {
    const { port, log } = await serve({ ...base, maxPerAddress: 2 });
    const a = client(port, '127.0.5.1');
    const b = client(port, '127.0.5.1');
    await Promise.all([connected(a), connected(b)]);
    const over = client(port, '127.0.5.1', GET);
    await over.closed;
    expect(over.received()).toBe('');
    // Another address has its own count.
    const other = client(port, '127.0.5.2', GET);
    await new Promise((r) => other.socket.once('data', r));
    expect(other.received()).toContain('200 OK');
    a.socket.destroy();
    // Admitted again once the server has seen that close (bounded retries, no fixed wait).
    let again = client(port, '127.0.5.1', GET);
    for (let i = 0; i < 50; i++) {
      await Promise.race([new Promise((r) => again.socket.once('data', r)), again.closed]);
      if (again.received() !== '') break;
      again = client(port, '127.0.5.1', GET);
    }
    expect(again.received()).toContain('200 OK');
    expect(log().match(/"event":"connection_cap"/g)).toHaveLength(1);
  });

  it('0 turns the cap off', async () => {
    const { port } = await serve({ ...base, maxPerAddress: 0 });
    const many = Array.from({ length: 20 }, () => client(port, '127.0.5.3', GET));
    await Promise.all(many.map((c) => new Promise((r) => c.socket.once('data', r))));
    expect(many.every((c) => c.received().includes('200 OK'))).toBe(true);
  });
});

describe('timeouts', () => {
  it('headers never finished: 408 and closed after the headers timeout', async () => {
    const { port } = await serve({ ...base, requestTimeoutMs: 2000, headersTimeoutMs: 1000 });
    const slow = client(port, '127.0.5.4', 'GET / HTTP/1.1\r\nHost: x\r\n');
    await Promise.race([slow.closed, sleep(10_000)]);
    expect(slow.socket.destroyed).toBe(true);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { port } = await serve({ ...base, keepAliveTimeoutMs: 500 });
    const idle = client(port, '127.0.5.5', GET);
    await new Promise((r) => idle.socket.once('data', r));
    await Promise.race([idle.closed, sleep(10_000)]);
    expect(idle.socket.destroyed).toBe(true);
  });
});

describe('configuration', () => {
  it('defaults: 30 s request, 10 s headers, 72 s idle, 1024 per address; no cap by default behind a proxy', () => {
    expect(loadConfig({}).connections).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, maxPerAddress: 1024 });
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1' }).connections.maxPerAddress).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_ADDRESS: '5000' }).connections.maxPerAddress).toBe(5000);
  });

  it('reads each variable', () => {
    const c = loadConfig({ REQUEST_TIMEOUT_SECONDS: '0', HEADERS_TIMEOUT_SECONDS: '5', KEEP_ALIVE_TIMEOUT_SECONDS: '90', MAX_CONNECTIONS_PER_ADDRESS: '0', MAX_BODY_BYTES_IN_FLIGHT: String(32 * 1024 * 1024) });
    expect(c.connections).toEqual({ requestTimeoutMs: 0, headersTimeoutMs: 5000, keepAliveTimeoutMs: 90_000, maxPerAddress: 0 });
    expect(c.maxBodyBytesInFlight).toBe(32 * 1024 * 1024);
  });

  it('the budget for bodies in flight defaults to 64 MiB, or the largest body allowed when that is more', () => {
    expect(loadConfig({}).maxBodyBytesInFlight).toBe(64 * 1024 * 1024);
    expect(loadConfig({ MAX_DECOMPRESSED_BYTES: String(100 * 1024 * 1024) }).maxBodyBytesInFlight).toBe(100 * 1024 * 1024);
  });

  it('refuses a headers timeout over the request timeout, and a budget smaller than one body', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.split(':')[0]);
      }
    };
    expect(problems({ REQUEST_TIMEOUT_SECONDS: '5', HEADERS_TIMEOUT_SECONDS: '10' })).toEqual(['HEADERS_TIMEOUT_SECONDS']);
    expect(problems({ MAX_BODY_BYTES_IN_FLIGHT: '1000000' })).toEqual(['MAX_BODY_BYTES_IN_FLIGHT']);
    expect(problems({ MAX_CONNECTIONS_PER_ADDRESS: 'many', KEEP_ALIVE_TIMEOUT_SECONDS: '0' }).sort()).toEqual(['KEEP_ALIVE_TIMEOUT_SECONDS', 'MAX_CONNECTIONS_PER_ADDRESS']);
  });
});
