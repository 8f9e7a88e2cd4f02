// Sentry's web API, the part sentry-cli and the bundler plugins call to upload source maps and record releases (access 'upload').
import type { FastifyPluginAsync } from 'fastify';
import type { ArtifactStore, ReleaseStore } from '../../store/types.js';
import { assembleRoutes, type AssembleLimits } from './assemble.js';
import { chunkUploadRoutes } from './chunk-upload.js';
import type { ProjectReader } from './projects.js';
import { releaseRoutes } from './releases.js';

export interface SentryApiDeps {
  artifactStore: ArtifactStore;
  releaseStore?: ReleaseStore | undefined;
  store: ProjectReader;
  limits: AssembleLimits;
  now: () => Date;
}

/**
 * The bundler plugins (@sentry/vite-plugin, rollup, webpack; all on @sentry/bundler-plugin-core's
 * build-plugin-manager.ts) run the sentry-cli binary through @sentry/cli's JS API
 * (releases.new / uploadSourceMaps / finalize / newDeploy), so serving the CLI serves them too.
 */
export const sentryApiRoutes: FastifyPluginAsync<SentryApiDeps> = async (app, { artifactStore, releaseStore, store, limits, now }) => {
  // `sentry-cli info` and `login` (src/api/mod.rs, get_auth_info): AuthInfo { auth?: { scopes }, user? }.
  app.get('/api/0/', { config: { access: 'upload' } }, async (request) => ({
    user: null,
    auth: { scopes: request.principal?.kind === 'token' ? ['project:releases'] : ['org:admin', 'project:releases'] },
  }));
  await app.register(chunkUploadRoutes, { artifactStore, limits });
  await app.register(assembleRoutes, { artifactStore, store, limits });
  if (releaseStore) await app.register(releaseRoutes, { releaseStore, store, now });
};
