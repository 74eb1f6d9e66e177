import { z } from 'zod';
import type { AccessMode } from './access/access-mode.js';
import { declaredResponses } from './http/framework-responses.js';
import { defineGet, type ResponseSpec, type Route } from './http/route.js';
import { OpenApiDocumentSchema } from './routes/schemas.js';

export type OpenApiDocument = z.infer<typeof OpenApiDocumentSchema>;

/** A zod schema as the JSON Schema (2020-12, OpenAPI 3.1's dialect) of what goes in (`input`) or comes out (`output`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): object {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io });
  return rest;
}

function response(spec: ResponseSpec): object {
  return {
    description: spec.description,
    ...(spec.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(spec.headers).map(([name, h]) => [name, { description: h.description, required: true, schema: jsonSchema(h.schema, 'output') }]),
          ),
        }
      : {}),
    content: { [spec.mediaType ?? 'application/json']: { schema: jsonSchema(spec.schema, 'output') } },
    ...(spec.links ? { links: spec.links } : {}),
  };
}

const operationId = (route: Route): string =>
  route.method + route.path.split(/[/:-]/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** The route's query parameters, each from its property of the query schema. */
function queryParameters(route: Route): object[] {
  if (route.method !== 'get' || !route.query) return [];
  const { properties = {}, required = [] } = jsonSchema(route.query, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(schema.description ? { description: schema.description } : {}),
    schema,
  }));
}

function operation(route: Route, mode: AccessMode): object {
  const params = [
    ...[...route.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', minLength: 1 } })),
    ...queryParameters(route),
  ];
  const responses = declaredResponses(route, mode);
  return {
    operationId: operationId(route),
    summary: route.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.method === 'post'
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input'), example: route.bodyExample } },
          },
        }
      : {}),
    ...(mode.kind === 'token' && route.access === 'public' ? { security: [] } : {}),
    responses: Object.fromEntries(Object.entries(responses).map(([status, spec]) => [status, response(spec)])),
  };
}

/**
 * The OpenAPI 3.1 document of these routes in this access mode, made from the same zod schemas
 * the routes validate and reply with. It declares bearer security only when a token is configured.
 */
export function openApiDocument(routes: readonly Route[], mode: AccessMode): OpenApiDocument {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route, mode) };
  }
  const ids = new Set(routes.map(operationId));
  const dangling = routes.flatMap((r) => Object.values(r.responses).flatMap((spec) => Object.values(spec.links ?? {}))).find((l) => !ids.has(l.operationId));
  if (dangling) throw new Error(`an OpenAPI link names operation ${dangling.operationId}, which no route is`);
  return {
    openapi: '3.1.0',
    info: { title: 'CMF admin API', version: '4.0.0' },
    ...(mode.kind === 'token'
      ? { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] }
      : {}),
    paths,
  };
}

/** GET /openapi.json: the document of the app it is mounted in (which it is part of, hence the getter). */
export function openApiRoute(document: () => OpenApiDocument): Route {
  return defineGet({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    access: 'admin',
    responses: { 200: { description: 'The OpenAPI 3.1 document of this admin API', schema: OpenApiDocumentSchema } },
    async handle(_ctx, reply) {
      return reply(200, document());
    },
  });
}
