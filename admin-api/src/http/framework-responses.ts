import { z } from 'zod';
import type { AccessMode } from '../access/access-mode.js';
import { unreachable } from '@cmf/shared';
import { problemSchema } from './problem.js';
import type { ResponseMap, ResponseSpec, Route } from './route.js';

/**
 * The answers the app sends around a route's handler, each with its status and problem code.
 * The middlewares send exactly these, and the OpenAPI document declares them from here, per route
 * and per access mode: a route declares what its handler sends, never these.
 */
export const Refusals = {
  unauthorized: { status: 401, code: 'unauthorized' },
  loopbackOnly: { status: 403, code: 'loopback-only' },
  tooManyFailures: { status: 429, code: 'too-many-failures' },
  invalidJson: { status: 400, code: 'invalid-json' },
  invalidBody: { status: 400, code: 'invalid-body' },
  invalidField: { status: 400, code: 'invalid-field' },
  invalidQuery: { status: 400, code: 'invalid-query' },
  timeout: { status: 408, code: 'request-timeout' },
  tooLarge: { status: 413, code: 'too-large' },
  unsupportedMediaType: { status: 415, code: 'unsupported-media-type' },
} as const;

const unauthorized: ResponseSpec = {
  description: 'Missing or wrong bearer token',
  schema: problemSchema([Refusals.unauthorized.code]),
  headers: { 'WWW-Authenticate': { description: 'Always `Bearer`', schema: z.literal('Bearer') } },
};

const tooManyFailures: ResponseSpec = {
  description: 'This address presented ADMIN_AUTH_FAILURE_LIMIT wrong tokens within ADMIN_AUTH_FAILURE_WINDOW_MS; wait',
  schema: problemSchema([Refusals.tooManyFailures.code]),
  headers: { 'Retry-After': { description: 'Seconds until this address may try again', schema: z.string().regex(/^\d+$/) } },
};

const loopbackOnly: ResponseSpec = {
  description: 'No ADMIN_TOKEN is set, so only loopback addresses may call this (set ADMIN_TOKEN, or ADMIN_ALLOW_REMOTE=true)',
  schema: problemSchema([Refusals.loopbackOnly.code]),
};

const bodyResponses: ResponseMap = {
  400: {
    description: 'The body is not JSON, not an object, or a field is missing or of the wrong type (`field` names it)',
    schema: problemSchema([Refusals.invalidJson.code, Refusals.invalidBody.code, Refusals.invalidField.code]),
  },
  408: { description: 'The body did not arrive within HTTP_BODY_TIMEOUT_MS', schema: problemSchema([Refusals.timeout.code]) },
  413: { description: 'The body is larger than MAX_PAYLOAD_BYTES', schema: problemSchema([Refusals.tooLarge.code]) },
  415: {
    description: 'The body is not `Content-Type: application/json` (in UTF-8, unencoded or gzip/deflate/br)',
    schema: problemSchema([Refusals.unsupportedMediaType.code]),
  },
};

function accessResponses(route: Route, mode: AccessMode): ResponseMap {
  if (route.access === 'public') return {};
  switch (mode.kind) {
    case 'token':
      return { 401: unauthorized, 429: tooManyFailures };
    case 'loopback':
      return { 403: loopbackOnly };
    case 'open':
      return {};
    default:
      return unreachable(mode);
  }
}

const queryResponses: ResponseMap = {
  400: { description: 'A query parameter does not parse (`field` names it)', schema: problemSchema([Refusals.invalidQuery.code]) },
};

/** What the app may send for this route besides its handler's responses. */
export function frameworkResponses(route: Route, mode: AccessMode): ResponseMap {
  const input = route.method === 'post' ? bodyResponses : route.query ? queryResponses : {};
  return { ...accessResponses(route, mode), ...input };
}

/** Every response of the route in this mode; a route that declares a status the framework sends is a mistake. */
export function declaredResponses(route: Route, mode: AccessMode): ResponseMap {
  const framework = frameworkResponses(route, mode);
  const clash = Object.keys(route.responses).find((status) => status in framework);
  if (clash) throw new Error(`${route.method.toUpperCase()} ${route.path} declares ${clash}, which the app sends for it`);
  return { ...route.responses, ...framework };
}
