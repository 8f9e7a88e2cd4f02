// GET and POST /api/0/organizations/:org/chunk-upload/: sentry-cli's chunk-upload options, and the chunks themselves.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { AppError, errors } from '../../errors.js';
import type { ArtifactStore } from '../../store/types.js';

const gunzipAsync = promisify(gunzip);

export interface UploadLimits {
  chunkBytes: number;
  maxBundleBytes: number;
}

export interface ChunkUploadDeps {
  artifactStore: ArtifactStore;
  limits: UploadLimits;
}

/** Chunks per request and requests at once: 8 MiB per request at the default chunk size, two at a time on a small server. */
export const CHUNKS_PER_REQUEST = 8;
const CONCURRENCY = 2;
/** gzip can grow incompressible data a little; the multipart framing adds a few hundred bytes per part. */
const compressedLimit = (chunkBytes: number) => Math.ceil(chunkBytes * 1.01) + 1024;

const SHA1 = /^[0-9a-f]{40}$/;

export const chunkUploadRoutes: FastifyPluginAsync<ChunkUploadDeps> = async (app, { artifactStore, limits }) => {
  const maxRequestSize = limits.chunkBytes * CHUNKS_PER_REQUEST;
  // Only in this plugin's scope: no other route takes multipart bodies.
  await app.register(multipart, {
    limits: { files: CHUNKS_PER_REQUEST, fileSize: compressedLimit(limits.chunkBytes), fields: 0, parts: CHUNKS_PER_REQUEST, headerPairs: 20 },
  });

  // Verified against sentry-cli 3.8 (src/api/data_types/chunking/upload/options.rs, ChunkServerOptions):
  // url, chunksPerRequest, maxRequestSize, chunkSize, concurrency and hashAlgorithm are required;
  // compression ['gzip'] makes it send `file_gzip` parts (chunking/compression.rs). A relative url is
  // resolved against --url and sent with the token (src/api/mod.rs, upload_chunks and
  // config.rs get_api_endpoint), so no public URL is needed here. maxFileSize is not read for
  // artifact bundles; the bundle limit is checked at assemble.
  app.get<{ Params: { org: string } }>('/api/0/organizations/:org/chunk-upload/', { config: { access: 'upload' } }, async (request) => ({
    url: `/api/0/organizations/${encodeURIComponent(request.params.org)}/chunk-upload/`,
    chunkSize: limits.chunkBytes,
    chunksPerRequest: CHUNKS_PER_REQUEST,
    maxRequestSize,
    maxFileSize: limits.maxBundleBytes,
    maxWait: 60,
    concurrency: CONCURRENCY,
    hashAlgorithm: 'sha1',
    compression: ['gzip'],
    accept: ['artifact_bundles', 'sources'],
  }));

  // Verified against sentry-cli 3.8 (src/api/mod.rs, Api::upload_chunks): a multipart form, one part
  // per chunk, named `file_gzip` (gzip with header) or `file`, whose file name is the SHA-1 of the
  // uncompressed chunk; any 2xx is success, the body is not read. Every chunk is checked before any
  // is stored, so a bad one stores nothing of the request.
  app.post('/api/0/organizations/:org/chunk-upload/', { config: { access: 'upload' }, bodyLimit: maxRequestSize * 2 + 64 * 1024 }, async (request, reply) => {
    if (!request.isMultipart()) throw errors.unsupportedMediaType(String(request.headers['content-type'] ?? '').split(';', 1)[0] || undefined);
    const chunks: Array<{ checksum: string; data: Buffer }> = [];
    try {
      for await (const part of request.files()) {
        const raw = await part.toBuffer();
        const name = (part.filename ?? '').toLowerCase();
        if (!SHA1.test(name)) throw errors.chunkChecksumMismatch(name.slice(0, 60));
        let data: Buffer;
        if (part.fieldname === 'file_gzip') {
          try {
            data = await gunzipAsync(raw, { maxOutputLength: limits.chunkBytes });
          } catch (err) {
            if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw errors.chunkTooLarge(limits.chunkBytes);
            throw errors.corruptBody(`chunk '${name}': ${(err as Error).message}`);
          }
        } else if (part.fieldname === 'file') {
          data = raw;
        } else {
          throw errors.validation([{ path: part.fieldname, message: "chunk parts are named 'file' or 'file_gzip'" }]);
        }
        if (data.length > limits.chunkBytes) throw errors.chunkTooLarge(limits.chunkBytes);
        if (createHash('sha1').update(data).digest('hex') !== name) throw errors.chunkChecksumMismatch(name);
        chunks.push({ checksum: name, data });
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      // @fastify/multipart's own errors: too many parts, a part over its size, a malformed body.
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 413) throw errors.chunkTooLarge(limits.chunkBytes);
      throw errors.corruptBody((err as Error).message);
    }
    await artifactStore.putChunks(chunks);
    return reply.code(200).send({});
  });
};
