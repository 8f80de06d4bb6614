// The README's configuration table must list every variable each service reads, with its default.
import { readFileSync } from 'node:fs';
import { describeSchema } from '@backend/common/config';
import { repositoryRoot } from '@backend/common/testing/processes';
import test from 'ava';
import { departmentSchema } from '../services/department/src/config.ts';
import { pointSchema } from '../services/point/src/config.ts';
import { userSchema } from '../services/user/src/config.ts';

const readme = readFileSync(`${repositoryRoot}/README.md`, 'utf8');
const rows = new Map(
  readme
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, name, defaults] = line.split('|').map((cell) => cell.trim());
      return [name?.replaceAll('`', ''), defaults ?? ''] as const;
    }),
);

for (const [service, schema] of Object.entries({
  department: departmentSchema,
  user: userSchema,
  point: pointSchema,
})) {
  test(`README documents every ${service} variable with its default`, (t) => {
    for (const { env, default: value } of describeSchema(schema)) {
      const documented = rows.get(env);
      t.truthy(documented, `${env} is missing from the README's configuration table`);
      t.true(
        documented?.includes(`\`${value}\``),
        `${env}: default ${value} not in "${documented}"`,
      );
    }
  });
}
