import type { z } from 'zod';
import type { AdminDeps } from '../deps.js';

/** One response a route may send: the OpenAPI document is made from these, and replies are typed by them. */
export interface ResponseSpec {
  readonly description: string;
  readonly schema: z.ZodType;
  /** application/json unless said otherwise. */
  readonly mediaType?: 'text/plain';
  readonly headers?: Readonly<Record<string, { description: string; schema: z.ZodType }>>;
  /** OpenAPI links: how a value of this response feeds another operation (by its operationId). */
  readonly links?: Readonly<Record<string, { operationId: string; parameters: Record<string, string>; description: string }>>;
}

/** Status → response. */
export type ResponseMap = Readonly<Record<number, ResponseSpec>>;

declare const sent: unique symbol;
/** Proof that a handler answered: only a reply makes one, so a handler cannot return without answering. */
export type Sent = { readonly [sent]: true };

/**
 * Answers with one of the route's declared statuses and a body of that status's schema type;
 * anything else does not compile.
 */
export type Reply<R extends ResponseMap> = <S extends keyof R & number>(
  status: S,
  body: z.output<R[S]['schema']>,
  headers?: Readonly<Record<string, string>>,
) => Sent;

export interface RouteContext<Body, Query = undefined> {
  deps: AdminDeps;
  /** Path parameters, by name. */
  params: Readonly<Record<string, string>>;
  /** The request body, parsed by the route's body schema (undefined for a GET). */
  body: Body;
  /** The query string, parsed by the route's query schema (undefined when it declares none). */
  query: Query;
}

/** Who may call a route: everyone (probes, metrics), or an admin (see access/access-mode.ts). */
export type Access = 'public' | 'admin';

interface RouteBase<R extends ResponseMap> {
  /** An Express path; `:name` segments become OpenAPI path parameters. */
  path: string;
  summary: string;
  access: Access;
  /** What the handler sends. What the framework sends around it (401, 415, ...) is in framework-responses.ts. */
  responses: R;
}

/** A query parameter's schema: what arrives is a string, so each one parses from a string. */
export type QuerySchema = z.ZodObject<Record<string, z.ZodType<unknown, string | undefined>>>;

export interface GetRoute<R extends ResponseMap = ResponseMap, Q extends QuerySchema | undefined = QuerySchema | undefined> extends RouteBase<R> {
  method: 'get';
  /** Query parameters: documented from this schema, and a request they do not parse gets 400. */
  query?: Q;
  handle(ctx: RouteContext<undefined, Q extends QuerySchema ? z.output<Q> : undefined>, reply: Reply<R>): Promise<Sent>;
}

/** Every POST changes state, so every POST has a JSON body (which is what makes a cross-site simple request impossible). */
export interface PostRoute<R extends ResponseMap = ResponseMap, B extends z.ZodType = z.ZodType> extends RouteBase<R> {
  method: 'post';
  body: B;
  /** A valid body: shown in the document, and what the tests send. */
  bodyExample: z.input<B>;
  handle(ctx: RouteContext<z.output<B>>, reply: Reply<R>): Promise<Sent>;
}

export type Route = GetRoute | PostRoute;
export type Method = Route['method'];

/** A GET route, its replies checked against its responses and its query typed by its schema. */
export function defineGet<const R extends ResponseMap, Q extends QuerySchema | undefined = undefined>(route: GetRoute<R, Q>): Route {
  return route as unknown as Route;
}

/** A POST route, its replies checked against its responses and its body typed by its schema. */
export function definePost<const R extends ResponseMap, B extends z.ZodType>(route: PostRoute<R, B>): Route {
  return route as unknown as Route;
}
