// The UI's source never hands a string to an HTML parser or to eval: text nodes and attributes only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEB_DIR } from '../../src/app.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const scripts = files(WEB_DIR).filter((f) => f.endsWith('.js'));

describe('web/*.js', () => {
  it('exists', () => {
    expect(scripts.map((f) => f.slice(WEB_DIR.length))).toEqual(expect.arrayContaining(['app.js', 'js/dom.js', 'js/list-view.js', 'js/details-view.js', 'js/projects-view.js']));
  });

  it.each(scripts.map((f) => [f.slice(WEB_DIR.length), f]))('%s uses no HTML-parsing or eval sink', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    for (const sink of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\s*\(/, /new Function\b/, /createContextualFragment/, /DOMParser/, /setTimeout\(\s*['"`]/, /\.srcdoc\b/]) {
      expect(source, `${sink}`).not.toMatch(sink);
    }
  });
});
