// Security headers on the UI and the API: a strict CSP, no framing, nosniff, no referrer; the API still answers JSON.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { securityHeaderOptions, securityHeaders } from '../../src/security-headers.js';
import { auth, buildTestApp, postError, report, type TestApp } from '../helper.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
}

describe('the UI', () => {
  it.each(['/', '/app.js', '/style.css', '/js/dom.js'])('%s is served with a strict Content-Security-Policy', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    const csp = directives(String(res.headers['content-security-policy']));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(String(res.headers['content-security-policy'])).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('has no inline script or style in its page', async () => {
    const html = (await t.app.inject({ method: 'GET', url: '/' })).body;
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/<script type="module" src="\/app.js"><\/script>/);
    expect(html.match(/<script\b[^>]*>[^<]+<\/script>/)).toBeNull();
    expect(html).not.toMatch(/\sstyle=|<style|\son\w+=/i);
  });
});

describe('the API behind the headers', () => {
  it('still takes reports and answers JSON, with the same headers', async () => {
    expect((await postError(t.app, report())).statusCode).toBe(201);
    const res = await t.app.inject({ method: 'GET', url: '/api/errors', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().total).toBe(1);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const denied = await t.app.inject({ method: 'GET', url: '/api/errors' });
    expect(denied.statusCode).toBe(401);
    expect(denied.json()).toMatchObject({ code: 'unauthorized' });
  });
});

describe('the headers computed once at startup', () => {
  /** What helmet's own middleware sets on a real Node response, the reference the app must match. */
  function helmetOnARealResponse(): Record<string, unknown> {
    const req = new IncomingMessage(new Socket());
    const res = new ServerResponse(req);
    res.setHeader('X-Powered-By', 'something');
    let called = false;
    helmet(securityHeaderOptions)(req, res, () => {
      called = true;
    });
    expect(called).toBe(true);
    return res.getHeaders();
  }

  it('are exactly what helmet sets', () => {
    const reference = helmetOnARealResponse();
    expect(reference['x-powered-by']).toBeUndefined();
    expect(reference['content-security-policy']).toContain("default-src 'none'");
    expect(securityHeaders()).toEqual(reference);
  });

  it.each([
    ['GET', '/health', undefined],
    ['GET', '/', undefined],
    ['GET', '/api/errors', auth],
    ['GET', '/api/errors', undefined],
    ['GET', '/no/such/route', undefined],
    ['POST', '/api/errors', auth],
  ] as const)('are on every reply: %s %s', async (method, url, headers) => {
    const reference = helmetOnARealResponse();
    const res =
      method === 'POST'
        ? await postError(t.app, report())
        : await t.app.inject({ method, url, ...(headers ? { headers } : {}) });
    const sent = Object.fromEntries(Object.keys(reference).map((name) => [name, res.headers[name]]));
    expect(sent).toEqual(reference);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});
