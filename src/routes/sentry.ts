// The Sentry ingestion endpoints (/api/:projectId/envelope/ and /store/), so unmodified Sentry SDKs report here.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth.js';
import type { Cors } from '../cors.js';
import { type AppError, errors } from '../errors.js';
import type { AcceptSentry } from '../ingest/accept.js';
import { clientFromRequest, keyFromDsn, keyFromRequest } from '../ingest/sentry/auth.js';
import { MAX_HEADER_LINE_BYTES, parseEnvelope, parseHeaderLine } from '../ingest/sentry/envelope.js';
import { readBody, readFirstLine } from '../ingest/sentry/read-body.js';
import { decodeStoreBody } from '../ingest/sentry/legacy-body.js';
import type { IngestListener, Project } from '../store/types.js';

export interface SentryRoutesDeps {
  /** Parses, prepares and stores an event. */
  acceptSentry: AcceptSentry;
  now: () => Date;
  onIngested: IngestListener;
  authenticate: Authenticator;
  /** Counts and logs a failed authentication; answers the error to throw (401, or 429 once locked out). */
  authFailed: (request: FastifyRequest, rejection: AppError) => AppError;
  cors: Cors;
  /** Bytes on the wire (MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** An envelope after decompression (MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes: number;
}

/** Sentry's own cap on one event after decompression. */
export const MAX_EVENT_BYTES = 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The project whose key the Sentry request carried, once known. */
    sentryProject?: Project;
  }
}

const PROJECT_ID = ':projectId(^\\d{1,15})';

export const sentryRoutes: FastifyPluginAsync<SentryRoutesDeps> = async (app, deps) => {
  const { acceptSentry, now, onIngested, authenticate, authFailed, cors } = deps;

  // SDKs send no content type (Node), text/plain (browsers), x-sentry-envelope (Python) or JSON
  // (store), compressed or not: take the raw stream whatever it says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
    const stream = payload as import('node:stream').Readable;
    const encoding = request.headers['content-encoding'];
    const isStore = request.routeOptions.url?.includes('/store') ?? false;
    const account = request.bodyAccount;
    const limits = {
      compressed: deps.maxBodyBytes,
      decompressed: isStore ? Math.min(MAX_EVENT_BYTES, deps.maxDecompressedBytes) : deps.maxDecompressedBytes,
      reserve: account && ((bytes: number) => account.take(bytes)),
    };
    if (request.sentryProject !== undefined) return readBody(stream, encoding, limits);

    // No key in the query or headers: only an envelope's header line can name one. Nothing past
    // that line is decompressed, parsed or kept before the key is checked.
    if (isStore && !isEnvelopeType(request)) throw authFailed(request, errors.sentryAuthMissing());
    const head = await readFirstLine(stream, encoding, FIRST_LINE_LIMITS);
    const dsnKey = head.line && keyFromDsn(parseHeaderLine(head.line)?.dsn);
    if (dsnKey === undefined) throw authFailed(request, errors.sentryAuthMissing());
    request.sentryProject = await projectFor(dsnKey, request);
    return readBody(stream, encoding, limits, head.consumed);
  });

  // On every reply, errors and 429s included: a browser hides a response without them, and an SDK
  // that cannot read the rate-limit headers never backs off.
  app.addHook('onSend', (request, reply, payload, done) => {
    cors.apply(reply, request.headers.origin);
    if (reply.statusCode === 429) {
      const seconds = Number(reply.getHeader('retry-after')) || 60;
      // Over the project's quota only events are refused: the SDKs hold back `error;default` only.
      const limit = errorCode(payload) === 'quota_exceeded' ? 'error;default:project:quota_exceeded' : ':project:rate_limited';
      reply.header('x-sentry-rate-limits', `${seconds}:${limit}`);
    }
    if (reply.statusCode >= 400) reply.header('x-sentry-error', errorCode(payload));
    done(null, payload);
  });

  // Keys in the query or headers are checked before the body is read; the envelope dsn by the parser.
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS') return;
    if (!cors.allows(request.headers.origin)) throw errors.originNotAllowed(request.headers.origin!);
    let key: string | undefined;
    try {
      key = keyFromRequest(request.query as Record<string, unknown>, request.headers);
    } catch (err) {
      throw authFailed(request, err as AppError);
    }
    if (key !== undefined) request.sentryProject = await projectFor(key, request);
  });

  async function projectFor(key: string, request: FastifyRequest): Promise<Project> {
    const principal = await authenticate(key, { operatorAllowed: false });
    if (principal?.kind !== 'ingest') throw authFailed(request, errors.unauthorized());
    const { projectId } = request.params as { projectId: string };
    if (principal.project.id !== Number(projectId)) throw errors.wrongProject(principal.project.name);
    return principal.project;
  }

  /** The event's JSON text goes to the acceptor as it came: it is parsed once, there. */
  async function ingest(request: FastifyRequest, text: string, project: Project, headerEventId: unknown): Promise<{ id: string }> {
    const client = clientFromRequest(request.query as Record<string, unknown>, request.headers);
    const { eventId, result, report } = await acceptSentry({ text, project: project.name, headerEventId, receivedAt: now().getTime(), client });
    // result null: a resend of an event already stored. Repeats are not news (see IngestListener).
    if (result && report) onIngested(result, report);
    return { id: eventId };
  }

  async function handleEnvelope(request: FastifyRequest): Promise<{ id?: string }> {
    // Authenticated before the body was read (an empty body never reaches the parser).
    const project = request.sentryProject;
    if (project === undefined) throw authFailed(request, errors.sentryAuthMissing());
    const envelope = parseEnvelope(bodyOf(request));
    const dsnKey = keyFromDsn(envelope.header.dsn);
    if (dsnKey !== undefined && dsnKey !== project.ingestKey) throw authFailed(request, errors.sentryAuthConflict());
    // At most one event per envelope; sessions, client reports, attachments, transactions and types
    // not invented yet are accepted and dropped.
    const item = envelope.items.find((i) => i.type === 'event');
    if (!item) return {};
    if (item.payload.length > MAX_EVENT_BYTES) throw errors.decompressedTooLarge(MAX_EVENT_BYTES);
    return ingest(request, item.payload.toString('utf8'), project, envelope.header.event_id);
  }

  async function handleStore(request: FastifyRequest): Promise<{ id?: string }> {
    // Relay takes an envelope on /store/ too when it says so.
    if (isEnvelopeType(request)) return handleEnvelope(request);
    const project = request.sentryProject;
    if (project === undefined) throw authFailed(request, errors.sentryAuthMissing());
    const body = decodeStoreBody(bodyOf(request), MAX_EVENT_BYTES);
    if (body.length === 0) throw errors.invalidEvent('the body is empty');
    return ingest(request, body.toString('utf8'), project, undefined);
  }

  // The parser takes from the body budget as it decodes: a reservation by Content-Length would
  // let requests without a key hold the budget.
  const config = { access: 'sentry' as const, bodyBudget: 'as-read' as const };
  for (const [kind, handler] of [['envelope', handleEnvelope], ['store', handleStore]] as const) {
    for (const url of [`/api/${PROJECT_ID}/${kind}/`, `/api/${PROJECT_ID}/${kind}`]) {
      app.post(url, { config }, handler);
      app.options(url, { config }, async (request, reply) => {
        cors.preflight(reply, request.headers.origin, request.headers['access-control-request-headers']);
        return reply.code(204).send();
      });
    }
  }
};

/** The envelope header line read before a key is known; past either limit the request is refused as keyless. */
const FIRST_LINE_LIMITS = { line: MAX_HEADER_LINE_BYTES, wire: 64 * 1024 };

function isEnvelopeType(request: FastifyRequest): boolean {
  return /^application\/x-sentry-envelope/i.test(request.headers['content-type'] ?? '');
}

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** The catalogue code of an error reply, for X-Sentry-Error. */
function errorCode(payload: unknown): string {
  if (typeof payload !== 'string') return 'error';
  return /"code":"([a-z_]{1,40})"/.exec(payload)?.[1] ?? 'error';
}
