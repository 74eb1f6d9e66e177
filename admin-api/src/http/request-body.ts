import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { z } from 'zod';
import { Refusals } from './framework-responses.js';
import { bodyProblem, sendProblem } from './problem.js';

/**
 * A state-changing request must say `Content-Type: application/json`. A browser sends that
 * cross-site only after a CORS preflight, so a page elsewhere cannot fire a "simple" POST at the
 * admin API (CSRF).
 */
export const requireJson: RequestHandler = (req, res, next) => {
  const mediaType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') {
    next();
    return;
  }
  sendProblem(res, Refusals.unsupportedMediaType.status, {
    code: Refusals.unsupportedMediaType.code,
    message: `${req.method} ${req.path} needs Content-Type: application/json`,
  });
};

/**
 * Reads the JSON body within `timeoutMs` of its headers (else 408 and the connection closes, so a
 * body trickled byte by byte cannot hold a socket), at most `limitBytes` of it.
 */
export function readJson(limitBytes: number, timeoutMs: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: () => true });
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.set('Connection', 'close');
      sendProblem(res, Refusals.timeout.status, {
        code: Refusals.timeout.code,
        message: `The request body did not arrive within ${timeoutMs} ms`,
      });
    }, timeoutMs);
    parse(req, res, (err?: unknown) => {
      clearTimeout(timer);
      // After a 408 the parser fails on the closed socket: nothing is left to answer.
      if (!res.headersSent) next(err);
    });
  };
}

/** Parses the body by the route's schema; an absent body counts as `{}`, as an empty one does. */
export function validateBody(schema: z.ZodType): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body ?? {};
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      sendProblem(res, Refusals.invalidField.status, bodyProblem(parsed.error, body));
      return;
    }
    res.locals.body = parsed.data;
    next();
  };
}

/** Parses the query string by the route's schema; a parameter that does not parse gets 400 naming it. */
export function validateQuery(schema: z.ZodType): RequestHandler {
  return (req, res, next) => {
    // Only the parameters the route knows, each as one string (a repeated one keeps its first value).
    const raw = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v)]));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? '');
      sendProblem(res, Refusals.invalidQuery.status, {
        code: Refusals.invalidQuery.code,
        field,
        message: `Invalid query parameter "${field}": ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      });
      return;
    }
    res.locals.query = parsed.data;
    next();
  };
}

interface ParserError {
  type?: string;
  status?: number;
}

/** The body parser's errors as the problems the document declares for every POST. */
export function bodyErrors(limitBytes: number): ErrorRequestHandler {
  return (err: ParserError, req, res, next) => {
    switch (err.type) {
      case 'entity.parse.failed':
        sendProblem(res, Refusals.invalidJson.status, { code: Refusals.invalidJson.code, message: 'The request body is not valid JSON' });
        return;
      case 'entity.too.large':
        sendProblem(res, Refusals.tooLarge.status, { code: Refusals.tooLarge.code, message: `The request body exceeds ${limitBytes} bytes` });
        return;
      case 'charset.unsupported':
      case 'encoding.unsupported':
        sendProblem(res, Refusals.unsupportedMediaType.status, {
          code: Refusals.unsupportedMediaType.code,
          message: `${req.method} ${req.path} needs a UTF-8 JSON body, unencoded or gzip, deflate or br`,
        });
        return;
      default:
        // A body that ends early or lies about its length is not valid JSON either.
        if (err.status && err.status >= 400 && err.status < 500) {
          sendProblem(res, Refusals.invalidJson.status, { code: Refusals.invalidJson.code, message: 'The request body could not be read' });
          return;
        }
        next(err);
    }
  };
}
