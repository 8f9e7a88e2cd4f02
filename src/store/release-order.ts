// The order of a project's releases, which "newer" means for resolve-in-release (pure).
import { naturalCompare } from '../natural-order.js';

export interface ReleasePoint {
  version: string;
  /** When the release API created it, else when its first event arrived (the releases table). */
  createdAt: string;
}

interface Semver {
  pkg: string;
  nums: [number, number, number];
  pre: string[];
}

// Sentry's `package@version` form is allowed; the package must match for two versions to compare.
const SEMVER = /^(?:(.+)@)?v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(version: string): Semver | null {
  const m = SEMVER.exec(version);
  if (!m) return null;
  return { pkg: m[1] ?? '', nums: [Number(m[2]), Number(m[3]), Number(m[4])], pre: m[5] ? m[5].split('.') : [] };
}

/** Semantic-versioning precedence: numbers, then a pre-release before the release. */
function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a.nums[i] !== b.nums[i]) return a.nums[i]! - b.nums[i]!;
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length - b.pre.length;
}

/**
 * Negative when `a` is older than `b`. Two versions that both look like semantic versions (of the
 * same package) compare by precedence, so a straggler still on 1.2.0 that is first seen after 1.3.0
 * stays older; anything else by when the release was created (through the API, else first seen),
 * then by the version in natural order.
 */
export function compareReleases(a: ReleasePoint, b: ReleasePoint): number {
  if (a.version === b.version) return 0;
  const sa = parseSemver(a.version);
  const sb = parseSemver(b.version);
  if (sa && sb && sa.pkg === sb.pkg) {
    const c = compareSemver(sa, sb);
    if (c !== 0) return c;
  }
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return naturalCompare(a.version, b.version);
}
