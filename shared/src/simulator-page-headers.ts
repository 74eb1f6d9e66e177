/**
 * The HTTP headers the client simulator page is served with, by the all-in-one server and by
 * scripts/serve-simulator.js. The Content-Security-Policy is the page's own (the <meta> tag
 * client-simulator/build.js writes, with its script and style hashes) plus what only a header
 * can say: `frame-ancestors 'none'`, so no other site can frame the page and its Kick buttons.
 */
export function simulatorPageHeaders(html: string): Record<string, string> {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  if (!csp) throw new Error('client simulator: the page has no Content-Security-Policy <meta> tag; build it with client-simulator/build.js');
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `${csp}; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}
