// The fingerprint contract of DESIGN.md, table-driven.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const base = { project: 'shop', exceptionType: 'KeyError', file: '/srv/app/a.py', line: 7 };

describe('fingerprint', () => {
  it.each([
    ['the default', base, 'shop:KeyError:/srv/app/a.py:7'],
    ['no frame', { ...base, file: '', line: null }, 'shop:KeyError::'],
    ['a URL file', { ...base, file: 'https://app.example.com/main.js', line: 3 }, 'shop:KeyError:https://app.example.com/main.js:3'],
    ['a string override', { ...base, override: 'db-down' }, 'shop:db-down'],
    ['a list override', { ...base, override: ['a', 'b'] }, 'shop:a:b'],
    ['{{ default }} in a list', { ...base, override: ['{{ default }}', 'eu'] }, 'shop:KeyError:/srv/app/a.py:7:eu'],
    ['{{default}} alone', { ...base, override: '{{default}}' }, 'shop:KeyError:/srv/app/a.py:7'],
    ['unicode', { ...base, project: 'café', exceptionType: 'Ошибка' }, 'café:Ошибка:/srv/app/a.py:7'],
  ])('%s', (_name, input, key) => expect(fingerprint(input)).toBe(md5(key)));

  it('never merges projects through an override', () => {
    expect(fingerprint({ ...base, override: 'x' })).not.toBe(fingerprint({ ...base, project: 'blog', override: 'x' }));
  });
});
