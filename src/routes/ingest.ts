// POST /api/errors: a native report, handed over as its body text to the acceptor (parse, pipeline, store).
import type { FastifyPluginAsync } from 'fastify';
import type { AcceptNative } from '../ingest/accept.js';
import type { IngestListener } from '../store/types.js';
import { ingestReply, ingestReplySchema } from './serialize.js';

export interface IngestRoutesDeps {
  acceptNative: AcceptNative;
  now: () => Date;
  onIngested: IngestListener;
}

export const ingestRoutes: FastifyPluginAsync<IngestRoutesDeps> = async (app, { acceptNative, now, onIngested }) => {
  // The body stays text here: the acceptor parses it once (ingest/accept.ts), BOM and all.
  // text/plain is JSON all the same (sendBeacon and CORS-simple fetches can send no other).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/api/errors', { config: { access: 'ingest' }, schema: { response: ingestReplySchema } }, async (request, reply) => {
    const principal = request.principal;
    const { result, report } = await acceptNative({
      text: typeof request.body === 'string' ? request.body : '',
      receivedAt: now().getTime(),
      requiredProject: principal?.kind === 'ingest' ? principal.project.name : undefined,
    });
    if (report) onIngested(result, report);
    return reply.code(result.created ? 201 : 200).send(ingestReply(result));
  });
};
