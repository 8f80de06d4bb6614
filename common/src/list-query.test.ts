import test from 'ava';
import { AppError } from './errors.ts';
import { parseListQuery, type RawQuery } from './list-query.ts';

const columns = ['id', 'name', 'address'] as const;
const parse = (query: RawQuery) => parseListQuery(query, columns, 'name');

test('no parameters give the defaults: 1000 rows of the first page by name ascending', (t) => {
  t.deepEqual(parse({}), { limit: 1000, page: 0, offset: 0, orderBy: 'name', direction: 'asc' });
});

test('page 0 and page 1 both mean the first page; later pages offset by limit', (t) => {
  t.is(parse({ page: '0', limit: '5' }).offset, 0);
  t.is(parse({ page: '1', limit: '5' }).offset, 0);
  t.is(parse({ page: '3', limit: '5' }).offset, 10);
});

test('an empty value counts as absent, as in the original system', (t) => {
  t.deepEqual(parse({ limit: '', page: '', orderby: '', sort: '' }), parse({}));
});

test('sort is applied case-insensitively and orderby is matched against the fixed list', (t) => {
  t.is(parse({ sort: 'DESC' }).direction, 'desc');
  t.is(parse({ orderby: 'address' }).orderBy, 'address');
});

const rejected: [RawQuery, string][] = [
  [{ limit: '0' }, 'limit must be an integer between 1 and 1000'],
  [{ limit: '1001' }, 'limit must be an integer between 1 and 1000'],
  [{ limit: '-1' }, 'limit must be an integer between 1 and 1000'],
  [{ limit: '1.5' }, 'limit must be an integer between 1 and 1000'],
  [{ limit: '10abc' }, 'limit must be an integer between 1 and 1000'],
  [{ limit: ' 10' }, 'limit must be an integer between 1 and 1000'],
  [{ limit: '1e3' }, 'limit must be an integer between 1 and 1000'],
  [{ page: '-1' }, 'page must be an integer between 0 and 2147483647'],
  [{ page: '2147483648' }, 'page must be an integer between 0 and 2147483647'],
  [{ page: '99999999999999999999' }, 'page must be an integer between 0 and 2147483647'],
  [{ orderby: 'email' }, 'orderby must be one of id, name, address'],
  [{ orderby: 'name; drop table department' }, 'orderby must be one of id, name, address'],
  [{ orderby: 'NAME' }, 'orderby must be one of id, name, address'],
  [{ sort: 'up' }, 'sort must be asc or desc'],
  [{ limit: ['1', '2'] }, 'limit must be given at most once'],
  [{ sort: ['asc', 'asc'] }, 'sort must be given at most once'],
];

for (const [query, message] of rejected) {
  test(`${JSON.stringify(query)} is a 400 naming the parameter`, (t) => {
    const error = t.throws(() => parse(query), { instanceOf: AppError });
    t.is(error?.status, 400);
    t.is(error?.message, message);
  });
}
