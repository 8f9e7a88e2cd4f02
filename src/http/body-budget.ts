// One budget of bytes for all request bodies in flight, so many concurrent uploads cannot exhaust memory.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';

export interface BodyBudget {
  /** Bytes held by bodies in flight now. */
  readonly inUse: () => number;
  /**
   * An account for one request: what it takes is given back once, when its response is done
   * (sent, or the connection gone), since the body lives until the handler has finished with it.
   */
  open: (response: ServerResponse) => BodyAccount;
}

export interface BodyAccount {
  /** False, taking nothing, when the budget cannot cover `bytes`. */
  take: (bytes: number) => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    bodyAccount?: BodyAccount;
  }
  interface FastifyContextConfig {
    /**
     * 'declared' (the default): the route's body is reserved by its Content-Length before it is
     * read. 'as-read': the route's own parser takes bytes as it decodes them (compressed bodies,
     * and bodies read before the request is authenticated).
     */
    bodyBudget?: 'declared' | 'as-read';
  }
}

export function createBodyBudget(totalBytes: number): BodyBudget {
  let inUse = 0;
  return {
    inUse: () => inUse,
    open(response) {
      let held = 0;
      response.once('close', () => {
        inUse -= held;
        held = 0;
      });
      return {
        take(bytes) {
          if (inUse + bytes > totalBytes) return false;
          inUse += bytes;
          held += bytes;
          return true;
        },
      };
    },
  };
}

/**
 * Reserves each body before it is read: by its Content-Length (at most `maxBodyBytes`, which
 * Fastify enforces), or `maxBodyBytes` when it is chunked. Runs after the onRequest hooks, so only
 * requests that passed authentication get this far; over budget they get a retryable 503.
 */
export function reserveBodies(app: FastifyInstance, budget: BodyBudget, maxBodyBytes: number): void {
  app.addHook('preParsing', (request, reply, payload, done) => {
    const length = request.headers['content-length'];
    if ((length === undefined || length === '0') && request.headers['transfer-encoding'] === undefined) return done(null, payload);
    const account = budget.open(reply.raw);
    request.bodyAccount = account;
    if (request.routeOptions.config.bodyBudget === 'as-read') return done(null, payload);
    const declared = length === undefined ? maxBodyBytes : Math.min(Number(length) || 0, maxBodyBytes);
    if (!account.take(declared)) return done(errors.serverBusy(), payload);
    done(null, payload);
  });
}
