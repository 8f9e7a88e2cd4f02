// Log lines carry the level's name ("warn", "fatal"), as the README and operators' greps expect, not pino's number.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

describe('log levels by name', () => {
  it('every level is written as its name, the rest of the record unchanged', () => {
    const lines: string[] = [];
    const logger = createLogger('trace', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) logger[level]({ event: 'x', headers: { cookie: 'sid=1' } }, `at ${level}`);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.msg])).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => [l, `at ${l}`]));
    expect(records.every((r) => typeof r.time === 'number' && r.event === 'x' && (r.headers as { cookie: string }).cookie === '[redacted]')).toBe(true);
  });

  it('LOG_LEVEL still filters by severity', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    logger.info('hidden');
    logger.warn('shown');
    logger.error('shown too');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });
});
