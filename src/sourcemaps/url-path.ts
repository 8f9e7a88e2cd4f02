// The path part of a minified file's URL, the key that joins a frame's URL to a bundle manifest's '~/path'.

/**
 * '~/assets/app.min.js', 'https://cdn.example.com/assets/app.min.js?v=3#x', 'app:///assets/app.min.js'
 * and '/assets/app.min.js' all give '/assets/app.min.js': scheme, host, query and fragment are
 * dropped, percent-encoding made canonical. Null for what has no path (empty, 'about:blank').
 */
export function urlPath(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === '') return null;
  // '~' is sentry-cli's "any host": the path alone counts.
  const absolute = trimmed.startsWith('~/') ? `http://tilde${trimmed.slice(1)}` : trimmed;
  let parsed: URL;
  try {
    parsed = new URL(absolute, 'http://relative');
  } catch {
    return null;
  }
  const path = parsed.pathname;
  return path.startsWith('/') && path.length > 1 ? path : null;
}
