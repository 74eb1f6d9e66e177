import { readFileSync } from 'node:fs';

export interface CodeBlock {
  /** The `## ` heading the block is under. */
  section: string;
  /** The fence's language, e.g. `bash`; empty when none. */
  lang: string;
  lines: string[];
}

/** README.md's fenced code blocks in order: tests run the README's examples as written. */
export function readmeCodeBlocks(): CodeBlock[] {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks: CodeBlock[] = [];
  let section = '';
  let open: CodeBlock | undefined;
  for (const line of text.split('\n')) {
    if (open) {
      if (line.startsWith('```')) {
        blocks.push(open);
        open = undefined;
      } else {
        open.lines.push(line);
      }
    } else if (line.startsWith('```')) {
      open = { section, lang: line.slice(3).trim(), lines: [] };
    } else if (line.startsWith('## ')) {
      section = line.slice(3).trim();
    }
  }
  return blocks;
}
