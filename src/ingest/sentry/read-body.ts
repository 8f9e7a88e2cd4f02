// Reads a request body of any content type, decompressing gzip/deflate/br as it streams, within byte limits.
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { AppError, errors } from '../../errors.js';

export interface BodyLimits {
  /** Bytes on the wire (MAX_BODY_BYTES). */
  compressed: number;
  /** Bytes after decompression. */
  decompressed: number;
  /** Takes decoded bytes from the budget for bodies in flight; false fails the read with 503. */
  reserve?: (bytes: number) => boolean;
}

export interface FirstLineLimits {
  /** Decoded bytes before the newline. */
  line: number;
  /** Wire bytes read while looking for it (deflate allows any number of empty blocks). */
  wire: number;
}

export interface FirstLine {
  /** The decoded bytes before the first newline (all of them when there is none); undefined past a limit. */
  line: Buffer | undefined;
  /** What was taken off the wire, for readBody to start from. */
  consumed: Buffer[];
}

/** Encodings some SDKs send that mean "not compressed" (sentry-ruby sends "", old Android "UTF-8"). */
const IDENTITY = new Set(['', 'identity', 'utf-8', 'utf8']);
const COMPRESSED = new Set(['gzip', 'x-gzip', 'br', 'deflate']);
const LF = 0x0a;

function decoderFor(encoding: string, firstChunk: Buffer): Transform {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'br':
      return createBrotliDecompress();
    default:
      // deflate: the spec says zlib-wrapped; some clients send raw deflate. A zlib header is CMF/FLG
      // with method 8 and a checksum divisible by 31.
      return firstChunk.length >= 2 && (firstChunk[0]! & 0x0f) === 8 && ((firstChunk[0]! << 8) | firstChunk[1]!) % 31 === 0
        ? createInflate()
        : createInflateRaw();
  }
}

/** The normalised encoding, or a rejection that leaves the request to finish without buffering it. */
function checkEncoding(stream: Readable, contentEncoding: string | undefined): string | Promise<never> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (IDENTITY.has(encoding) || COMPRESSED.has(encoding)) return encoding;
  stream.resume();
  return Promise.reject(errors.unsupportedEncoding(encoding));
}

const readError = (e: Error) => new AppError('bad_request', 400, `The request body could not be read: ${e.message}`);

/**
 * Decodes only as far as the first newline, one wire chunk at a time, and stops there with the
 * stream paused: what a request without a key may cost before it is authenticated. The decoded
 * bytes are thrown away; readBody decodes again from `consumed` (a few hundred bytes twice).
 */
export function readFirstLine(stream: Readable, contentEncoding: string | undefined, limits: FirstLineLimits): Promise<FirstLine> {
  const encoding = checkEncoding(stream, contentEncoding);
  if (typeof encoding !== 'string') return encoding;
  const identity = IDENTITY.has(encoding);

  return new Promise<FirstLine>((resolve, reject) => {
    const consumed: Buffer[] = [];
    const decoded: Buffer[] = [];
    let wire = 0;
    let length = 0;
    let decoder: Transform | null = null;
    let settled = false;

    const stop = () => {
      settled = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.pause(); // the error listener stays: nothing may go unheard between here and readBody
      decoder?.destroy();
    };
    const done = (line: Buffer | undefined) => {
      if (settled) return;
      stop();
      resolve({ line, consumed });
    };
    const fail = (err: AppError) => {
      if (settled) return;
      stop();
      reject(err);
    };
    const examine = (chunk: Buffer) => {
      if (settled) return;
      const end = chunk.indexOf(LF);
      const upTo = end < 0 ? chunk.length : end;
      if (length + upTo > limits.line) return done(undefined);
      if (end >= 0) return done(Buffer.concat([...decoded, chunk.subarray(0, end)]));
      decoded.push(chunk);
      length += chunk.length;
    };

    function onData(chunk: Buffer) {
      consumed.push(chunk);
      wire += chunk.length;
      if (identity) {
        examine(chunk);
        if (!settled && wire > limits.wire) done(undefined);
        return;
      }
      if (decoder === null) {
        decoder = decoderFor(encoding as string, chunk);
        decoder.on('data', examine);
        decoder.on('end', () => done(Buffer.concat(decoded)));
        decoder.on('error', (e: Error) => fail(errors.corruptBody(e.message)));
      }
      // Lock-step: the next wire chunk only once this one is decoded, so `wire` means what it says.
      stream.pause();
      decoder.write(chunk, () => {
        if (settled) return;
        if (wire > limits.wire) return done(undefined);
        stream.resume();
      });
    }
    function onEnd() {
      if (identity || decoder === null) return done(Buffer.concat(decoded));
      decoder.end();
    }
    function onError(e: Error) {
      fail(readError(e));
    }

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/**
 * Both limits are checked on every chunk, so a decompression bomb is stopped at the limit (Fastify
 * closes the connection after a parser error instead of draining the rest).
 * `consumed`: wire chunks readFirstLine already took off the stream.
 */
export function readBody(stream: Readable, contentEncoding: string | undefined, limits: BodyLimits, consumed: Buffer[] = []): Promise<Buffer> {
  const encoding = checkEncoding(stream, contentEncoding);
  if (typeof encoding !== 'string') return encoding;
  const identity = IDENTITY.has(encoding);

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
      if (limits.reserve !== undefined && !limits.reserve(chunk.length)) return fail(errors.serverBusy());
      chunks.push(chunk);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, out));
    };

    function onData(chunk: Buffer) {
      if (settled) return;
      wire += chunk.length;
      if (wire > limits.compressed) return fail(errors.bodyTooLarge(limits.compressed));
      if (identity) return collect(chunk);
      if (decoder === null) {
        decoder = decoderFor(encoding as string, chunk);
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
    function onEnd() {
      if (settled) return;
      if (identity || decoder === null) return finish(); // an empty compressed body is an empty body
      decoder.end();
    }

    stream.on('error', (e) => fail(readError(e)));
    // readFirstLine may have seen the end already: 'end' is not emitted twice.
    const ended = stream.readableEnded;
    if (!ended) {
      stream.on('end', onEnd);
      stream.on('data', onData);
      stream.resume(); // a 'data' listener alone does not restart a stream paused by readFirstLine
    }
    // Before any new 'data' event (they come on a later tick), so the order holds.
    for (const chunk of consumed) onData(chunk);
    if (ended) onEnd();
  });
}
