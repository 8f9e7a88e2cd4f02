// POST /api/0/organizations/:org/artifactbundle/assemble/: missing-chunk negotiation, then the bundle read, checked and stored.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError, errors } from '../../errors.js';
import { readArtifactBundle } from '../../sourcemaps/bundle.js';
import type { ArtifactStore } from '../../store/types.js';
import { parseOrThrow } from '../../validation.js';
import { resolveProjects, type ProjectReader } from './projects.js';

export interface AssembleLimits {
  chunkBytes: number;
  maxBundleBytes: number;
  maxBundleFiles: number;
  maxFileBytes: number;
}

export interface AssembleDeps {
  artifactStore: ArtifactStore;
  store: ProjectReader;
  limits: AssembleLimits;
}

const sha1 = z.string().regex(/^[0-9a-fA-F]{40}$/, 'must be a SHA-1 in hex').transform((s) => s.toLowerCase());

// sentry-cli 3.8, src/api/data_types/chunking/artifact.rs (ChunkedArtifactRequest): checksum and
// chunks always; projects (slugs, never empty from the CLI); version and dist only when given.
const assembleSchema = z.object({
  checksum: sha1,
  chunks: z.array(sha1).min(1).max(100_000),
  projects: z.array(z.union([z.string().min(1).max(100), z.number().int().nonnegative()])).min(1).max(100),
  version: z.string().min(1).max(200).nullish(),
  dist: z.string().min(1).max(64).nullish(),
});

type State = 'not_found' | 'created' | 'assembling' | 'ok' | 'error';
const answer = (state: State, missingChunks: string[] = [], detail: string | null = null) => ({ state, missingChunks, detail });

/** SHA-1 of the parts in turn, yielding between them: a 64 MiB bundle does not hold the event loop for its whole hash. */
async function sha1Of(parts: Buffer[]): Promise<string> {
  const hash = createHash('sha1');
  for (const p of parts) {
    hash.update(p);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}

export const assembleRoutes: FastifyPluginAsync<AssembleDeps> = async (app, { artifactStore, store, limits }) => {
  /** Bundles being assembled by some request now, by checksum: another request for one is told 'assembling'. */
  const assembling = new Set<string>();
  /** One assembly at a time: each holds its bundle in memory (up to SOURCEMAP_MAX_BUNDLE_BYTES, twice) while it reads it. */
  let turn: Promise<unknown> = Promise.resolve();
  const bundleLimits = { maxFiles: limits.maxBundleFiles, maxFileBytes: limits.maxFileBytes, maxUnpackedBytes: limits.maxBundleBytes * 4 };

  // Verified against sentry-cli 3.8: src/utils/file_upload.rs (upload_files_chunked, poll_assemble)
  // calls this first to learn missingChunks, uploads those, then calls it again until the state is
  // final; src/api/data_types/chunking/file_state.rs reads the states. Ours:
  //   not_found + missingChunks: some chunks are not here yet (the CLI uploads them);
  //   assembling: another request is assembling the same bundle now (the CLI polls again);
  //   ok: the bundle is stored for every project (also when it was already);
  //   created: never; Sentry answers it when it queues the work, we assemble within the request.
  //   error: never; a bad bundle gets a 4xx from the catalogue instead (the CLI prints its message
  //   and exits non-zero, as it does for state 'error'), and its chunks are dropped.
  // A 404 would read as "release not found" to the CLI (convert_rnf), so unknown projects are 400.
  app.post('/api/0/organizations/:org/artifactbundle/assemble/', { config: { access: 'upload' } }, async (request) => {
    const body = parseOrThrow(assembleSchema, request.body ?? {});
    const projects = await resolveProjects(request, body.projects, store);
    // Chunks are at most chunkBytes: too many of them cannot fit under the limit, refused before any is sent.
    if (body.chunks.length > Math.ceil(limits.maxBundleBytes / limits.chunkBytes)) throw errors.bundleTooLarge(limits.maxBundleBytes);

    // Chunks first: another instance's assembly uses them up in the transaction that stores the
    // bundle, so chunks found missing here mean the bundle is visible below if that is why.
    const missing = await artifactStore.missingChunks(body.chunks);
    const have = await artifactStore.projectsWithBundle(body.checksum, projects);
    if (have.length === projects.length) return answer('ok');
    if (assembling.has(body.checksum)) return answer('assembling');
    if (missing.length > 0) return answer('not_found', missing);

    assembling.add(body.checksum);
    const previous = turn;
    let done!: () => void;
    turn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      const parts = await artifactStore.readChunks(body.chunks);
      if (!parts) {
        // Another instance assembled it meanwhile and used the chunks up.
        if ((await artifactStore.projectsWithBundle(body.checksum, projects)).length === projects.length) return answer('ok');
        return answer('not_found', await artifactStore.missingChunks(body.chunks));
      }
      const size = parts.reduce((n, p) => n + p.length, 0);
      if (size > limits.maxBundleBytes) throw errors.bundleTooLarge(limits.maxBundleBytes);
      if ((await sha1Of(parts)) !== body.checksum) throw errors.bundleChecksumMismatch();
      const bundle = await readArtifactBundle(Buffer.concat(parts, size), bundleLimits);
      await artifactStore.saveBundle({
        projects: projects.filter((p) => !have.includes(p)),
        checksum: body.checksum,
        bundleId: bundle.bundleId,
        release: body.version ?? bundle.release,
        dist: body.dist ?? bundle.dist,
        files: bundle.files,
        maps: bundle.maps,
        chunks: [...new Set(body.chunks)],
      });
      request.log.info({ event: 'artifact_bundle_stored', projects, bundleId: bundle.bundleId, files: bundle.files, maps: bundle.maps.length, bytes: size }, 'artifact bundle stored');
      return answer('ok');
    } catch (err) {
      // Nothing of a refused bundle is kept: its chunks go too (the CLI would send them again anyway).
      if (err instanceof AppError) await artifactStore.deleteChunks(body.chunks);
      throw err;
    } finally {
      assembling.delete(body.checksum);
      done();
    }
  });
};
