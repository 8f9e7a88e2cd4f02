// CORS for the routes a web page may call with an ingest key (POST /api/errors, the Sentry endpoints).
import type { FastifyReply } from 'fastify';

/** Headers a browser may read, so an SDK can back off when throttled. */
const EXPOSED = 'x-sentry-error, x-sentry-rate-limits, retry-after';
/** Relay's list plus what tracing adds; a preflight asking for more is answered with what it asked. */
const ALLOWED_HEADERS =
  'x-sentry-auth, x-api-key, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, authentication, authorization, content-encoding, transfer-encoding, sentry-trace, baggage';

export interface Cors {
  /** No Origin header (a server calling) is always allowed; CORS only concerns browsers. */
  allows(origin: string | undefined): boolean;
  /** Sets the reply's CORS headers for an allowed origin. */
  apply(reply: FastifyReply, origin: string | undefined): void;
  /** An OPTIONS preflight's headers. */
  preflight(reply: FastifyReply, origin: string | undefined, requested: string | undefined): void;
}

export function createCors(origins: '*' | readonly string[]): Cors {
  const allows = (origin: string | undefined) => origin === undefined || origins === '*' || origins.includes(origin.toLowerCase());
  const apply = (reply: FastifyReply, origin: string | undefined) => {
    if (!allows(origin)) return;
    // Ingest carries no cookies, so '*' is safe; a list echoes the one origin that matched.
    if (origins === '*') reply.header('access-control-allow-origin', '*');
    else if (origin !== undefined) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    reply.header('access-control-expose-headers', EXPOSED);
  };
  return {
    allows,
    apply,
    preflight(reply, origin, requested) {
      apply(reply, origin);
      if (!allows(origin)) return;
      reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', requested && /^[\w\s,-]{1,1000}$/.test(requested) ? requested : ALLOWED_HEADERS)
        .header('access-control-max-age', '3600');
    },
  };
}
