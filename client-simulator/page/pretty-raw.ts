/** A frame for the JSON view: indented when it is JSON, as it came when it is not. */
export function prettyRaw(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
