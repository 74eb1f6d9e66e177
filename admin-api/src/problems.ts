import type { Response } from 'express';
import type { z } from 'zod';

export interface Problem {
  code: string;
  message: string;
  field?: string;
}

/** Every admin error has this body: `{"error": {"code", "message", "field"?}}`. */
export function sendProblem(res: Response, status: number, problem: Problem): void {
  res.locals.problemCode = problem.code;
  res.status(status).json({ error: problem });
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
