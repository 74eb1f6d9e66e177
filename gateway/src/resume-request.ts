import type { IncomingMessage } from 'node:http';

/** What a reconnecting client asked for: `?resume=<token>&last=<id of the last frame it received>`. */
export interface ResumeRequest {
  token: string;
  /** Absent: from where its previous connection ended. */
  last: string | undefined;
}

/** The resume an upgrade asks for, if any. */
export function resumeRequestOf(req: IncomingMessage): ResumeRequest | undefined {
  const params = new URL(req.url ?? '/', 'http://gateway').searchParams;
  const token = params.get('resume');
  if (token === null) return undefined;
  const last = params.get('last');
  return { token, last: last === null || last === '' ? undefined : last };
}
