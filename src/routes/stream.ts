// The live feed over Server-Sent Events: POST /api/stream-token (operator key) -> GET /api/stream?token=...
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type AppError, errors } from '../errors.js';
import type { Live } from '../live/index.js';
import { parseOrThrow } from '../validation.js';

export interface StreamRoutesDeps {
  live: Live;
  /** Counts a refused token toward the address's lockout, as a wrong key does. */
  authFailed: (request: FastifyRequest, rejection: AppError) => AppError;
}

const streamQuerySchema = z.object({
  token: z.string().max(200).optional(),
  /** For a new EventSource, which cannot set the Last-Event-ID header itself. */
  last_event_id: z.string().max(100).optional(),
});

export const streamRoutes: FastifyPluginAsync<StreamRoutesDeps> = async (app, { live, authFailed }) => {
  app.post('/api/stream-token', async () => {
    const { token, expiresAt } = live.tokens.issue();
    return { token, expires_at: expiresAt.toISOString() };
  });

  // 'public' for the key hook: the token, not a key, is checked here (an EventSource sends no headers of its own).
  app.get('/api/stream', { config: { access: 'public' } }, async (request, reply) => {
    const query = parseOrThrow(streamQuerySchema, request.query);
    const check = live.tokens.check(query.token);
    if (!check.ok) throw authFailed(request, errors.streamTokenInvalid(check.why));
    if (!live.streams.hasRoom()) throw errors.tooManyStreams();
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && header !== '' ? header.slice(0, 100) : query.last_event_id;
    reply.hijack();
    live.streams.open(request.ip, reply.raw, lastEventId);
  });
};
