import type { Response } from 'express';
import { z } from 'zod';

/** The body of every admin error: `{"error": {"code", "message", "field"?}}`, with the codes one status can carry. */
export function problemSchema<const C extends readonly [string, ...string[]]>(codes: C) {
  return z.object({
    error: z.object({
      code: z.enum(codes),
      message: z.string(),
      field: z.string().optional().meta({ description: 'The request body field at fault' }),
    }),
  });
}

export interface Problem {
  code: string;
  message: string;
  field?: string;
}

/** A problem body, its code kept literal so a route's reply is checked against the codes it declares. */
export function problem<const C extends string>(code: C, message: string, field?: string): { error: { code: C; message: string; field?: string } } {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/** Sends a problem answer; used where no route's typed reply is at hand (access, body, 404, 405, errors). */
export function sendProblem(res: Response, status: number, body: Problem): void {
  res.locals.problemCode = body.code;
  res.status(status).json({ error: body });
}

/** The code of the problem this response answered, for the error metrics. */
export function problemCodeOf(res: Response): string | undefined {
  const code: unknown = res.locals.problemCode;
  return typeof code === 'string' ? code : undefined;
}

/** The first problem with a request body, naming the field. */
export function bodyProblem(error: z.ZodError, body: unknown): Problem {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  if (!field) return { code: 'invalid-body', message: 'The request body must be a JSON object' };
  const present = typeof body === 'object' && body !== null && field in body;
  return {
    code: 'invalid-field',
    field,
    message: `Invalid field "${field}": ${present ? (issue?.message ?? 'invalid') : 'required'}`,
  };
}
