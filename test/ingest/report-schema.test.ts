// The native report's schema: null in an optional field reads as absent; required fields stay required.
import { describe, expect, it } from 'vitest';
import { reportSchema } from '../../src/ingest/report-schema.js';

const OPTIONAL = ['message', 'traceback', 'request_url', 'request_method', 'request_headers', 'user_id', 'extra', 'source', 'release', 'environment', 'timestamp', 'fingerprint'];

describe('reportSchema', () => {
  it('drops every optional field sent as null, leaving the others as they came', () => {
    const body: Record<string, unknown> = { project: 'shop', exception_type: 'E', message: 'kept', user_id: 42 };
    for (const field of OPTIONAL.filter((f) => !(f in body))) body[field] = null;
    const parsed = reportSchema.parse(body);
    expect(parsed).toEqual({ project: 'shop', exception_type: 'E', message: 'kept', user_id: '42' });
    expect(Object.keys(parsed).sort()).toEqual(['exception_type', 'message', 'project', 'user_id']);
    expect(Object.values(parsed)).not.toContain(null);
  });

  it('returns a report without nulls as it is', () => {
    const parsed = reportSchema.parse({ project: 'shop', exception_type: 'E', extra: { a: null } });
    expect(parsed).toEqual({ project: 'shop', exception_type: 'E', extra: { a: null } });
  });

  it.each(['project', 'exception_type'])('still refuses %s: null', (field) => {
    const result = reportSchema.safeParse({ project: 'shop', exception_type: 'E', [field]: null });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it('still checks an optional field that is not null', () => {
    const result = reportSchema.safeParse({ project: 'shop', exception_type: 'E', source: 'mainframe', extra: null });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['source']);
  });
});
