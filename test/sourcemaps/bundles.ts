// Test helpers: artifact bundles as sentry-cli builds them (a 'SYSB' header, then a zip), and the chunk-upload protocol through app.inject.
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

export const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');

/**
 * A minimal zip writer (deflated or stored entries), enough to build the bundles the tests need.
 * `base`: bytes that will precede the zip; its offsets count them, as the zip crate under
 * sentry-cli writes them after the 'SYSB' header.
 */
export function makeZip(entries: Array<{ name: string; data: Buffer | string; store?: boolean }>, base = 0): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = base;
  for (const e of entries) {
    const data = Buffer.from(e.data);
    const body = e.store ? data : deflateRawSync(data);
    const name = Buffer.from(e.name);
    const method = e.store ? 0 : 8;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface BundleFile {
  type: 'minified_source' | 'source_map' | 'source';
  url: string;
  headers?: Record<string, string>;
  content: string;
}

/** A source bundle as symbolic's SourceBundleWriter lays it out: files under files/, manifest.json, the SYSB header first. */
export function makeBundle(files: BundleFile[], attributes: Record<string, string> = {}): Buffer {
  const manifest: Record<string, unknown> = { files: {}, ...attributes };
  const entries = files.map((f, i) => {
    const path = `files/_/_/${i}-${f.url.replace(/^~\//, '').replace(/[^\w.-]/g, '_')}`;
    (manifest.files as Record<string, unknown>)[path] = { type: f.type, url: f.url, headers: f.headers ?? {} };
    return { name: path, data: f.content };
  });
  const header = Buffer.from([0x53, 0x59, 0x53, 0x42, 2, 0, 0, 0]);
  return Buffer.concat([header, makeZip([...entries, { name: 'manifest.json', data: JSON.stringify(manifest) }], header.length)]);
}

export const DEBUG_ID = '9f0e1d2c-3b4a-4958-8776-655443322110';

/** A map for a minified app.min.js whose original is src/app.js. */
export const SAMPLE_MAP = JSON.stringify({
  version: 3,
  file: 'app.min.js',
  sources: ['src/app.js'],
  sourcesContent: ['export function f() {\n  throw new Error("x");\n}\n'],
  names: ['f'],
  mappings: 'AAAA,SAASA',
  debug_id: DEBUG_ID,
});

export function sampleBundle(overrides: { map?: string; url?: string; debugId?: string } = {}): Buffer {
  const url = overrides.url ?? '~/assets/app.min.js';
  const debugId = overrides.debugId ?? DEBUG_ID;
  return makeBundle([
    { type: 'minified_source', url, headers: { 'debug-id': debugId, Sourcemap: `${url.split('/').pop()}.map` }, content: 'function f(){throw new Error("x")}\n' },
    { type: 'source_map', url: `${url}.map`, headers: { 'debug-id': debugId }, content: overrides.map ?? SAMPLE_MAP },
  ]);
}

/** A multipart body of chunk parts as sentry-cli sends them (file_gzip, the file name its SHA-1). */
export function chunkForm(chunks: Array<{ name: string; data: Buffer; field?: string; gzip?: boolean }>): { body: Buffer; contentType: string } {
  const boundary = '------------------------sentrycli' + sha1(String(Math.random())).slice(0, 16);
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const gz = c.gzip ?? true;
    const field = c.field ?? (gz ? 'file_gzip' : 'file');
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${c.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      gz ? gzipSync(c.data) : c.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function splitChunks(file: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < file.length; i += size) out.push(file.subarray(i, i + size));
  return out;
}

export async function assemble(app: FastifyInstance, headers: Record<string, string>, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/0/organizations/any/artifactbundle/assemble/', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
}

export async function postChunks(app: FastifyInstance, headers: Record<string, string>, chunks: Array<{ name: string; data: Buffer; field?: string; gzip?: boolean }>) {
  const form = chunkForm(chunks);
  return app.inject({ method: 'POST', url: '/api/0/organizations/any/chunk-upload/', headers: { ...headers, 'content-type': form.contentType }, payload: form.body });
}

/** The whole protocol as sentry-cli runs it: assemble (learn the missing chunks), upload them, assemble again. */
export async function uploadBundle(app: FastifyInstance, headers: Record<string, string>, file: Buffer, projects: Array<string | number>, chunkSize = 1024 * 1024) {
  const parts = splitChunks(file, chunkSize);
  const request = { checksum: sha1(file), chunks: parts.map(sha1), projects };
  const first = await assemble(app, headers, request);
  if (first.statusCode !== 200) return first;
  const missing = new Set<string>(first.json().missingChunks);
  const toSend = parts.filter((p) => missing.has(sha1(p))).map((p) => ({ name: sha1(p), data: p }));
  if (toSend.length > 0) {
    const sent = await postChunks(app, headers, toSend);
    if (sent.statusCode !== 200) return sent;
  }
  return assemble(app, headers, request);
}
