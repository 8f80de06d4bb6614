// Comments say why in a line or two: the production code stays at most 12 % comments.
import test from 'ava';
import { commentShare, countComments } from '../scripts/comment-share.ts';

test('comments are at most 12 % of the production code (npm run comment-share lists each file)', (t) => {
  const { share, perFile } = commentShare();
  t.true(perFile.length > 30, 'the production files are found');
  t.true(share <= 0.12, `${(100 * share).toFixed(1)} %`);
});

test('strings and templates are not mistaken for comments', (t) => {
  const source = "const url = 'http://x'; // why\nconst t = `/* not */`;\n/* a */\n";
  t.deepEqual(countComments(source), {
    comment: '// why'.length + '/* a */'.length,
    total: source.length,
  });
});
