// Issue 16's SDK scenario, shared: a listening app behind a recording relay, the SDK's run, and what must arrive.
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helper.js';

/** What every scenario app sets: tests and apps (apps/, the page scripts) agree on these. */
export const SCENARIO = { release: 'shop@3.1.0', environment: 'staging', user: { id: 'u-42', email: 'jane@example.com' }, tag: ['feature', 'checkout'] } as const;

export interface Service {
  t: TestApp;
  /** A DSN for a new project, pointing at the relay. */
  dsnFor: (project: string) => Promise<string>;
  /** Item types the SDK sent, in order ('event' for a legacy /store/ body). */
  items: string[];
  close: () => Promise<void>;
}

/**
 * The app, listening, behind a relay on another port that forwards every request untouched and notes
 * the envelope item types: so a test knows the SDK really sent its sessions or transactions before
 * it asserts that they made no group.
 */
export async function startService(): Promise<Service> {
  const t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const appPort = (t.app.server.address() as { port: number }).port;
  const items: string[] = [];
  const relay: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST') items.push(...itemTypes(req.url ?? '', req.headers['content-encoding'], body));
      // The reply goes back only after the app answered: once the SDK has its reply, the app has the report.
      const up = httpRequest({ host: '127.0.0.1', port: appPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.address() as { port: number }).port;
  return {
    t,
    items,
    dsnFor: async (project) => {
      const { dsn } = (await t.app.inject({ method: 'POST', url: '/api/projects', headers: auth, payload: { name: project } })).json();
      return dsn.replace(/@[^/]+\//, `@127.0.0.1:${relayPort}/`);
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        relay.close(() => resolve());
        relay.closeAllConnections();
      });
      await t.close();
    },
  };
}

/** The item types of one request: envelope item headers (length-prefixed or one line each), or 'event' for /store/. */
function itemTypes(url: string, encoding: string | string[] | undefined, raw: Buffer): string[] {
  if (url.includes('/store/')) return ['event'];
  if (!url.includes('/envelope/')) return [];
  let body = raw;
  try {
    if (encoding === 'gzip') body = gunzipSync(raw);
    else if (encoding === 'deflate') body = inflateSync(raw);
  } catch {
    return ['unreadable'];
  }
  const types: string[] = [];
  let at = body.indexOf(10) + 1; // past the envelope header
  while (at > 0 && at < body.length) {
    const end = body.indexOf(10, at);
    const line = body.subarray(at, end === -1 ? body.length : end).toString();
    if (line.trim() === '') break;
    const header = JSON.parse(line) as { type: string; length?: number };
    types.push(header.type);
    const start = end === -1 ? body.length : end + 1;
    if (typeof header.length === 'number') at = start + header.length + 1;
    else {
      const payloadEnd = body.indexOf(10, start);
      at = payloadEnd === -1 ? body.length : payloadEnd + 1;
    }
  }
  return types;
}

/** Runs a program to its end, with a bounded environment; its output explains a failure. */
export async function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

export type Group = Record<string, unknown> & { id: number; exception_type: string; message: string; count: number; line: number; file: string };

export async function listGroups(t: TestApp, query: string): Promise<Group[]> {
  return (await t.app.inject({ url: `/api/errors?status=all&${query}`, headers: auth })).json().errors;
}

/** Polls (bounded, generous) until `ready` holds; for traffic that arrives after the test's action returned. */
export async function eventually(ready: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

export interface Expected {
  project: string;
  handledType: string;
  uncaughtType: string;
  /** Whether the SDK marks the uncaught exception's mechanism as unhandled. */
  uncaughtMechanism?: boolean;
  /** The exception_type of a message event's group. */
  messageType?: string;
}

/**
 * The scenario's outcome through the API: four groups (the handled exception twice, two messages,
 * the uncaught one) and nothing else, whatever else the SDK sent; release, environment, user, tag
 * (occurrence, distribution, filter) and breadcrumb (scrubbed) on what arrived.
 */
export async function expectScenario(t: TestApp, e: Expected, context: string): Promise<Group[]> {
  const messageType = e.messageType ?? 'Message';
  const groups = await listGroups(t, `project=${e.project}`);
  expect(groups.map((g) => `${g.exception_type}:${g.count}`).sort(), context).toEqual(
    [`${e.handledType}:2`, `${messageType}:1`, `${messageType}:1`, `${e.uncaughtType}:1`].sort(),
  );
  expect(groups.filter((g) => g.exception_type === messageType).map((g) => g.message).sort()).toEqual(['inventory low', 'payment failed']);
  for (const g of groups) expect(g).toMatchObject({ release: SCENARIO.release, environment: SCENARIO.environment });

  const handled = groups.find((g) => g.exception_type === e.handledType)!;
  const detail = (await t.app.inject({ url: `/api/errors/${handled.id}`, headers: auth })).json();
  const o = detail.occurrences[0];
  expect(o.user, context).toMatchObject(SCENARIO.user);
  expect(o.tags).toMatchObject({ [SCENARIO.tag[0]]: SCENARIO.tag[1] });
  const crumb = o.breadcrumbs.find((b: { message?: string }) => b.message === 'added item 7');
  expect(crumb, JSON.stringify(o.breadcrumbs)).toMatchObject({ category: 'cart', data: { password: '[redacted]', item: 7 } });
  expect(o.exceptions.at(-1)).toMatchObject({ type: e.handledType });
  // Both occurrences counted in the group's tag distributions, the user's email among them.
  expect(detail.tags).toEqual(expect.arrayContaining([
    expect.objectContaining({ key: SCENARIO.tag[0], values: [{ value: SCENARIO.tag[1], count: 2 }] }),
    expect.objectContaining({ key: 'user.email', values: [{ value: SCENARIO.user.email, count: 2 }] }),
  ]));
  const tagged = await listGroups(t, `project=${e.project}&tag=${SCENARIO.tag.join(':')}`);
  expect(tagged).toHaveLength(4);

  const message = groups.find((g) => g.message === 'payment failed')!;
  expect((await t.app.inject({ url: `/api/errors/${message.id}`, headers: auth })).json().occurrences[0].level).toBe('warning');
  const uncaught = groups.find((g) => g.exception_type === e.uncaughtType)!;
  const uncaughtOccurrence = (await t.app.inject({ url: `/api/errors/${uncaught.id}`, headers: auth })).json().occurrences[0];
  expect(uncaughtOccurrence.user).toMatchObject(SCENARIO.user);
  if (e.uncaughtMechanism) expect(uncaughtOccurrence.exceptions.at(-1).mechanism).toMatchObject({ handled: false });
  return groups;
}

/** The sdk (name, version) the latest occurrence of a group names. */
export async function sdkOf(s: Service, id: number): Promise<{ name: string; version: string }> {
  return (await s.t.app.inject({ url: `/api/errors/${id}`, headers: auth })).json().occurrences[0].sdk;
}
