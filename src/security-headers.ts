// The security headers every response carries: helmet's set, computed once at startup instead of per request.
import helmet from 'helmet';

/**
 * Every string the UI shows comes from whoever sent the error, so the page may run only its own
 * files: no inline script or style, no eval, no framing. HSTS is left to the TLS-terminating proxy
 * (the service itself speaks plain HTTP), and resources stay loadable cross-origin so a script
 * served from web/ can be embedded by the applications that report here.
 */
export const securityHeaderOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      manifestSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  crossOriginResourcePolicy: false,
  referrerPolicy: { policy: 'no-referrer' as const },
  xFrameOptions: { action: 'deny' as const },
  strictTransportSecurity: false,
};

/**
 * Runs helmet's middleware once against a recording response and returns the headers it set, names
 * in lower case as Fastify keeps its own. With the static options above (no per-request nonce
 * function) helmet sets the same values on every response, so running its chain per request buys
 * nothing. Its only other act, removing X-Powered-By, has nothing to remove: Fastify never sets it.
 * Throws if helmet ever reports an error or answers asynchronously.
 */
export function securityHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  let finished = false;
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
      return recorder;
    },
    removeHeader() {},
  };
  helmet(securityHeaderOptions)({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously; its headers cannot be computed once');
  return Object.freeze(headers);
}
