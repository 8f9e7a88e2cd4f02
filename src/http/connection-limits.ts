// Socket-level limits of the HTTP server: request, header and idle timeouts, and connections per client address.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

export interface ConnectionLimits {
  /** The whole request, headers and body; 0 turns it off. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** An idle keep-alive connection. */
  keepAliveTimeoutMs: number;
  /** Open connections from one address; 0 turns the cap off. */
  maxPerAddress: number;
}

/** Node checks the two request timeouts on a timer (30 s by default), so a timeout of 10 s could take 40. */
function checkingIntervalMs(limits: ConnectionLimits): number {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs || Infinity);
  return Math.max(250, Math.min(5000, Math.floor(shortest / 4)));
}

/** Call before listen(): Node reads the checking interval when the server starts listening. */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits, logger: Logger): void {
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkingIntervalMs(limits);
  if (limits.maxPerAddress > 0) admitFirst(server, capPerAddress(limits.maxPerAddress, logger));
}

/**
 * Runs `admit` before Node's own connection listener, which sets up an HTTP parser and its state:
 * a refused socket costs only its accept. (Listeners added later run for every socket, as usual.)
 */
function admitFirst(server: Server, admit: (socket: Socket) => boolean): void {
  const node = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!admit(socket)) return;
    for (const listener of node) listener.call(server, socket);
  });
}

/**
 * True when the connection may stay. One over the cap is closed at once, before a byte of it is read: answering it would mean
 * waiting for its headers, which is what a slow client never sends. Logged once each time an address
 * reaches the cap, not per refused connection.
 */
export function capPerAddress(max: number, logger: Logger): (socket: Socket) => boolean {
  const open = new Map<string, number>();
  const atCap = new Set<string>();
  return (socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy(); // already gone
      return false;
    }
    const count = open.get(address) ?? 0;
    if (count >= max) {
      if (!atCap.has(address)) {
        atCap.add(address);
        logger.warn({ event: 'connection_cap', ip: address, max }, 'too many connections from one address; refusing more');
      }
      socket.destroy();
      return false;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
      if (left < max) atCap.delete(address);
    });
    return true;
  };
}
