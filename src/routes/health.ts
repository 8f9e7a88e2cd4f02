// /health (liveness) and /ready (readiness): no key needed, so probes and load balancers can call them.
import type { FastifyPluginAsync } from 'fastify';
import { errors } from '../errors.js';
import { checkReadiness, type ReadinessDeps } from '../readiness.js';

export const healthRoutes: FastifyPluginAsync<ReadinessDeps> = async (app, deps) => {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const { ready, checks } = await checkReadiness(deps);
    if (ready) return { status: 'ready', checks };
    const failing = Object.entries(checks).flatMap(([name, result]) => (result === 'ok' ? [] : [name]));
    return reply.code(503).send({ status: 'not_ready', ...errors.notReady(failing).toBody(), checks });
  });
};
