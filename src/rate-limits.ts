// Per-IP request budgets on /api: one for reporting clients (and anyone without a key), one for the operator.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from './errors.js';

export interface RateLimitOptions {
  /** Reporting clients, ingest keys and unauthenticated callers; 0 turns every limit off. */
  perMinute: number;
  /** Requests that present the valid operator key in X-Api-Key; 0 leaves them unlimited. */
  operatorPerMinute: number;
  /** Whether the request carries the valid operator key (constant-time, memoised per request). */
  isOperator: (request: FastifyRequest) => boolean;
}

/**
 * An application flooding reports from the operator's network must not lock the operator out of
 * the UI mid-incident, so a valid operator key draws on a budget of its own. A wrong key is just
 * another client: it spends the shared budget (and the auth hook counts it toward the lockout).
 * Checked before the key hook, so that unauthenticated floods are limited too.
 */
export async function registerRateLimits(api: FastifyInstance, { perMinute, operatorPerMinute, isOperator }: RateLimitOptions): Promise<void> {
  if (perMinute === 0) return;
  await api.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => errors.rateLimited(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const clients = api.rateLimit();
  // Its own key space in the same store: the operator's count never touches the clients' one.
  const operator = operatorPerMinute > 0 ? api.rateLimit({ max: operatorPerMinute, keyGenerator: (request) => `operator ${request.ip}` }) : null;
  api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isOperator(request)) await clients.call(api, request, reply);
    else if (operator) await operator.call(api, request, reply);
  });
}
