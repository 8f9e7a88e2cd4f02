// Table-driven tests of the scrubber: which keys are secrets, nested values, URLs.
import { describe, expect, it } from 'vitest';
import { keyMatcher, MAX_DEPTH, REDACTED, scrubObject, scrubUrl, TOO_DEEP } from '../../src/ingest/scrub.js';

const isSecret = keyMatcher();

describe('keyMatcher', () => {
  it.each([
    'password', 'Password', 'db_password', 'passwd', 'client_secret', 'access_token', 'X-CSRF-Token', 'api_key', 'apiKey',
    'X-API-Key', 'Authorization', 'Proxy-Authorization', 'Cookie', 'Set-Cookie', 'sessionid', 'JSESSIONID', 'csrf',
    'credit_card', 'creditCard', 'card_number', 'cardNumber', 'ssn', 'user_ssn', 'userSSN',
  ])('%s is secret', (key) => expect(isSecret(key)).toBe(true));

  it.each(['user', 'email', 'classname', 'lesson', 'Accept', 'User-Agent', 'amount', 'author', 'card_brand', 'sku'])('%s is not', (key) =>
    expect(isSecret(key)).toBe(false),
  );

  // Word boundaries (issue 16): a sensitive name is a word of the key, or glued into one with an
  // identifier suffix; `session` must end the key or be followed by an identifier.
  it.each([
    ['session:duration', false], ['session.started_at', false], ['sessions', false], ['session_count', false],
    ['session', true], ['session_id', true], ['sessionid', true], ['sessionId', true], ['SessionKey', true], ['user_session', true],
    ['X-Session-Token', true], ['PHPSESSID', true], ['session_cookie', true],
    ['tokenizer', false], ['secretary', false], ['cookies_enabled', true], ['passwordless', false], ['tokens', true],
    ['accesstoken', true], ['XCSRFToken', true], ['refreshToken', true], ['db.password', true], ['passwords', true], ['apikeys', true],
    ['api', false], ['key', false], ['keyboard', false], ['api_version', false], ['card', false],
  ])('word boundaries: %s -> %s', (key, secret) => expect(isSecret(key)).toBe(secret));

  it('adds configured names under the same rules', () => {
    const custom = keyMatcher(['pin', 'mother_maiden_name']);
    expect(custom('pin')).toBe(true);
    expect(custom('card_pin')).toBe(true);
    expect(custom('spinner')).toBe(false);
    expect(custom('MotherMaidenName')).toBe(true);
    expect(custom('password')).toBe(true);
  });
});

describe('scrubObject', () => {
  it('redacts at any depth, inside arrays, without touching the input', () => {
    const input = { a: { b: [{ token: 't', keep: 1 }], secret: { nested: 'whole subtree goes' } }, n: null, list: [1, 'x'] };
    const copy = structuredClone(input);
    expect(scrubObject(input, isSecret)).toEqual({ a: { b: [{ token: REDACTED, keep: 1 }], secret: REDACTED }, n: null, list: [1, 'x'] });
    expect(input).toEqual(copy);
  });

  it('keeps a __proto__ key as plain data', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const out = scrubObject(input, isSecret);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('scrubs under a __proto__ key like under any other', () => {
    const out = scrubObject(JSON.parse('{"__proto__": {"password": "p", "keep": 1}, "constructor": {"token": "t"}}'), isSecret);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ password: REDACTED, keep: 1 });
    expect(Object.getOwnPropertyDescriptor(out, 'constructor')?.value).toEqual({ token: REDACTED });
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor']);
  });

  it('cuts hostile nesting at a bounded depth', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    let out = scrubObject(deep, isSecret) as Record<string, unknown>;
    let depth = 0;
    while (typeof out.d === 'object') {
      out = out.d as Record<string, unknown>;
      depth++;
    }
    expect(out.d).toBe(TOO_DEEP);
    expect(depth).toBe(MAX_DEPTH - 1);
  });
});

describe('scrubUrl', () => {
  it.each([
    ['https://a.example/x', 'https://a.example/x'],
    ['https://a.example/x?q=shoes&page=2', 'https://a.example/x?q=shoes&page=2'],
    ['https://a.example/x?token=abc&q=1', `https://a.example/x?token=${REDACTED}&q=1`],
    ['https://a.example/x?q=1&api_key=k#frag', `https://a.example/x?q=1&api_key=${REDACTED}#frag`],
    ['https://a.example/x?Session%5FId=9', `https://a.example/x?Session%5FId=${REDACTED}`],
    ['https://a.example/x?api+key=9&q=a+b', `https://a.example/x?api+key=${REDACTED}&q=a+b`],
    ['https://a.example/x?password', `https://a.example/x?password=${REDACTED}`],
    ['https://user:pw@a.example/x?q=1', `https://user:${REDACTED}@a.example/x?q=1`],
    ['https://user@a.example/x', 'https://user@a.example/x'],
    ['/relative/path?secret=1', `/relative/path?secret=${REDACTED}`],
    ['https://a.example/x?bad=%E0%A4%A', 'https://a.example/x?bad=%E0%A4%A'],
  ])('%s', (url, expected) => expect(scrubUrl(url, isSecret)).toBe(expected));
});

describe('keyMatcher memo', () => {
  it('gives the same verdicts when keys repeat, past its size and for long keys', () => {
    const isSecret = keyMatcher(['ssn']);
    const keys = Array.from({ length: 10_050 }, (_, i) => (i % 3 === 0 ? `user_ssn_${i}` : i % 3 === 1 ? `X-Api-Token-${i}` : `classname${i}`));
    keys.push(`${'a'.repeat(200)}_password`, `${'a'.repeat(200)}_plain`);
    const first = keys.map(isSecret);
    expect(keys.map(isSecret)).toEqual(first);
    expect(first.filter(Boolean)).toHaveLength(Math.ceil(10_050 / 3) + Math.floor(10_050 / 3) + 1);
    expect(first.at(-1)).toBe(false);
  });
});
