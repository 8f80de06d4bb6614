// How much of the production code is comments, by characters: `npm run comment-share`
// lists each file; test/comment-share.test.ts holds the whole under its bound.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Production sources: common/src and services/* /src, without tests and test helpers. */
export function productionFiles(): string[] {
  const services = readdirSync(join(root, 'services')).map((name) => `services/${name}/src`);
  return ['common/src', ...services].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) => !file.split('/').includes('testing'))
      .map((file) => join(root, dir, file)),
  );
}

/** Characters inside comments and in all, skipping over string and template literals. */
export function countComments(source: string): { comment: number; total: number } {
  let comment = 0;
  let i = 0;
  while (i < source.length) {
    const two = source.slice(i, i + 2);
    if (two === '//') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      comment += stop - i;
      i = stop;
    } else if (two === '/*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      comment += stop - i;
      i = stop;
    } else if (source[i] === "'" || source[i] === '"' || source[i] === '`') {
      const quote = source[i];
      i += 1;
      while (i < source.length && source[i] !== quote) i += source[i] === '\\' ? 2 : 1;
      i += 1;
    } else {
      i += 1;
    }
  }
  return { comment, total: source.length };
}

export function commentShare(files = productionFiles()) {
  const perFile = files.map((file) => ({
    file: relative(root, file),
    ...countComments(readFileSync(file, 'utf8')),
  }));
  const comment = perFile.reduce((sum, { comment }) => sum + comment, 0);
  const total = perFile.reduce((sum, { total }) => sum + total, 0);
  return { share: comment / total, perFile };
}

if (import.meta.main) {
  const { share, perFile } = commentShare();
  for (const { file, comment, total } of perFile.sort((a, b) => b.comment - a.comment)) {
    const percent = ((100 * comment) / total).toFixed(0).padStart(3);
    process.stdout.write(`${percent} % ${String(comment).padStart(6)}  ${file}\n`);
  }
  process.stdout.write(`${(100 * share).toFixed(1)} % of the production code is comments\n`);
}
