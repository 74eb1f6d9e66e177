/** The most of one entry's text the log shows before "Show all". */
export const PREVIEW = { chars: 600, lines: 8 } as const;

export interface Preview {
  text: string;
  truncated: boolean;
}

/** The start of a long text: at most PREVIEW.chars characters and PREVIEW.lines lines. */
export function previewText(text: string, limits: { chars: number; lines: number } = PREVIEW): Preview {
  let end = Math.min(text.length, limits.chars);
  let newline = -1;
  for (let line = 0; line < limits.lines; line++) {
    newline = text.indexOf('\n', newline + 1);
    if (newline < 0 || newline >= end) break;
  }
  // Found the last allowed line's end before the character limit: stop there.
  if (newline >= 0 && newline < end) end = newline;
  // Never cut a surrogate pair in half.
  const code = text.charCodeAt(end - 1);
  if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--;
  return end < text.length ? { text: text.slice(0, end), truncated: true } : { text, truncated: false };
}

/** `812 B`, `60.0 KiB`, `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
