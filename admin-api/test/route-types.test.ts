import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { defineGet, definePost } from '../src/http/route.js';
import { mountRoute } from '../src/http/mount-route.js';
import { problem, problemSchema } from '../src/http/problem.js';
import { Metrics } from '@cmf/shared';
import { closeAll, logger, setup } from './support/admin-harness.js';

/*
 * A route can send only what it declares. The `@ts-expect-error` lines are checked by
 * `npm run typecheck` (which `npm test` runs first): if one of them compiled, the typecheck fails.
 */

afterEach(closeAll);

const responses = {
  200: { description: 'OK', schema: z.object({ n: z.number() }) },
  404: { description: 'Missing', schema: problemSchema(['not-found']) },
} as const;

test('a reply must use a declared status with a body of its schema (compile time)', () => {
  defineGet({
    method: 'get',
    path: '/typed',
    summary: 'types only',
    access: 'public',
    responses,
    async handle(_ctx, reply) {
      if (Math.random() > 2) {
        // @ts-expect-error 201 is not declared
        return reply(201, { n: 1 });
      }
      if (Math.random() > 2) {
        // @ts-expect-error the 200 body is { n: number }
        return reply(200, { n: 'one' });
      }
      if (Math.random() > 2) {
        // @ts-expect-error 404 carries only the code it declares
        return reply(404, problem('gone', 'no'));
      }
      return Math.random() > 2 ? reply(404, problem('not-found', 'no')) : reply(200, { n: 1 });
    },
  });
  definePost({
    method: 'post',
    path: '/typed',
    summary: 'types only',
    access: 'admin',
    body: z.object({ message: z.string() }),
    // @ts-expect-error the example must be a valid body
    bodyExample: { message: 1 },
    responses,
    async handle({ body }, reply) {
      const text: string = body.message;
      return reply(200, { n: text.length });
    },
  });
  // @ts-expect-error a handler that does not reply does not compile: only a reply makes a Sent
  defineGet({ method: 'get', path: '/typed', summary: 'types only', access: 'public', responses, async handle() {} });
  expect(true).toBe(true);
});

test('a status forced past the types is refused at run time, not sent', async () => {
  const h = await setup();
  const app = express();
  const liar = defineGet({
    method: 'get',
    path: '/liar',
    summary: 'sends what it does not declare',
    access: 'public',
    responses,
    async handle(_ctx, reply) {
      return (reply as unknown as (s: number, b: unknown) => ReturnType<typeof reply>)(418, { n: 1 });
    },
  });
  let thrown: unknown;
  const probes = { health: () => Promise.reject(new Error('unused')), ready: async () => true };
  mountRoute(app, liar, { bus: h.bus, config: h.config, view: h.view, logger, metrics: new Metrics(), probes }, undefined);
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    thrown = err;
    res.status(500).end();
  });
  await request(app).get('/liar').expect(500);
  expect(String(thrown)).toMatch(/GET \/liar answered 418, which it does not declare/);
});
