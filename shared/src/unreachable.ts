/**
 * The `default` of a switch over a discriminated union: it compiles only when every case is
 * handled, so a new kind added to a schema is a type error wherever it is not handled yet.
 */
export function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
