// The list's filters on what groups saw: `tag=key:value` (repeatable, ANDed), release, environment, level, user.
import { z } from 'zod';

const MAX_TAG_FILTERS = 10;
const text = (field: string) => z.string().min(1, `${field} must not be empty`).max(200, `${field} must be at most 200 characters`);

const tagFilter = z
  .string()
  .max(401)
  .regex(/^[^:]{1,200}:.{1,200}$/s, 'tag must be key:value, e.g. tag=browser:Firefox')
  .transform((t): [string, string] => [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)]);

const blankIsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Spread into the list's query schema. */
export const listFilterFields = {
  tag: blankIsAbsent(
    z
      .union([tagFilter.transform((t) => [t]), z.array(tagFilter)])
      .refine((tags) => tags.length <= MAX_TAG_FILTERS, `at most ${MAX_TAG_FILTERS} tag filters`),
  ),
  release: blankIsAbsent(text('release')),
  environment: blankIsAbsent(text('environment')),
  level: blankIsAbsent(z.enum(['fatal', 'error', 'warning', 'info', 'debug'], { message: 'level must be fatal, error, warning, info or debug' })),
  user: blankIsAbsent(text('user')),
};

type Filters = { tag?: Array<[string, string]>; release?: string; environment?: string; level?: string; user?: string };

/** Every filter as one (key, value) pair of the store's tag index; undefined when there is none. */
export function tagsOfFilters(f: Filters): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [...(f.tag ?? [])];
  if (f.release !== undefined) pairs.push(['release', f.release]);
  if (f.environment !== undefined) pairs.push(['environment', f.environment]);
  if (f.level !== undefined) pairs.push(['level', f.level]);
  if (f.user !== undefined) pairs.push(['user', f.user]);
  return pairs.length ? pairs : undefined;
}
