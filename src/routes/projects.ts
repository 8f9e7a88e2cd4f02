// /api/projects: the projects that have reported.
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/types.js';

export const projectRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get('/api/projects', async () => ({ projects: await store.listProjects() }));
};
