// An event that names no sdk takes the request's sentry_client (raven-js sends it only there), as Relay does.
import { describe, expect, it } from 'vitest';
import { prepareSentry } from '../../../src/ingest/accept.js';
import { clientFromRequest, sdkOfClient } from '../../../src/ingest/sentry/auth.js';
import { keyMatcher } from '../../../src/ingest/scrub.js';

describe('clientFromRequest', () => {
  it.each([
    ['the query (raven-js)', { sentry_client: 'raven-js/3.22.1' }, {}, 'raven-js/3.22.1'],
    ['X-Sentry-Auth (raven-ruby)', {}, { 'x-sentry-auth': 'Sentry sentry_version=5, sentry_client=raven-ruby/3.1.2, sentry_key=k' }, 'raven-ruby/3.1.2'],
    ['Authorization', {}, { authorization: 'Sentry sentry_key=k,sentry_client=x/1' }, 'x/1'],
    ['the query before a header', { sentry_client: 'a/1' }, { 'x-sentry-auth': 'Sentry sentry_client=b/2' }, 'a/1'],
    ['nowhere', { sentry_key: 'k' }, { 'x-sentry-auth': 'Sentry sentry_key=k' }, undefined],
    ['empty', { sentry_client: '' }, {}, undefined],
  ])('%s', (_name, query, headers, expected) => {
    expect(clientFromRequest(query, headers)).toBe(expected);
  });
});

describe('sdkOfClient', () => {
  it.each([
    ['raven-js/3.22.1', { name: 'raven-js', version: '3.22.1' }],
    ['sentry.javascript.browser/7.120.4', { name: 'sentry.javascript.browser', version: '7.120.4' }],
    ['a/b/1.0', { name: 'a/b', version: '1.0' }],
    ['no-version', { name: 'no-version' }],
    ['/1.0', { name: '/1.0' }],
  ])('%s', (client, expected) => {
    expect(sdkOfClient(client)).toEqual(expected);
  });
});

describe('prepareSentry with a client', () => {
  const prepare = (event: object, client?: string) =>
    prepareSentry({ text: JSON.stringify(event), project: 'web', receivedAt: Date.parse('2026-03-01T12:00:00Z'), client }, keyMatcher([])).report;

  it('fills a missing sdk from the client', () => {
    expect(prepare({ message: 'x', platform: 'javascript' }, 'raven-js/3.22.1').details?.sdk).toEqual({ name: 'raven-js', version: '3.22.1' });
  });
  it("keeps the event's own sdk", () => {
    expect(prepare({ message: 'x', sdk: { name: 'sentry.python', version: '1.9.10' } }, 'raven-js/3.22.1').details?.sdk).toEqual({ name: 'sentry.python', version: '1.9.10' });
  });
  it('leaves sdk unset without a client, and the fingerprint does not depend on it', () => {
    expect(prepare({ message: 'x' }).details?.sdk).toBeUndefined();
    expect(prepare({ message: 'x' }, 'raven-js/3.22.1').fingerprint).toBe(prepare({ message: 'x' }).fingerprint);
  });
});
