// Reads an artifact bundle (sentry-cli's source bundle: 'SYSB' header, then a zip with manifest.json) into the maps mapping needs.
import yauzl from 'yauzl';
import { errors } from '../errors.js';
import type { ArtifactMap } from '../store/types.js';
import { urlPath } from './url-path.js';

export interface BundleLimits {
  maxFiles: number;
  /** One file, uncompressed. */
  maxFileBytes: number;
  /** All files read, uncompressed (a zip bomb stops here). */
  maxUnpackedBytes: number;
}

export interface ParsedBundle {
  bundleId: string | null;
  release: string | null;
  dist: string | null;
  files: number;
  maps: ArtifactMap[];
}

interface ManifestFile {
  type?: unknown;
  url?: unknown;
  headers?: unknown;
}

const DEBUG_ID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Lowercase with dashes, as debug_meta.images carries it; null for anything else. */
export function normalizeDebugId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (!DEBUG_ID.test(v)) return null;
  const hex = v.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Headers by lowercase name (symbolic lowercases them when it reads a manifest, too). */
function headersOf(f: ManifestFile): Map<string, string> {
  const out = new Map<string, string>();
  if (f.headers && typeof f.headers === 'object') {
    for (const [k, v] of Object.entries(f.headers as Record<string, unknown>)) if (typeof v === 'string') out.set(k.toLowerCase(), v);
  }
  return out;
}

/** Checks the map is a source map (v3, plain or indexed) and returns its own debug ID, if it has one. */
function checkMap(name: string, raw: string): string | null {
  let map: unknown;
  try {
    map = JSON.parse(raw);
  } catch (err) {
    throw errors.invalidSourceMap(name, `not JSON (${(err as Error).message.slice(0, 100)})`);
  }
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw errors.invalidSourceMap(name, 'not a JSON object');
  const m = map as Record<string, unknown>;
  if (m.version !== 3) throw errors.invalidSourceMap(name, 'version is not 3');
  const plain = typeof m.mappings === 'string' && Array.isArray(m.sources);
  if (!plain && !Array.isArray(m.sections)) throw errors.invalidSourceMap(name, 'has neither mappings and sources nor sections');
  return normalizeDebugId(m.debug_id ?? m.debugId);
}

/** The manifest URL a minified file's Sourcemap header points at, resolved against the file's own URL. */
function resolveReference(fileUrl: string, reference: string): string | null {
  if (reference.startsWith('data:')) return null;
  try {
    const base = fileUrl.startsWith('~/') ? `http://tilde${fileUrl.slice(1)}` : fileUrl;
    const resolved = new URL(reference, base);
    return resolved.host === 'tilde' ? `~${resolved.pathname}` : resolved.href;
  } catch {
    return null;
  }
}

const SYSB = Buffer.from('SYSB');

function openZipAt(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) =>
      err ? reject(errors.invalidBundle(err.message)) : resolve(zip),
    );
  });
}

/**
 * sentry-cli's zip offsets count the 8-byte 'SYSB' header before it (the zip crate writes
 * positions in the whole file); a writer that counted from the zip's own start is read without it.
 */
async function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  try {
    return await openZipAt(buffer);
  } catch (err) {
    if (buffer.subarray(0, 4).equals(SYSB)) return openZipAt(buffer.subarray(8)).catch(() => Promise.reject(err));
    throw err;
  }
}

/** Every entry's name, and the contents of those `wanted` says to read, within the limits. */
async function readEntries(zip: yauzl.ZipFile, limits: BundleLimits, wanted: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  let unpacked = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(err);
    };
    zip.on('error', (err: Error) => fail(errors.invalidBundle(err.message)));
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/') || !wanted(entry.fileName)) return zip.readEntry();
      if (entry.uncompressedSize > limits.maxFileBytes) return fail(errors.bundleFileTooLarge(entry.fileName, limits.maxFileBytes));
      unpacked += entry.uncompressedSize;
      if (unpacked > limits.maxUnpackedBytes) return fail(errors.bundleTooLarge(limits.maxUnpackedBytes));
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(errors.invalidBundle(err.message));
        const parts: Buffer[] = [];
        // yauzl checks the bytes read against the declared size (validateEntrySizes).
        stream.on('data', (d: Buffer) => parts.push(d));
        stream.on('error', (e: Error) => fail(errors.invalidBundle(e.message)));
        stream.on('end', () => {
          contents.set(entry.fileName, Buffer.concat(parts));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return contents;
}

/**
 * Parses a bundle as sentry-cli builds it (symbolic's SourceBundleWriter): an 8-byte 'SYSB' header
 * and a zip whose manifest.json maps each file's zip path to its url ('~/path'), type
 * ('minified_source', 'source_map', 'source') and headers ('debug-id', 'sourcemap'). Every map is
 * checked before anything is returned, so a bad bundle stores nothing.
 */
export async function readArtifactBundle(buffer: Buffer, limits: BundleLimits): Promise<ParsedBundle> {
  const zip = await openZip(buffer);
  if (zip.entryCount > limits.maxFiles + 1) {
    zip.close();
    throw errors.bundleTooManyFiles(limits.maxFiles);
  }
  // First pass: the manifest only; then the maps it names (yauzl reads entries in order, once).
  const manifestEntries = await readEntries(zip, limits, (name) => name === 'manifest.json');
  const manifestRaw = manifestEntries.get('manifest.json');
  if (!manifestRaw) throw errors.invalidBundle('it has no manifest.json');
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(manifestRaw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw errors.invalidBundle('manifest.json is not JSON');
  }
  if (!manifest || typeof manifest !== 'object' || !manifest.files || typeof manifest.files !== 'object') {
    throw errors.invalidBundle('manifest.json has no files');
  }
  const files = Object.entries(manifest.files as Record<string, ManifestFile>).filter(([, f]) => f && typeof f === 'object');
  if (files.length > limits.maxFiles) throw errors.bundleTooManyFiles(limits.maxFiles);

  const mapPaths = new Set(files.filter(([, f]) => f.type === 'source_map').map(([p]) => p));
  const contents = await readEntries(await openZip(buffer), limits, (name) => mapPaths.has(name));

  // The minified files, to find each map's file: by its Sourcemap header, else by debug ID, else by '<url>.map'.
  const minified = files.filter(([, f]) => f.type === 'minified_source' && text(f.url));
  const byReference = new Map<string, { url: string; debugId: string | null }>();
  const byDebugId = new Map<string, { url: string; debugId: string | null }>();
  for (const [, f] of minified) {
    const url = f.url as string;
    const headers = headersOf(f);
    const entry = { url, debugId: normalizeDebugId(headers.get('debug-id')) };
    const ref = headers.get('sourcemap') ?? headers.get('x-sourcemap');
    const resolved = ref ? resolveReference(url, ref) : null;
    if (resolved) byReference.set(resolved, entry);
    if (entry.debugId) byDebugId.set(entry.debugId, entry);
    if (!byReference.has(`${url}.map`)) byReference.set(`${url}.map`, entry);
  }

  const maps: ArtifactMap[] = [];
  for (const [path, f] of files) {
    if (f.type !== 'source_map') continue;
    const name = text(f.url) ?? path;
    const raw = contents.get(path);
    if (!raw) throw errors.invalidBundle(`'${name}' is in the manifest but not in the zip`);
    const map = raw.toString('utf8');
    const ownId = checkMap(name, map);
    const headerId = normalizeDebugId(headersOf(f).get('debug-id'));
    const debugId = headerId ?? ownId;
    const file = (text(f.url) && byReference.get(f.url as string)) || (debugId ? byDebugId.get(debugId) : undefined);
    const fileUrl = file?.url ?? null;
    maps.push({ debugId: debugId ?? file?.debugId ?? null, url: fileUrl, urlPath: fileUrl ? urlPath(fileUrl) : null, map });
  }

  return {
    bundleId: normalizeDebugId(manifest.debug_id),
    release: text(manifest.release),
    dist: text(manifest.dist),
    files: files.length,
    maps,
  };
}
