// Realistic benchmark payloads (real traces from test/fixtures, skewed over 1,000 fingerprints) and the read-side seed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FINGERPRINTS = 1_000;
const PROJECTS = 10;

/** A small deterministic PRNG, so two runs send the same mix. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Skewed like real traffic: a few groups take most reports (index 0 is the hottest). */
const skewed = (random, n) => Math.floor(n * random() ** 3);

function fixtures() {
  return readFileSync(`${ROOT}test/fixtures/traces.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.expected.file !== '');
}

const HEADERS = {
  Host: 'shop.example.com',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'en-GB,en;q=0.9',
  'Accept-Encoding': 'gzip, deflate, br',
  Referer: 'https://shop.example.com/cart',
  Cookie: 'sid=4f1c2a9e; theme=dark',
  Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x',
  'X-Request-Id': '7d3c3b1e-5b1f-4f7a-9d43-1f9f6b0d9c2a',
};

function report(base, variant, random, targetBytes) {
  const body = {
    project: `app-${variant % PROJECTS}`,
    exception_type: base.exception_type,
    message: base.message,
    traceback: base.traceback,
    request_url: `https://shop.example.com/orders/${variant}?page=2&token=abc`,
    request_method: 'POST',
    request_headers: HEADERS,
    user_id: `user-${Math.floor(random() * 10_000)}`,
    extra: { order_id: variant, items: [{ sku: 'SKU-1', qty: 2 }], password: 'hunter2', padding: '' },
    release: '2.14.0',
    environment: 'production',
  };
  const size = JSON.stringify(body).length;
  if (targetBytes > size) body.extra.padding = 'x'.repeat(targetBytes - size);
  return JSON.stringify(body);
}

/** A 50 KB report: a deep recursion trace of the same engine, as a real stack overflow looks. */
function largeTraceback(base) {
  const lines = base.traceback.split('\n');
  const frames = lines.length > 3 ? lines.slice(1, -2) : lines;
  const out = [];
  for (let size = 0; size < 40_000; size += frames.join('\n').length + 1) out.push(...frames);
  return [lines[0], ...out, ...lines.slice(-2)].join('\n');
}

export function corpus() {
  const random = prng(42);
  const bases = fixtures();
  // Variant v = (trace, project): 1,000 distinct fingerprints.
  const small = Array.from({ length: FINGERPRINTS }, (_, v) => report(bases[v % bases.length], v, random, 2_000 + Math.floor(random() * 2_000)));
  const large = Array.from({ length: 100 }, (_, v) => {
    const base = bases[v % bases.length];
    return report({ ...base, traceback: largeTraceback(base) }, v, random, 50_000);
  });
  const envelopes = Array.from({ length: 200 }, (_, v) => sentryEnvelope(v, random));
  const rich = Array.from({ length: 200 }, (_, v) => sentryEnvelope(v, random, { breadcrumbs: 30, tags: 10 }));
  const richNoIds = Array.from({ length: 200 }, (_, v) => sentryEnvelope(v, random, { breadcrumbs: 30, tags: 10, withoutIds: true }));
  return {
    smallReport: () => small[skewed(random, small.length)],
    largeReport: () => large[skewed(random, large.length)],
    envelope: () => envelopes[skewed(random, envelopes.length)],
    /** The same events carrying 30 breadcrumbs and 10 tags (issue 16's bench). */
    richEnvelope: () => rich[skewed(random, rich.length)],
    /** Without event ids: none is a resend, so every one is written, details and all. */
    richEnvelopeWithoutIds: () => richNoIds[skewed(random, richNoIds.length)],
    async sentryProject(url, apiKey) {
      const headers = { 'content-type': 'application/json', 'x-api-key': apiKey };
      await fetch(`${url}/api/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench-sentry' }) });
      const project = await (await fetch(`${url}/api/projects/bench-sentry`, { headers })).json();
      return { dsnKey: project.ingest_key, projectId: project.id };
    },
  };
}

/** An error event as @sentry/node 10 sends it (shared/sentry-protocol.md, 8.1), in an envelope. */
function sentryEnvelope(v, random, { breadcrumbs = 0, tags = 0, withoutIds = false } = {}) {
  const eventId = createHash('md5').update(`${v}-${random()}`).digest('hex');
  const event = {
    event_id: eventId,
    timestamp: Date.now() / 1000,
    platform: 'node',
    level: 'error',
    environment: 'production',
    release: 'shop@2.14.0',
    server_name: 'web-1',
    exception: {
      values: [
        {
          type: 'Error',
          value: `order ${v % 50} missing`,
          mechanism: { type: 'generic', handled: true },
          stacktrace: {
            frames: [
              { filename: 'node:internal/process/task_queues', function: 'process.processTicksAndRejections', lineno: 95, colno: 5, in_app: false },
              { filename: '/srv/shop/node_modules/express/lib/router/layer.js', function: 'Layer.handle', lineno: 95, colno: 5, in_app: false },
              { filename: `/srv/shop/src/orders-${v % 50}.js`, function: 'loadOrder', lineno: 10 + (v % 7), colno: 11, in_app: true },
            ],
          },
        },
      ],
    },
    contexts: { runtime: { name: 'node', version: 'v20.20.2' }, os: { name: 'Linux' } },
    sdk: { name: 'sentry.javascript.node', version: '10.78.0' },
  };
  if (breadcrumbs) event.breadcrumbs = Array.from({ length: breadcrumbs }, (_, i) => breadcrumb(v, i));
  if (tags) event.tags = Object.fromEntries(Array.from({ length: tags }, (_, i) => [`tag_${i}`, `value-${(v + i) % 7}`]));
  if (withoutIds) delete event.event_id;
  const header = { ...(withoutIds ? {} : { event_id: eventId }), sent_at: new Date().toISOString(), sdk: { name: 'sentry.javascript.node', version: '10.78.0' } };
  return `${JSON.stringify(header)}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}\n`;
}

/** What @sentry/node records before an error: console lines, outgoing HTTP calls, its own marks. */
function breadcrumb(v, i) {
  const at = Date.now() / 1000 - (30 - i);
  if (i % 3 === 0) return { timestamp: at, category: 'console', level: 'info', message: `loading order ${v}-${i} from the cache` };
  if (i % 3 === 1) return { timestamp: at, type: 'http', category: 'http', data: { url: `http://inventory.internal:8080/items/${v * 31 + i}?fields=stock`, method: 'GET', status_code: 200 } };
  return { timestamp: at, category: 'auth', level: 'info', message: 'session refreshed', data: { user: `u-${v}` } };
}

/**
 * The read side's reports, in arrival order: every group once, then the rest skewed over them.
 * Deterministic, so the bulk seed and the store path can be compared (test/bench/workload.test.ts).
 */
export function* seedReports(groups, occurrences, now = Date.now()) {
  const random = prng(7);
  const words = ['timeout', 'refused', 'undefined', 'missing', 'overflow', 'denied', 'invalid', 'closed'];
  for (let i = 0; i < occurrences; i++) {
    const g = i < groups ? i : skewed(random, groups);
    yield {
      fingerprint: createHash('md5').update(`group-${g}`).digest('hex'),
      project: `app-${g % 20}`,
      exceptionType: ['TypeError', 'ValueError', 'KeyError', 'RangeError', 'Error'][g % 5],
      message: `${words[g % words.length]} while handling order ${g}`,
      traceback: `Error: x\n    at handler (/srv/app/src/module-${g % 500}.js:${g % 300}:7)\n    at next (/srv/app/node_modules/express/lib/router/route.js:149:13)\n`,
      file: `/srv/app/src/module-${g % 500}.js`,
      line: g % 300,
      function: 'handler',
      source: g % 5 < 2 ? 'browser' : 'server',
      timestamp: new Date(now - Math.floor(random() * 14 * 24 * 3600 * 1000)).toISOString(),
      requestUrl: `https://shop.example.com/orders/${g}`,
      requestMethod: 'GET',
      requestHeaders: { 'User-Agent': HEADERS['User-Agent'], Accept: HEADERS.Accept },
      userId: `user-${g % 1000}`,
      extra: { order_id: g, attempt: 1 },
      release: '2.14.0',
      environment: 'production',
    };
  }
}

/** Every third group resolved, as on a triaged project. */
export const isSeededResolved = (id) => id % 3 === 1;

/**
 * Writes what the store would have written for `reports` (same schema, same group rows and tracebacks,
 * the ring of five, hourly counts) with bulk SQL: folding the reports in memory first takes seconds where
 * 1,000,000 store transactions take minutes. Test tooling, so its SQL lives outside src/store;
 * test/bench/workload.test.ts holds it equal to the store's own result.
 */
export function bulkWrite(db, reports, resolvedAt) {
  const groups = new Map();
  const projects = [];
  const seenProjects = new Set();
  for (const r of reports) {
    if (!seenProjects.has(r.project)) {
      seenProjects.add(r.project);
      projects.push(r.project);
    }
    let g = groups.get(r.fingerprint);
    if (!g) {
      g = { id: groups.size + 1, first: r, last: r, count: 0, firstSeen: r.timestamp, lastSeen: r.timestamp, firstRelease: null, ring: [], hours: new Map() };
      groups.set(r.fingerprint, g);
    }
    g.count++;
    // The first release is the first report's, in arrival order, that names one.
    g.firstRelease ??= r.release;
    // What changes from report to report is the newest's by timestamp (of equal ones the last to arrive).
    if (r.timestamp >= g.last.timestamp) g.last = r;
    if (r.timestamp < g.firstSeen) g.firstSeen = r.timestamp;
    if (r.timestamp > g.lastSeen) g.lastSeen = r.timestamp;
    // The ring: the five newest by timestamp, then arrival; a report older than all five kept stays out.
    const entry = { r, seq: g.count };
    if (g.ring.length < 5) g.ring.push(entry);
    else {
      let oldest = 0;
      for (let j = 1; j < 5; j++) if (older(g.ring[j], g.ring[oldest])) oldest = j;
      if (older(g.ring[oldest], entry)) g.ring[oldest] = entry;
    }
    const hour = `${r.timestamp.slice(0, 13)}:00:00Z`;
    g.hours.set(hour, (g.hours.get(hour) ?? 0) + 1);
  }
  const json = (v) => (v === null ? null : JSON.stringify(v));
  const insertProject = db.prepare('INSERT INTO projects (name, ingest_key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING');
  const insertGroup = db.prepare(`
    INSERT INTO errors (id, fingerprint, project, exception_type, message, file, line, function, source,
                        count, first_seen, last_seen, resolved, resolved_at, release, environment, first_release)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertTraceback = db.prepare('INSERT INTO error_tracebacks (error_id, traceback) VALUES (?, ?)');
  const insertOccurrence = db.prepare(`
    INSERT INTO error_occurrences (error_id, slot, seq, timestamp, message, request_url, request_method,
                                   request_headers, user_id, extra, release, environment)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertHour = db.prepare('INSERT INTO error_hourly_counts (error_id, hour, count) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const name of projects) insertProject.run(name, createHash('md5').update(`key-${name}`).digest('hex'), resolvedAt);
    for (const g of groups.values()) {
      // Exception type, file, line and function stay the first report's; the rest follow the newest.
      const { first, last } = g;
      const resolved = isSeededResolved(g.id);
      insertGroup.run(g.id, first.fingerprint, first.project, first.exceptionType, last.message, first.file, first.line, first.function,
        last.source, g.count, g.firstSeen, g.lastSeen, resolved ? 1 : 0, resolved ? resolvedAt : null, last.release, last.environment, g.firstRelease ?? null);
      insertTraceback.run(g.id, last.traceback);
      g.ring.forEach(({ r, seq }, slot) =>
        insertOccurrence.run(g.id, slot, seq, r.timestamp, r.message, r.requestUrl, r.requestMethod, json(r.requestHeaders), r.userId, json(r.extra), r.release, r.environment),
      );
      for (const [hour, count] of g.hours) insertHour.run(g.id, hour, count);
    }
  })();
  return { groups: groups.size, projects: projects.length };
}

/** Whether ring entry a is older than b: by timestamp, then by arrival. */
function older(a, b) {
  return a.r.timestamp < b.r.timestamp || (a.r.timestamp === b.r.timestamp && a.seq < b.seq);
}

/** The read-side database: `occurrences` reports over `groups` groups, written in bulk. */
export async function seedDatabase(path, groups, occurrences) {
  const { openDatabase } = await import(`${ROOT}dist/store/sqlite/open-database.js`);
  const { migrate } = await import(`${ROOT}dist/store/sqlite/migrate.js`);
  const started = performance.now();
  const db = openDatabase(path);
  migrate(db);
  // Seeding only: the benchmark's own file, rebuilt on a crash; the service reopens it with FULL.
  db.pragma('synchronous = OFF');
  bulkWrite(db, seedReports(groups, occurrences), new Date().toISOString());
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { groups, occurrences, aProject: 'app-3', aSearch: 'overflow', aRareSearch: 'order 4242', seconds: (performance.now() - started) / 1000 };
}
