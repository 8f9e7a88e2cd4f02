// The fingerprint contract of DESIGN.md, table-driven.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/ingest/fingerprint.js';
import { messageFingerprint } from '../../src/ingest/grouping/index.js';
import { prepareSentry } from '../../src/ingest/accept.js';
import { prepareReport } from '../../src/ingest/pipeline.js';
import { keyMatcher } from '../../src/ingest/scrub.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const base = { project: 'shop', exceptionType: 'KeyError', file: '/srv/app/a.py', line: 7 };
const client = (project: string, ...parts: unknown[]) => md5(JSON.stringify(['client-fingerprint/2', project, ...parts]));

describe('fingerprint', () => {
  it.each([
    ['the default', base, 'shop:KeyError:/srv/app/a.py:7'],
    ['no frame', { ...base, file: '', line: null }, 'shop:KeyError::'],
    ['a URL file', { ...base, file: 'https://app.example.com/main.js', line: 3 }, 'shop:KeyError:https://app.example.com/main.js:3'],
    ['{{default}} alone', { ...base, override: '{{default}}' }, 'shop:KeyError:/srv/app/a.py:7'],
    ['[{{ default }}]', { ...base, override: ['{{ default }}'] }, 'shop:KeyError:/srv/app/a.py:7'],
    ['unicode', { ...base, project: 'café', exceptionType: 'Ошибка' }, 'café:Ошибка:/srv/app/a.py:7'],
  ])('%s: the spec text, md5("{project}:{key}")', (_name, input, key) => expect(fingerprint(input)).toBe(md5(key)));

  // Literal hashes, not recomputed: an ordinary group's stored fingerprint must never change.
  it.each([
    [base, '23b6448385615bcd5e50f8d4149cd988'],
    [{ ...base, file: '', line: null }, 'c121c28e6c169f90956b03b80a0d6a61'],
  ])('known hash %#', (input, hex) => expect(fingerprint(input)).toBe(hex));

  it('a message event hashes as md5("{project}:message:{template}"), its known hash', () => {
    expect(messageFingerprint('shop', 'payment failed for %s')).toBe(md5('shop:message:payment failed for %s'));
    expect(messageFingerprint('shop', 'payment failed for %s')).toBe('b69b0d35037f81c34707597ea7912363');
  });

  it('an ordinary native report keeps its known fingerprint end to end', () => {
    const report = prepareReport(
      { project: 'shop', exception_type: 'ValueError', traceback: 'Traceback (most recent call last):\n  File "/srv/app/orders.py", line 12, in f\n    x\nValueError: bad\n' },
      { isSecret: keyMatcher([]), now: new Date() },
    );
    expect(report.fingerprint).toBe('c05c1ba9ea99059fa22b3bf786d001f5');
  });

  it('a Sentry message event keeps its known fingerprint end to end', () => {
    const { report } = prepareSentry({ text: JSON.stringify({ logentry: { message: 'payment failed for %s', formatted: 'payment failed for 7' } }), project: 'shop', receivedAt: Date.now() }, keyMatcher([]));
    expect(report.fingerprint).toBe('b69b0d35037f81c34707597ea7912363');
  });

  it.each([
    ['a string', { ...base, override: 'db-down' }, client('shop', 'db-down')],
    ['a list', { ...base, override: ['a', 'b'] }, client('shop', 'a', 'b')],
    ['{{ default }} in a list', { ...base, override: ['{{ default }}', 'eu'] }, client('shop', { default: ['KeyError', '/srv/app/a.py', 7] }, 'eu')],
  ])('a client fingerprint, %s: JSON of [tag, project, ...parts]', (_name, input, hex) => expect(fingerprint(input)).toBe(hex));

  it('never merges projects through an override', () => {
    expect(fingerprint({ ...base, override: 'x' })).not.toBe(fingerprint({ ...base, project: 'blog', override: 'x' }));
  });

  it('is unambiguous: a project name and a part cannot trade a colon', () => {
    // The attack of issue 14: `shop` sending `web:TypeError:...` hashed like `shop:web`'s own group.
    const victim = fingerprint({ project: 'shop:web', exceptionType: 'TypeError', file: 'app.js', line: 3 });
    expect(fingerprint({ ...base, override: 'web:TypeError:app.js:3' })).not.toBe(victim);
    expect(fingerprint({ ...base, project: 'shop:web', override: 'x' })).not.toBe(fingerprint({ ...base, project: 'shop', override: ['web', 'x'] }));
    expect(fingerprint({ ...base, override: ['a:b'] })).not.toBe(fingerprint({ ...base, override: ['a', 'b'] }));
    expect(fingerprint({ ...base, override: ['{{ default }}', 'x'] })).not.toBe(fingerprint({ ...base, override: ['KeyError:/srv/app/a.py:7', 'x'] }));
  });
});
