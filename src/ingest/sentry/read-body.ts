// Reads a request body of any content type, decompressing gzip/deflate/br as it streams, within byte limits.
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { AppError, errors } from '../../errors.js';

export interface BodyLimits {
  /** Bytes on the wire (MAX_BODY_BYTES). */
  compressed: number;
  /** Bytes after decompression. */
  decompressed: number;
}

/** Encodings some SDKs send that mean "not compressed" (sentry-ruby sends "", old Android "UTF-8"). */
const IDENTITY = new Set(['', 'identity', 'utf-8', 'utf8']);

function decoderFor(encoding: string, firstChunk: Buffer): Transform | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'br':
      return createBrotliDecompress();
    case 'deflate':
      // The spec says zlib-wrapped; some clients send raw deflate. A zlib header is CMF/FLG with
      // method 8 and a checksum divisible by 31.
      return firstChunk.length >= 2 && (firstChunk[0]! & 0x0f) === 8 && ((firstChunk[0]! << 8) | firstChunk[1]!) % 31 === 0
        ? createInflate()
        : createInflateRaw();
    default:
      return null;
  }
}

/**
 * Both limits are checked on every chunk, so a decompression bomb is stopped at the limit (the
 * 413 carries `tooLarge: true` so the caller can close the connection instead of draining it).
 */
export function readBody(stream: Readable, contentEncoding: string | undefined, limits: BodyLimits): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  const identity = IDENTITY.has(encoding);
  if (!identity && !['gzip', 'x-gzip', 'br', 'deflate'].includes(encoding)) {
    stream.resume(); // let the request finish; nothing is buffered
    return Promise.reject(errors.unsupportedEncoding(encoding));
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let out = 0;
    let decoder: Transform | null = null;
    let settled = false;

    const fail = (err: AppError) => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      stream.pause();
      decoder?.destroy();
      reject(err);
    };
    const collect = (chunk: Buffer) => {
      out += chunk.length;
      if (out > limits.decompressed) return fail(errors.decompressedTooLarge(limits.decompressed));
      chunks.push(chunk);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, out));
    };

    function onData(chunk: Buffer) {
      wire += chunk.length;
      if (wire > limits.compressed) return fail(errors.bodyTooLarge(limits.compressed));
      if (identity) return collect(chunk);
      if (decoder === null) {
        decoder = decoderFor(encoding, chunk)!;
        // Small output chunks: the limit check runs before much memory is used.
        decoder.on('data', collect);
        decoder.on('end', finish);
        decoder.on('error', (e: Error) => fail(errors.corruptBody(e.message)));
      }
      // Backpressure: the wire stream waits while the decoder has output to hand over.
      if (!decoder.write(chunk)) {
        stream.pause();
        decoder.once('drain', () => {
          if (!settled) stream.resume();
        });
      }
    }

    stream.on('data', onData);
    stream.on('end', () => {
      if (settled) return;
      if (identity) return finish();
      if (decoder === null) return finish(); // an empty compressed body is an empty body
      decoder.end();
    });
    stream.on('error', (e) => fail(new AppError('bad_request', 400, `The request body could not be read: ${e.message}`)));
  });
}

