import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is, with its Content-Length. */
  body?: string;
  /** Declare this Content-Length, send only `body`, and never finish: a client trickling its body. */
  stallAt?: number;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON, when it is JSON. */
  json: unknown;
}

/** One request on a fresh connection, as any HTTP client sends it (node:http, so nothing is added or normalised). */
export function call(server: Server, c: Call): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const body = c.body ?? '';
    const length = c.stallAt ?? (c.body === undefined ? undefined : Buffer.byteLength(body));
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: c.method.toUpperCase(),
        path: c.path,
        agent: false,
        headers: { ...c.headers, ...(length === undefined ? {} : { 'content-length': String(length) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          req.destroy();
        });
      },
    );
    // Once answered, the server may cut a stalled request: that error comes after resolve and changes nothing.
    req.on('error', reject);
    if (c.stallAt === undefined) req.end(body);
    else req.write(body);
  });
}
