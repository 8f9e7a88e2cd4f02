// POST /api/errors through app.inject: grouping, occurrences, reopen, source, scrubbing, bad input.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

async function detail(id: number) {
  const res = await t.app.inject({ method: 'GET', url: `/api/errors/${id}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('grouping', () => {
  it('creates a group with the fingerprint of the contract, then counts repeats', async () => {
    const first = await postError(t.app, report());
    expect(first.statusCode).toBe(201);
    const fp = md5('shop:ValueError:/srv/app/orders.py:12');
    expect(first.json()).toEqual({ status: 'created', fingerprint: fp, id: expect.any(Number) });

    const second = await postError(t.app, report({ message: 'bad quantity: -1' }));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ status: 'existing', fingerprint: fp, count: 2, id: first.json().id });

    const { error } = await detail(first.json().id);
    expect(error).toMatchObject({ count: 2, message: 'bad quantity: -1', file: '/srv/app/orders.py', line: 12, function: 'place_order' });
  });

  it('keeps other projects, types and lines apart', async () => {
    const ids = new Set<number>();
    for (const r of [report(), report({ project: 'blog' }), report({ exception_type: 'KeyError' }), report({ traceback: 'File "/srv/app/orders.py", line 13, in f\n' })]) {
      const res = await postError(t.app, r);
      expect(res.statusCode).toBe(201);
      ids.add(res.json().id);
    }
    expect(ids.size).toBe(4);
  });

  it('groups by the fixture crash frame for every real trace', async () => {
    const records = readFileSync(new URL('../fixtures/traces.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(100);
    for (const r of records) {
      const res = await postError(t.app, { project: 'fx', exception_type: r.exception_type, message: r.message, traceback: r.traceback });
      expect(res.statusCode, r.id).toBeLessThan(300);
      const expected = md5(`fx:${r.exception_type}:${r.expected.file}:${r.expected.line ?? ''}`);
      expect(res.json().fingerprint, r.id).toBe(expected);
    }
  });

  it('groups a report without a parsable stack by type alone', async () => {
    const res = await postError(t.app, report({ traceback: 'something went wrong, no frames here' }));
    expect(res.json().fingerprint).toBe(md5('shop:ValueError::'));
  });

  it('honours a client fingerprint, with {{ default }} standing for type:file:line', async () => {
    const custom = await postError(t.app, report({ fingerprint: 'checkout-timeout' }));
    // Client fingerprints are hashed as JSON (unambiguous, issue 14); the ordinary key stays the spec's text.
    expect(custom.json().fingerprint).toBe(md5(JSON.stringify(['client-fingerprint/2', 'shop', 'checkout-timeout'])));
    const withDefault = await postError(t.app, report({ fingerprint: ['{{ default }}', 'tenant-7'] }));
    expect(withDefault.json().fingerprint).toBe(
      md5(JSON.stringify(['client-fingerprint/2', 'shop', { default: ['ValueError', '/srv/app/orders.py', 12] }, 'tenant-7'])),
    );
    const plain = await postError(t.app, report({ fingerprint: ['{{default}}'] }));
    expect(plain.json().fingerprint).toBe(md5('shop:ValueError:/srv/app/orders.py:12'));
  });
});

describe('occurrences', () => {
  it('keeps the last five, newest first, with every part of the report', async () => {
    let id = 0;
    for (let i = 1; i <= 7; i++) {
      t.clock.now = new Date(Date.UTC(2026, 2, 1, 12, i));
      const res = await postError(
        t.app,
        report({
          message: `m${i}`,
          request_url: `https://shop.example.com/cart?item=${i}`,
          request_method: 'post',
          request_headers: { 'User-Agent': 'curl/8', Accept: '*/*' },
          user_id: `u${i}`,
          extra: { attempt: i, nested: { ok: true } },
          release: `1.0.${i}`,
          environment: 'production',
        }),
      );
      id = res.json().id;
    }
    const { error, occurrences } = await detail(id);
    expect(error.count).toBe(7);
    expect(error.release).toBe('1.0.7');
    expect(occurrences.map((o: { message: string }) => o.message)).toEqual(['m7', 'm6', 'm5', 'm4', 'm3']);
    // The spec's fields keep their meaning; the event's details (issue 16) come beside them.
    expect(occurrences[0]).toMatchObject({
      timestamp: '2026-03-01T12:07:00.000Z',
      message: 'm7',
      request_url: 'https://shop.example.com/cart?item=7',
      request_method: 'POST',
      request_headers: { 'User-Agent': 'curl/8', Accept: '*/*' },
      user_id: 'u7',
      extra: { attempt: 7, nested: { ok: true } },
      release: '1.0.7',
      environment: 'production',
    });
    const stored = t.db.prepare('SELECT count(*) AS n FROM error_occurrences WHERE error_id = ?').get(id) as { n: number };
    expect(stored.n).toBe(5);
  });

  it('uses the client timestamp in UTC and keeps first/last seen in order', async () => {
    const a = await postError(t.app, report({ timestamp: '2026-02-28T10:00:00+02:00' }));
    await postError(t.app, report({ timestamp: '2026-02-27T08:00:00Z' }));
    const { error, occurrences } = await detail(a.json().id);
    expect(error.first_seen).toBe('2026-02-27T08:00:00.000Z');
    expect(error.last_seen).toBe('2026-02-28T08:00:00.000Z');
    // Newest first by their own timestamp, not by arrival (the back-dated one came last).
    expect(occurrences.map((o: { timestamp: string }) => o.timestamp)).toEqual(['2026-02-28T08:00:00.000Z', '2026-02-27T08:00:00.000Z']);
  });

  it('clamps a timestamp from a clock far in the future to the time of receipt', async () => {
    const res = await postError(t.app, report({ timestamp: '2099-01-01T00:00:00Z' }));
    const { error } = await detail(res.json().id);
    expect(error.last_seen).toBe('2026-03-01T12:00:00.000Z');
  });

  it('reopens a resolved group when it happens again', async () => {
    const { id } = (await postError(t.app, report())).json();
    const resolved = await t.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth });
    expect(resolved.json()).toEqual({ status: 'resolved' });
    expect((await detail(id)).error).toMatchObject({ resolved: true, resolved_at: '2026-03-01T12:00:00.000Z' });

    const again = await postError(t.app, report());
    expect(again.json()).toMatchObject({ status: 'existing', count: 2, id });
    expect((await detail(id)).error).toMatchObject({ resolved: false, resolved_at: null });
  });

  it('counts occurrences per hour in the same write', async () => {
    const { id } = (await postError(t.app, report())).json();
    await postError(t.app, report());
    t.clock.now = new Date('2026-03-01T13:05:00Z');
    await postError(t.app, report());
    const rows = t.db.prepare('SELECT hour, count FROM error_hourly_counts WHERE error_id = ? ORDER BY hour').all(id);
    expect(rows).toEqual([
      { hour: '2026-03-01T12:00:00Z', count: 2 },
      { hour: '2026-03-01T13:00:00Z', count: 1 },
    ]);
  });

  it('stores concurrent reports of one new error as one group with the right count', async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, () => postError(t.app, report())));
    expect(replies.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.statusCode === 200)).toHaveLength(49);
    const counts = replies.map((r) => r.json().count ?? 1).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

describe('source', () => {
  const cases: [string, Record<string, unknown>, 'browser' | 'server'][] = [
    ['given explicitly', { source: 'browser' }, 'browser'],
    ['a Python trace', {}, 'server'],
    ['a Node trace', { traceback: 'Error: x\n    at f (/srv/app/index.js:3:9)\n' }, 'server'],
    ['a Chrome trace with an https crash frame', { traceback: 'TypeError: x\n    at f (https://app.example.com/main.js:3:9)\n' }, 'browser'],
    ['a Firefox trace', { traceback: 'f@https://app.example.com/main.js:3:9\n@https://app.example.com/main.js:9:1\n' }, 'browser'],
  ];
  it.each(cases)('%s', async (_name, overrides, expected) => {
    const { id } = (await postError(t.app, report(overrides))).json();
    expect((await detail(id)).error.source).toBe(expected);
  });
});

describe('scrubbing', () => {
  it('redacts secrets in headers, nested extra and URL query before storing', async () => {
    const res = await postError(
      t.app,
      report({
        request_url: 'https://u:hunter2@shop.example.com/login?user=ann&password=hunter2&access_token=abc#top',
        request_headers: { Authorization: 'Bearer abc', Cookie: 'sid=1', 'X-CSRF-Token': 't', Accept: 'text/html' },
        extra: { user: { name: 'ann', password: 'hunter2', cards: [{ card_number: '4111', kind: 'visa' }] }, apiKey: 'k', ssn: '1', classname: 'Cart' },
      }),
    );
    const { occurrences } = await detail(res.json().id);
    const o = occurrences[0];
    expect(o.request_url).toBe('https://u:[redacted]@shop.example.com/login?user=ann&password=[redacted]&access_token=[redacted]#top');
    expect(o.request_headers).toEqual({ Authorization: '[redacted]', Cookie: '[redacted]', 'X-CSRF-Token': '[redacted]', Accept: 'text/html' });
    expect(o.extra).toEqual({
      user: { name: 'ann', password: '[redacted]', cards: [{ card_number: '[redacted]', kind: 'visa' }] },
      apiKey: '[redacted]',
      ssn: '[redacted]',
      classname: 'Cart',
    });
    const everything = JSON.stringify(t.db.prepare('SELECT * FROM error_occurrences').all());
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('Bearer abc');
  });

  it('adds the names of SCRUB_FIELDS to the list', async () => {
    const custom = await buildTestApp({ SCRUB_FIELDS: 'pin, mother_maiden_name' });
    try {
      const res = await postError(custom.app, report({ extra: { pin: '1234', motherMaidenName: 'x', plan: 'pro' } }));
      const got = await custom.app.inject({ url: `/api/errors/${res.json().id}`, headers: auth });
      expect(got.json().occurrences[0].extra).toEqual({ pin: '[redacted]', motherMaidenName: '[redacted]', plan: 'pro' });
    } finally {
      await custom.close();
    }
  });
});

describe('bad input', () => {
  async function expectNothingStored() {
    const list = await t.app.inject({ url: '/api/errors', headers: auth });
    expect(list.json().total).toBe(0);
  }

  it.each([
    ['no project', { exception_type: 'E' }, 'project'],
    ['empty project', { project: '', exception_type: 'E' }, 'project'],
    ['project too long', { project: 'p'.repeat(101), exception_type: 'E' }, 'project'],
    ['no exception_type', { project: 'p' }, 'exception_type'],
    ['exception_type too long', { project: 'p', exception_type: 'E'.repeat(201) }, 'exception_type'],
    ['request_method too long', { ...report(), request_method: 'PROPFINDXYZ' }, 'request_method'],
    ['user_id too long', { ...report(), user_id: 'u'.repeat(201) }, 'user_id'],
    ['extra not an object', { ...report(), extra: 'nope' }, 'extra'],
    ['headers an array', { ...report(), request_headers: ['a'] }, 'request_headers'],
    ['message a number', { ...report(), message: 42 }, 'message'],
    ['bad source', { ...report(), source: 'mobile' }, 'source'],
    ['bad timestamp', { ...report(), timestamp: 'yesterday' }, 'timestamp'],
    ['empty fingerprint list', { ...report(), fingerprint: [] }, 'fingerprint'],
  ])('%s: 400 naming the field', async (_name, body, field) => {
    const res = await postError(t.app, body);
    expect(res.statusCode).toBe(400);
    const json = res.json();
    expect(json.code).toBe('validation_failed');
    expect(json.details.map((d: { path: string }) => d.path)).toContain(field);
    await expectNothingStored();
  });

  it('reports every schema problem at once', async () => {
    const res = await postError(t.app, { project: '', exception_type: '', request_method: 'x'.repeat(11) });
    expect(res.json().details.map((d: { path: string }) => d.path).sort()).toEqual(['exception_type', 'project', 'request_method']);
  });

  it('a body that is not an object: 400', async () => {
    for (const body of [[], 'text', 42, null]) {
      const res = await postError(t.app, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
  });

  it('malformed JSON: 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"project": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_json' });
    await expectNothingStored();
  });

  it('a leading byte-order mark (as Windows tools write) is not part of the JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/errors',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '\uFEFF{"project":"p","exception_type":"BomError"}',
    });
    expect(res.statusCode).toBe(201);
    expect((await detail(res.json().id)).error.exception_type).toBe('BomError');
  });

  it('a __proto__ key: stored as plain data, no pollution', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/errors',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"project":"p","exception_type":"E","extra":{"__proto__":{"polluted":true}}}',
    });
    expect(res.statusCode).toBe(201);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const { occurrences } = await detail(res.json().id);
    expect(Object.getOwnPropertyDescriptor(occurrences[0].extra, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('not JSON: 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/errors', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<error/>' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('a body over MAX_BODY_BYTES: 413, and nothing stored', async () => {
    const small = await buildTestApp({ MAX_BODY_BYTES: '2048' });
    try {
      const res = await postError(small.app, report({ message: 'x'.repeat(4096) }));
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ code: 'body_too_large' });
      const ok = await postError(small.app, report());
      expect(ok.statusCode).toBe(201);
    } finally {
      await small.close();
    }
  });

  it('a default 256 KB limit: a 200 KB traceback is taken whole (under its stored limit too), 300 KB is refused', async () => {
    const frame = '  File "/srv/app/deep.py", line 1, in f\n';
    const big = `Traceback (most recent call last):\n${frame.repeat(Math.floor(200_000 / frame.length))}ValueError: x\n`;
    const ok = await postError(t.app, report({ traceback: big }));
    expect(ok.statusCode).toBe(201);
    expect((await detail(ok.json().id)).error.traceback).toBe(big);
    const tooBig = await postError(t.app, report({ traceback: 'x'.repeat(300_000) }));
    expect(tooBig.statusCode).toBe(413);
  });
});

describe('authentication', () => {
  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'wrong-key-wrong-key-wrong' }],
    ['the key with a suffix', { 'x-api-key': `${API_KEY}x` }],
  ])('%s: 401 and nothing stored', async (_name, headers) => {
    const res = await postError(t.app, report(), headers as Record<string, string>);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: expect.any(String), code: 'unauthorized' });
    const list = await t.app.inject({ url: '/api/errors', headers: auth });
    expect(list.json().total).toBe(0);
  });

  it('never writes the key to the log', async () => {
    await postError(t.app, report());
    await postError(t.app, report(), { 'x-api-key': 'a-wrong-key-that-is-long-enough' });
    await t.app.inject({ url: '/api/errors/999999', headers: auth });
    expect(t.logs().length).toBeGreaterThan(0);
    expect(t.logs()).not.toContain(API_KEY);
    expect(t.logs()).not.toContain('a-wrong-key-that-is-long-enough');
  });
});

describe('after the commit', () => {
  it('tells the ingest listener about new groups and regressions', async () => {
    const seen: string[] = [];
    const custom = await buildTestApp({}, ':memory:', (result) => seen.push(`${result.count}:${result.created}:${result.regression}`));
    try {
      const { id } = (await postError(custom.app, report())).json();
      await postError(custom.app, report());
      await custom.app.inject({ method: 'POST', url: `/api/errors/${id}/resolve`, headers: auth });
      await postError(custom.app, report());
      expect(seen).toEqual(['1:true:false', '2:false:false', '3:false:true']); // every committed report is heard (issue 18's live stream)
    } finally {
      await custom.close();
    }
  });
});
