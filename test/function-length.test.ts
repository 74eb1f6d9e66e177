import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINES = 60;

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) yield path;
  }
}

/** Every function, method and arrow in a file with its line count, unless a comment before it says why it is long. */
function longFunctions(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
      const explained = comments.some((c) => /long because/i.test(text.slice(c.pos, c.end)));
      if (end - start + 1 > MAX_LINES && !explained) found.push(`${relative(root, file)}:${start + 1} (${end - start + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test(`no function in */src is longer than ${MAX_LINES} lines unless a comment before it says why ("long because ...")`, () => {
  const dirs = ['shared', 'gateway', 'worker', 'admin-api', 'all-in-one', 'client-simulator'].map((d) => join(root, d, d === 'client-simulator' ? 'page' : 'src'));
  const long = dirs.flatMap((dir) => [...sources(dir)].flatMap(longFunctions));
  expect(long).toEqual([]);
});
