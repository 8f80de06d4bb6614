// Reads departments: one page in the requested order plus the total, in two concurrent queries.

import type { Database } from '@backend/common/database/database';
import { Department } from '@backend/common/database/entities';
import type { ListQuery } from '@backend/common/list-query';

export const departmentColumns = ['id', 'name', 'address'] as const;
export type DepartmentColumn = (typeof departmentColumns)[number];

export type DepartmentRow = { id: string; name: string; address: string | null };

export function createDepartmentRepository(database: Database) {
  return {
    list(query: ListQuery<DepartmentColumn>): Promise<{ rows: DepartmentRow[]; total: number }> {
      return database.read(async (em) => {
        const [rows, total] = await Promise.all([
          em.find(
            Department,
            {},
            {
              fields: ['id', 'name', 'address'],
              orderBy: { [query.orderBy]: query.direction, id: 'asc' },
              limit: query.limit,
              offset: query.offset,
            },
          ),
          em.count(Department),
        ]);
        return {
          rows: rows.map(({ id, name, address }) => ({ id, name, address: address ?? null })),
          total,
        };
      });
    },
  };
}

export type DepartmentRepository = ReturnType<typeof createDepartmentRepository>;
