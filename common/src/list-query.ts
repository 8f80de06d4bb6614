// The list endpoints' query parameters (docs/API.md); errors name the parameter.
import { badRequest } from './errors.ts';

export type SortDirection = 'asc' | 'desc';

export type ListQuery<Column extends string> = {
  limit: number;
  page: number;
  offset: number;
  orderBy: Column;
  direction: SortDirection;
};

export type RawQuery = Record<string, string | string[] | undefined>;

export const MAX_LIMIT = 1_000;
export const MAX_PAGE = 2_147_483_647;

export function parseListQuery<Column extends string>(
  query: RawQuery,
  sortable: readonly Column[],
  defaultOrder: Column,
): ListQuery<Column> {
  const limit = integerParam(query, 'limit', 1, MAX_LIMIT) ?? MAX_LIMIT;
  const page = integerParam(query, 'page', 0, MAX_PAGE) ?? 0;

  const orderBy = single(query, 'orderby') ?? defaultOrder;
  if (!(sortable as readonly string[]).includes(orderBy)) {
    throw badRequest(`orderby must be one of ${sortable.join(', ')}`);
  }

  const sort = (single(query, 'sort') ?? 'asc').toLowerCase();
  if (sort !== 'asc' && sort !== 'desc') throw badRequest('sort must be asc or desc');

  return {
    limit,
    page,
    offset: limit * (Math.max(page, 1) - 1),
    orderBy: orderBy as Column,
    direction: sort,
  };
}

/** The parameter's one value; an empty value counts as absent, as in the original system. */
function single(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw badRequest(`${name} must be given at most once`);
  return value === '' ? undefined : value;
}

function integerParam(query: RawQuery, name: string, min: number, max: number) {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}
