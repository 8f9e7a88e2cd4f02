// The bench's live-stream runs (issue 18): ingest with 20 streams open as operators' pages would hold them, against the same run without.
import { get } from 'node:http';

export const LIVE_STREAMS = 20;
export const STREAMS_RUN = `POST /api/errors 2-4 KB, ${LIVE_STREAMS} live streams open`;

/**
 * Opens `n` live streams (GET /api/stream) the way the UI does, reading and counting what arrives, as
 * operators' browsers would. Returns their figures and a close().
 */
export async function openStreams(service, n, apiKey) {
  const res = await fetch(`${service.url}/api/stream-token`, { method: 'POST', headers: { 'x-api-key': apiKey } });
  const { token } = await res.json();
  const stats = { streams: n, messages: 0, bytes: 0 };
  const requests = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const req = get(`${service.url}/api/stream?token=${encodeURIComponent(token)}`, (response) => {
            if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
            response.on('data', (chunk) => {
              stats.bytes += chunk.length;
              for (let i = chunk.indexOf('event: changes'); i >= 0; i = chunk.indexOf('event: changes', i + 1)) stats.messages += 1;
            });
            response.on('error', () => {});
            resolve(req);
          });
          req.on('error', reject);
        }),
    ),
  );
  return { stats, close: () => requests.forEach((r) => r.destroy()) };
}

/** `--live`: ingest without and with the streams, alternated, and the medians of each. */
export async function liveComparison({ service, work, headers, load, warmupSeconds, tableRows, apiKey }) {
  const next = () => ({ path: '/api/errors', body: work.smallReport() });
  await load('warm-up', service, { method: 'POST', headers, next, seconds: warmupSeconds });
  const runs = { without: [], with: [] };
  let stats;
  for (let round = 0; round < 3; round++) {
    runs.without.push(await load(`POST /api/errors 2-4 KB (round ${round + 1})`, service, { method: 'POST', headers, next }));
    const streams = await openStreams(service, LIVE_STREAMS, apiKey);
    runs.with.push(await load(`${STREAMS_RUN} (round ${round + 1})`, service, { method: 'POST', headers, next }));
    streams.close();
    stats = streams.stats;
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[1];
  console.table(tableRows([...runs.without, ...runs.with]));
  const rps = { without: median(runs.without.map((r) => r.requestsPerSecond)), with: median(runs.with.map((r) => r.requestsPerSecond)) };
  const cpu = { without: median(runs.without.map((r) => r.cpuMicrosPerRequest)), with: median(runs.with.map((r) => r.cpuMicrosPerRequest)) };
  console.log(`medians of 3: ${rps.with} req/s with ${LIVE_STREAMS} streams against ${rps.without} without (${((rps.with / rps.without) * 100).toFixed(1)}%); CPU µs/req ${cpu.with} against ${cpu.without}; the last round's streams got ${stats.messages} messages`);
}

/** The live-stream run against the same run without streams (issue 18: within 10%). */
export function describeStreams(results, byName) {
  const without = byName['POST /api/errors 2-4 KB'];
  const withStreams = byName[STREAMS_RUN];
  const { streams, messages, bytes } = results.liveStreams;
  return (
    `ingest with ${streams} live streams: ${withStreams.requestsPerSecond} req/s against ${without.requestsPerSecond} without ` +
    `(${((withStreams.requestsPerSecond / without.requestsPerSecond) * 100).toFixed(1)}%; CPU µs/req ${withStreams.cpuMicrosPerRequest} against ${without.cpuMicrosPerRequest}); ` +
    `the streams got ${messages} messages, ${(bytes / streams / 1024).toFixed(0)} KB each`
  );
}
