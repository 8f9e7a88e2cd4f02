// The Raven-era /store/ encodings, table-driven: base64+zlib, zlib, gzip, plain JSON, and what is refused.
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { decodeStoreBody } from '../../../src/ingest/sentry/legacy-body.js';

const json = '{"message":"hello","level":"error"}';

describe('decodeStoreBody', () => {
  it.each([
    ['plain JSON', Buffer.from(json)],
    ['JSON after whitespace', Buffer.from(`\n  ${json}`)],
    ['zlib', deflateSync(json)],
    ['gzip', gzipSync(json)],
    ['base64 of zlib (raven-ruby, raven-python)', Buffer.from(deflateSync(json).toString('base64'))],
    ['base64 of zlib, wrapped in lines', Buffer.from(deflateSync(json).toString('base64').replace(/(.{20})/g, '$1\n'))],
    ['base64 of gzip', Buffer.from(gzipSync(json).toString('base64'))],
    ['base64 of plain JSON', Buffer.from(Buffer.from(json).toString('base64'))],
  ])('%s', (_name, body) => {
    expect(decodeStoreBody(body, 1 << 20).toString().trim()).toBe(json);
  });

  it('leaves what is none of these to the JSON parser', () => {
    expect(decodeStoreBody(Buffer.from('not json at all'), 1 << 20).toString()).toBe('not json at all');
    expect(decodeStoreBody(Buffer.from('aGVsbG8='), 1 << 20).toString()).toBe('aGVsbG8=');
    expect(decodeStoreBody(Buffer.alloc(0), 1 << 20).length).toBe(0);
  });

  it('413 past the cap (a zlib bomb), 400 for corrupt zlib', () => {
    const bomb = Buffer.from(deflateSync(Buffer.alloc(5_000_000, 0x20)).toString('base64'));
    expect(() => decodeStoreBody(bomb, 1 << 20)).toThrow(expect.objectContaining({ statusCode: 413 }));
    const corrupt = deflateSync(json).subarray(0, 12);
    const err = (() => {
      try {
        decodeStoreBody(corrupt, 1 << 20);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).statusCode).toBe(400);
  });
});
