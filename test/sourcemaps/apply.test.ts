// The pure parts of mapping: source names as developers know them, names from the caller's call site, debug images of an event.
import { describe, expect, it } from 'vitest';
import { applyMappings, tidySource } from '../../src/sourcemaps/apply.js';
import { debugImagesOf, frameFilesOf, normaliseDebugId } from '../../src/sourcemaps/debug-ids.js';
import type { Frame } from '../../src/ingest/stack/types.js';

describe('tidySource', () => {
  it.each([
    ['../src/cart.js', 'src/cart.js'],
    ['../../src/cart.js', 'src/cart.js'],
    ['./src/cart.js', 'src/cart.js'],
    ['webpack://shop/./src/cart.js', 'src/cart.js'],
    ['webpack:///src/cart.js', 'src/cart.js'],
    ['../node_modules/react-dom/cjs/react-dom.production.js', 'node_modules/react-dom/cjs/react-dom.production.js'],
    ['/home/ci/app/src/cart.js', '/home/ci/app/src/cart.js'],
    ['https://example.com/src/cart.js', 'https://example.com/src/cart.js'],
  ])('%s -> %s', (source, expected) => expect(tidySource(source)).toBe(expected));
});

describe('applyMappings', () => {
  const f = (fn: string, column: number): Frame => ({ file: 'https://x/app.js', line: 1, column, function: fn, inApp: true });
  const mapped = (source: string, line: number, name: string | null) => ({ status: 'mapped' as const, original: { source, line, column: 3, name } });

  it('names a frame by what its caller called, keeps the minified name without one, and marks bundled libraries not in-app', () => {
    const out = applyMappings(
      [f('t', 10), f('n', 20), f('r', 30), f('page', 40)],
      [mapped('../node_modules/lib/index.js', 5, null), mapped('../src/a.js', 7, 'libCall'), mapped('../src/b.js', 9, 'handleClick'), undefined],
    );
    expect(out.map((x) => [x.file, x.line, x.function, x.inApp])).toEqual([
      ['node_modules/lib/index.js', 5, 'libCall', false],
      ['src/a.js', 7, 'handleClick', true],
      ['src/b.js', 9, 'r', true],
      ['https://x/app.js', 1, 'page', true],
    ]);
    expect(out[1]!.generated).toEqual({ file: 'https://x/app.js', line: 1, column: 20, function: 'n' });
  });

  it('says why a frame stayed as sent', () => {
    expect(applyMappings([f('t', 1)], [{ status: 'unmapped', reason: 'no_map' }])[0]).toMatchObject({ file: 'https://x/app.js', unmapped: 'no_map' });
  });
});

describe('debug images', () => {
  it('keeps well-formed sourcemap images of the files the frames name, debug IDs lowercase with dashes', () => {
    const url = 'https://shop.example/assets/app.js';
    const event = {
      exception: { values: [{ stacktrace: { frames: [{ filename: `${url}?v=2`, abs_path: `${url}?v=2` }] } }] },
      debug_meta: {
        images: [
          { type: 'sourcemap', code_file: url, debug_id: 'C0FFEE001234ABCD8DEF0123456789AB' },
          { type: 'sourcemap', code_file: 'https://shop.example/assets/unused.js', debug_id: 'c0ffee00-1234-4abc-8def-0123456789ac' },
          { type: 'sourcemap', code_file: url, debug_id: 'not-a-uuid' },
          { type: 'elf', code_file: url, debug_id: 'c0ffee00-1234-4abc-8def-0123456789ad' },
          'junk',
        ],
      },
    };
    expect(debugImagesOf(event, frameFilesOf(event))).toEqual([{ code_file: url, debug_id: 'c0ffee00-1234-abcd-8def-0123456789ab' }]);
    expect(normaliseDebugId('{c0ffee00-1234-4abc-8def-0123456789ab}')).toBeUndefined();
  });
});
