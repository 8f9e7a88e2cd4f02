// urlPath: the key that joins a frame's URL to a bundle manifest's '~/path', table-driven.
import { describe, expect, it } from 'vitest';
import { normalizeDebugId } from '../../src/sourcemaps/bundle.js';
import { urlPath } from '../../src/sourcemaps/url-path.js';

describe('urlPath', () => {
  const cases: Array<[string, string | null]> = [
    ['~/assets/app.min.js', '/assets/app.min.js'],
    ['https://cdn.example.com/assets/app.min.js', '/assets/app.min.js'],
    ['https://cdn.example.com:8443/assets/app.min.js?v=3#frag', '/assets/app.min.js'],
    ['http://localhost:5173/assets/app.min.js', '/assets/app.min.js'],
    ['app:///assets/app.min.js', '/assets/app.min.js'],
    ['/assets/app.min.js', '/assets/app.min.js'],
    ['~/assets/a b.js', '/assets/a%20b.js'],
    ['https://cdn.example.com/assets/a%20b.js', '/assets/a%20b.js'],
    ['https://cdn.example.com/', null],
    ['', null],
    ['   ', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => expect(urlPath(input)).toBe(expected));
  }
});

describe('normalizeDebugId', () => {
  const cases: Array<[unknown, string | null]> = [
    ['05F32262-C359-5611-8B9E-AFC121EAF64A', '05f32262-c359-5611-8b9e-afc121eaf64a'],
    ['05f32262c35956118b9eafc121eaf64a', '05f32262-c359-5611-8b9e-afc121eaf64a'],
    [' 05f32262-c359-5611-8b9e-afc121eaf64a ', '05f32262-c359-5611-8b9e-afc121eaf64a'],
    ['not-a-debug-id', null],
    [42, null],
    [undefined, null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => expect(normalizeDebugId(input)).toBe(expected));
  }
});
