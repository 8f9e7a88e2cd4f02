// Turns zod failures into the catalogue's 400 with field paths, for bodies and query strings alike.
import type { z } from 'zod';
import { errors, type FieldIssue } from './errors.js';

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/** Parses `value` or throws the catalogue's validation error. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw errors.validation(fieldIssues(result.error));
  return result.data;
}
