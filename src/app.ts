// Builds the Fastify app from its dependencies; never listens (tests use app.inject).
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { bearerToken, createAuthenticator, keyChecker, operatorRequestChecker, type Principal } from './auth.js';
import { createAuthLockout } from './auth-lockout.js';
import type { Config } from './config.js';
import { createCors } from './cors.js';
import { AppError, errors } from './errors.js';
import { createBodyBudget, reserveBodies } from './http/body-budget.js';
import { createAcceptor } from './ingest/accept.js';
import { keyMatcher } from './ingest/scrub.js';
import type { Logger } from './logger.js';
import type { AlertsService } from './alerts/service.js';
import { alertRoutes } from './routes/alerts.js';
import { errorRoutes } from './routes/errors.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { createQuotas } from './quota/quotas.js';
import { projectRoutes } from './routes/projects.js';
import { projectAlertRoutes, type ProjectAlertRoutesDeps } from './routes/project-alerts.js';
import type { ProjectAlertStore } from './alerts/channels/types.js';
import { sentryRoutes } from './routes/sentry.js';
import { sentryApiRoutes } from './routes/sentry-api/index.js';
import { registerRateLimits } from './rate-limits.js';
import { securityHeaders } from './security-headers.js';
import { tokenRoutes } from './routes/tokens.js';
import { mcpRoutes } from './mcp/routes.js';
import { releaseRoutes } from './routes/releases.js';
import { triageRoutes } from './routes/triage.js';
import { streamRoutes } from './routes/stream.js';
import { createLive } from './live/index.js';
import type { LiveBus } from './live/types.js';
import type { QuotaCounter } from './quota/window-counter.js';
import type { ArtifactStore, IngestListener, QuotaStore, ReleaseStore, Store, TokenStore } from './store/types.js';
import { createMapStep, createSourceMaps } from './sourcemaps/index.js';
import type { SourceMapLookup } from './sourcemaps/types.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** The operator key: config.apiKey, or the one generated at first start. */
  apiKey: string;
  store: Store;
  logger: Logger;
  now?: () => Date;
  /** Told of every committed report (not of resends), after the commit (alerts and the live stream hang here). */
  onIngested?: IngestListener;
  /** Email and push alerts (POST /api/test-alert); absent, the route answers 503. */
  alerts?: AlertsService;
  /** Project quotas and dropped-event counts (spike protection); absent, no quotas apply. */
  quotaStore?: QuotaStore;
  /** Quota windows counted across instances (PostgreSQL); absent, counted in this process. */
  quotaCounter?: QuotaCounter;
  /** Upload and agent tokens; absent, only the operator key and ingest keys work. */
  tokenStore?: TokenStore;
  /** Releases and deploys (the release API, the Releases view). */
  releaseStore?: ReleaseStore;
  /** Per-project alert channels and rules (/api/projects/:name/alerts); absent, those routes are not served. */
  projectAlertStore?: ProjectAlertStore;
  /** The alert outbox's record of each channel's last delivery (issue 19). */
  recordDelivery?: ProjectAlertRoutesDeps['recordDelivery'];
  lastDeliveries?: ProjectAlertRoutesDeps['lastDeliveries'];
  /** Source-map uploads (sentry-cli); absent, the Sentry web API is not served. */
  artifactStore?: ArtifactStore;
  /** Uploaded source maps; absent, browser frames are grouped and shown as sent. */
  sourceMaps?: SourceMapLookup;
  /** Carries live changes between instances (PostgreSQL LISTEN/NOTIFY); absent, in-process. */
  liveBus?: LiveBus;
}

/**
 * Who may call a route (route `config.access`): the operator only (the default), the operator or an
 * ingest key for its own project ('ingest'), the operator or an API token of that kind ('upload',
 * 'agent'; the route checks the token's projects with mayActOn), or the Sentry endpoints, which read
 * their own keys.
 */
export type RouteAccess = 'operator' | 'ingest' | 'upload' | 'agent' | 'sentry' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

const OPERATOR: Principal = { kind: 'operator' };

export const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

export async function buildApp({ config, apiKey, store, logger, now = () => new Date(), onIngested: notify = () => {}, alerts, quotaStore, quotaCounter, tokenStore, releaseStore, projectAlertStore, recordDelivery, lastDeliveries, artifactStore, sourceMaps, liveBus }: AppDeps): Promise<FastifyInstance> {
  // The live feed hears every committed report too, after the given listener (alerts).
  const live = createLive({ operatorKey: apiKey, ...config.stream, logger, now, bus: liveBus });
  const onIngested: IngestListener = (result, report) => {
    notify(result, report);
    live.onIngested(result, report);
  };
  const authenticate = createAuthenticator(apiKey, store);
  const lockout = createAuthLockout({ now });
  /**
   * Every failed authentication is a security event (never with the key tried); past the lockout
   * threshold the address gets 429 instead of `rejection` until its window ends.
   */
  const authFailed = (request: FastifyRequest, rejection: AppError): AppError => {
    const { lockedForSeconds } = lockout.fail(request.ip);
    request.log.warn({ event: 'auth_failed', ip: request.ip, route: request.routeOptions.url }, 'authentication failed');
    return lockedForSeconds === null ? rejection : errors.authLockedOut(lockedForSeconds);
  };
  const cors = createCors(config.corsOrigins);
  // On Fastify's reply, not the raw response as helmet does: a raw setHeader validates each header
  // and pushes Node's writeHead off its fast path, most of what the headers cost per response.
  const headers = securityHeaders();
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.maxBodyBytes,
    // Fastify accepts a hop count at run time; its typings only list the other forms.
    trustProxy: config.trustProxy as boolean | string | string[],
    // Per-request lines would dominate the log (and the CPU) at thousands of reports a second;
    // failures are logged by the error handler instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // A URL Fastify cannot route (`%ff`, an over-long parameter) gets the catalogue's body too.
    frameworkErrors: (err, _request, reply: FastifyReply) => {
      const appError = err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.badUrl() : errors.internal();
      return reply.code(appError.statusCode).headers(headers).send(appError.toBody());
    },
  });

  // An empty body with Content-Type: application/json (curl -X POST ... resolve) is "no body",
  // not a JSON syntax error. `__proto__` and `constructor` keys are kept as plain data: JSON.parse
  // makes them own properties, and the scrubber defines them on its copy. Refusing them would
  // lose the very report of an application under a prototype-pollution attack.
  const defaultJson = app.getDefaultJsonParser('ignore', 'ignore');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    defaultJson(request, text, done);
  });
  // sendBeacon and CORS-simple fetches can only send text/plain: it is JSON all the same.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    defaultJson(request, body.toString(), done);
  });

  // Node closes only the connections idle when close() starts; the replies still in flight say
  // `Connection: close`, or keep-alive clients would hold app.close() open for its whole budget.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // Open streams are never idle: ended here, or the server's close would wait on them.
    await live.close();
  });
  // Hooks on every request take a callback rather than being async: no promise per request.
  // A reply sent before the body was read (refused key, rate limit, busy) closes too: draining an
  // unread body would hand the connection to a client that sends it a byte at a time.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing || request.raw.complete === false) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug({ req: request, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
    done();
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appError = toAppError(err, config, request.headers['content-type']);
    if (appError.statusCode >= 500) request.log.error({ err, req: request }, 'request failed');
    return reply.code(appError.statusCode).headers(appError.headers).send(appError.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errors.routeNotFound(request.method, request.url.split('?')[0]!).toBody()),
  );

  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(healthRoutes, { store, databasePath: config.databasePath, minFreeDiskMb: config.minFreeDiskMb, remote: config.databaseUrl !== undefined });

  // Everything under /api: rate limited per client IP (the operator apart), then the operator key.
  const isOperator = operatorRequestChecker(apiKey);
  const isOperatorKey = keyChecker(apiKey);
  await app.register(async (api) => {
    await registerRateLimits(api, { perMinute: config.rateLimitPerMinute, operatorPerMinute: config.operatorRateLimitPerMinute, isOperator });
    api.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config.access ?? 'operator';
      if (access === 'sentry' || access === 'public') return;
      const bearer = bearerToken(request.headers.authorization);
      if (access === 'upload' || access === 'agent') {
        // The operator key works here as X-API-Key or as a bearer token (sentry-cli sends only the latter).
        if (isOperator(request) || (bearer !== undefined && isOperatorKey(bearer))) {
          request.principal = OPERATOR;
          return;
        }
        const token = bearer !== undefined && tokenStore ? await tokenStore.findToken(bearer) : null;
        if (!token || token.kind !== access) throw authFailed(request, errors.unauthorized());
        request.principal = { kind: 'token', token };
        return;
      }
      // A live token on a route it may not call is told so, rather than that it does not exist.
      if (bearer !== undefined && request.headers['x-api-key'] === undefined && tokenStore && (await tokenStore.findToken(bearer))) {
        throw errors.tokenNotAllowed();
      }
      // `?key=` only for ingest keys on ingest routes: pages cannot set headers on a beacon, and the
      // operator key must never travel in a URL.
      const query = request.query as Record<string, unknown>;
      const given = request.headers['x-api-key'] ?? (access === 'ingest' ? query.key : undefined);
      const principal = isOperator(request) ? OPERATOR : await authenticate(given, { operatorAllowed: false });
      if (!principal) throw authFailed(request, errors.unauthorized());
      if (principal.kind === 'ingest') {
        if (access !== 'ingest') throw errors.ingestKeyNotAllowed();
        if (!cors.allows(request.headers.origin)) throw errors.originNotAllowed(request.headers.origin!);
      }
      request.principal = principal;
    });
    // After the key checks above: a request without a valid key never holds any of the budget.
    reserveBodies(api, createBodyBudget(config.maxBodyBytesInFlight), config.maxBodyBytes);
    // CORS only for pages using an ingest key; the operator API sends none.
    api.addHook('onSend', (request, reply, payload, done) => {
      if (request.principal?.kind === 'ingest') cors.apply(reply, request.headers.origin);
      done(null, payload);
    });
    api.options('/api/errors', { config: { access: 'public' } }, async (request, reply) => {
      cors.preflight(reply, request.headers.origin, request.headers['access-control-request-headers']);
      return reply.code(204).send();
    });
    const quotas = quotaStore && (await createQuotas({ defaults: config.quota, store: quotaStore, logger, now, counter: quotaCounter }));
    const symbolicator = sourceMaps && createSourceMaps(sourceMaps, config.sourceMapCacheBytes, logger);
    if (symbolicator) api.addHook('onClose', () => symbolicator.close());
    const acceptor = createAcceptor(store, keyMatcher(config.scrubFields), quotas, symbolicator && createMapStep(symbolicator));
    await api.register(ingestRoutes, { acceptNative: acceptor.acceptNative, now, onIngested });
    await api.register(errorRoutes, { store, now, symbolicator });
    await api.register(triageRoutes, { store, releaseStore, now });
    if (releaseStore) await api.register(releaseRoutes, { store, releaseStore });
    await api.register(projectRoutes, { store, publicUrl: config.publicUrl, quotas, quotaStore, now, artifactStore });
    await api.register(alertRoutes, { config, alerts });
    if (projectAlertStore) await api.register(projectAlertRoutes, { store, alertStore: projectAlertStore, config, now, recordDelivery, lastDeliveries });
    if (tokenStore) await api.register(tokenRoutes, { tokenStore, store });
    if (artifactStore) await api.register(sentryApiRoutes, { artifactStore, releaseStore, store, limits: config.sourcemapUploads, now });
    await api.register(streamRoutes, { live, authFailed });
    await api.register(mcpRoutes, { apiKey, store, releaseStore, allowedOrigins: config.mcpAllowedOrigins, now });
    await api.register(sentryRoutes, {
      acceptSentry: acceptor.acceptSentry,
      now,
      onIngested,
      authenticate,
      authFailed,
      cors,
      maxBodyBytes: config.maxBodyBytes,
      maxDecompressedBytes: config.maxDecompressedBytes,
    });
  });

  await app.register(fastifyStatic, { root: WEB_DIR, index: 'index.html' });

  return app;
}

/** Maps anything thrown while serving a request onto the error catalogue. */
function toAppError(err: FastifyError, config: Readonly<Config>, contentType: string | undefined): AppError {
  if (err instanceof AppError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(config.maxBodyBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(mediaType(contentType));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson('the body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidJson(err.message);
  }
  if (err instanceof SyntaxError) return errors.invalidJson(err.message);
  if (isStorageFailure(err)) return errors.storageUnavailable();
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError('bad_request', status, err.message);
  return errors.internal();
}

/** The media type a client sent, without parameters, printable and bounded: it is echoed in the reply. */
function mediaType(contentType: string | undefined): string | undefined {
  const type = (contentType ?? '').split(';', 1)[0]!.replace(/[^\x21-\x7e]/g, '').slice(0, 100);
  return type === '' ? undefined : type;
}

/** SQLite cannot write (disk full, read-only, I/O error, locked too long), or PostgreSQL is unreachable: retryable, so 503. */
function isStorageFailure(err: { code?: string }): boolean {
  return typeof err.code === 'string' && /^(SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|CORRUPT|NOTADB)|STORAGE_UNAVAILABLE$)/.test(err.code);
}
