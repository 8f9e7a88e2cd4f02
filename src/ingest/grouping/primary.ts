// Which exception of a chain a Sentry event is grouped and titled by (pure).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function mechanismOf(e: Obj): Obj | undefined {
  return isObj(e.mechanism) ? e.mechanism : undefined;
}

/**
 * The SDKs list a chain cause-first, the captured exception last, and (JS >= 7, Python >= 1.x for
 * groups) mark the captured one `mechanism.exception_id: 0`, its causes with a `parent_id`. The
 * marked one is the primary; without marks, the last. An exception group (`is_exception_group`) is
 * a container, not the failure: as Sentry does, it is replaced by its first child, recursively.
 */
export function primaryException<T extends Obj>(chain: readonly T[]): T | undefined {
  if (chain.length === 0) return undefined;
  const byId = new Map<number, T>();
  for (const e of chain) {
    const id = mechanismOf(e)?.exception_id;
    if (typeof id === 'number' && !byId.has(id)) byId.set(id, e);
  }
  let primary = byId.get(0) ?? chain.at(-1)!;
  // Bounded by the chain's length, so a cycle of parent ids cannot loop.
  for (let hops = 0; hops < chain.length && mechanismOf(primary)?.is_exception_group === true; hops++) {
    const id = mechanismOf(primary)!.exception_id;
    const child = chain.find((e) => e !== primary && mechanismOf(e)?.parent_id === id);
    if (child === undefined) break;
    primary = child;
  }
  return primary;
}
