// Every real trace in test/fixtures/traces.jsonl must yield its recorded crash frame and fingerprint.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStack, pickCrashFrame } from '../../src/ingest/stack/parse.js';

interface TraceRecord {
  id: string;
  engine: string;
  exception_type: string;
  traceback: string;
  expected: { file: string; line: number | null; function: string };
}

const records: TraceRecord[] = readFileSync(new URL('../fixtures/traces.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as TraceRecord);

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const groupKey = (type: string, file: string, line: number | null): string => md5(`proj:${type}:${file}:${line ?? ''}`);

const FORMAT_BY_ENGINE: Record<string, string> = { node20: 'v8', chromium: 'v8', firefox: 'firefox', webkit: 'safari', jsc: 'safari' };

describe('real traces (test/fixtures/traces.jsonl)', () => {
  it('has the 105 recorded traces', () => {
    expect(records).toHaveLength(105);
  });

  it.each(records.map((r) => [r.id, r] as const))('%s', (_id, record) => {
    const stack = parseStack(record.traceback);
    const crash = pickCrashFrame(stack.frames);
    const file = crash?.file ?? '';
    const line = crash?.line ?? null;
    expect({ file, line }).toEqual({ file: record.expected.file, line: record.expected.line });
    expect(groupKey(record.exception_type, file, line)).toBe(
      groupKey(record.exception_type, record.expected.file, record.expected.line),
    );
    if (crash) expect(crash.function).toBe(record.expected.function);
  });

  it.each(records.filter((r) => r.expected.line !== null).map((r) => [r.id, r] as const))(
    '%s: detected format matches the engine',
    (_id, record) => {
      const expected = record.engine.startsWith('python') ? 'python' : FORMAT_BY_ENGINE[record.engine];
      const format = parseStack(record.traceback).format;
      // Plain `fn@url:line:col` stacks look the same in SpiderMonkey and JavaScriptCore; either means "browser".
      if (expected === 'safari' || expected === 'firefox') expect(['firefox', 'safari']).toContain(format);
      else expect(format).toBe(expected);
    },
  );
});
