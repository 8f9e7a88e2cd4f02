// A /store/ body in the encodings of the Raven-era clients: base64 of zlib, zlib, gzip, or plain JSON (pure).
import { gunzipSync, inflateSync } from 'node:zlib';
import { errors } from '../../errors.js';

/** zlib's CMF/FLG: method 8 (deflate) and a header checksum divisible by 31. */
const isZlib = (b: Buffer) => b.length >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0;
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The event's JSON bytes. Raven clients (Ruby by default, old Python and JavaScript) send base64 of
 * zlib-compressed JSON, often typed application/octet-stream and without a Content-Encoding; some
 * send the zlib or gzip bytes themselves. A body that already reads as JSON (the usual case, or
 * one the HTTP layer decompressed) is returned as it is. Output is capped at `maxBytes` (413).
 */
export function decodeStoreBody(body: Buffer, maxBytes: number): Buffer {
  if (startsLikeJson(body)) return body;
  if (isGzip(body) || isZlib(body)) return inflate(body, maxBytes);
  const text = body.toString('latin1').replace(/\s+/g, '');
  if (!BASE64.test(text)) return body; // not ours to decode: the JSON parser says what is wrong
  const decoded = Buffer.from(text, 'base64');
  if (isGzip(decoded) || isZlib(decoded)) return inflate(decoded, maxBytes);
  return startsLikeJson(decoded) ? decoded : body;
}

function startsLikeJson(b: Buffer): boolean {
  for (let i = 0; i < b.length && i < 64; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    // `{`, or a UTF-8 byte-order mark before it.
    return c === 0x7b || (c === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf);
  }
  return false;
}

function inflate(b: Buffer, maxBytes: number): Buffer {
  try {
    return isGzip(b) ? gunzipSync(b, { maxOutputLength: maxBytes }) : inflateSync(b, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw errors.decompressedTooLarge(maxBytes);
    throw errors.corruptBody((err as Error).message);
  }
}
