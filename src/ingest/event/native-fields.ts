// The optional fields POST /api/errors gains for the whole event (user, tags, breadcrumbs, contexts, level), and their mapping.
import { z } from 'zod';
import { boundedObject, fitWithin } from './limits.js';
import { breadcrumbsOf, tagsOf, userOf } from './from-sentry.js';
import type { EventDetails } from './types.js';

const anyObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
  message: 'Invalid input: expected an object',
});
const id = z.union([z.string().max(200), z.number().transform(String)]);

/** Spread into the report schema; each is optional and nullable like the spec's fields. */
export const nativeEventFields = {
  user: z
    .looseObject({ id: id.nullish(), email: z.string().max(200).nullish(), username: z.string().max(200).nullish(), ip_address: z.string().max(200).nullish() })
    .nullish(),
  tags: z
    .record(z.string().min(1).max(200), z.union([z.string().max(200), z.number(), z.boolean()]))
    .refine((t) => Object.keys(t).length <= 100, 'at most 100 tags')
    .nullish(),
  breadcrumbs: z
    .array(
      z.looseObject({
        timestamp: z.union([z.string(), z.number()]).nullish(),
        type: z.string().max(200).nullish(),
        category: z.string().max(200).nullish(),
        level: z.string().max(200).nullish(),
        message: z.string().nullish(),
        data: anyObject.nullish(),
      }),
    )
    .max(1000)
    .nullish(),
  contexts: anyObject.nullish(),
  level: z.enum(['fatal', 'error', 'warning', 'info', 'debug']).nullish(),
};

type NativeFields = { [K in keyof typeof nativeEventFields]?: z.output<(typeof nativeEventFields)[K]> };

/** The same shape a Sentry event fills; null when the report sent none of these fields. */
export function detailsFromNative(input: NativeFields): EventDetails | null {
  if (input.user == null && input.tags == null && input.breadcrumbs == null && input.contexts == null && input.level == null) return null;
  const d: EventDetails = {};
  if (input.level != null) d.level = input.level;
  const user = userOf(input.user);
  if (user) d.user = user;
  const tags = tagsOf(input.tags);
  if (tags) d.tags = tags;
  const crumbs = breadcrumbsOf(input.breadcrumbs);
  if (crumbs) d.breadcrumbs = crumbs;
  const contexts = boundedObject(input.contexts);
  if (contexts) d.contexts = contexts;
  return fitWithin(d);
}
