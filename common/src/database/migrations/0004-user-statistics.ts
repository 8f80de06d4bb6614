// Running totals for the users statistics, kept by triggers on "user", one slot per writing
// connection so writers never deadlock. Creating triggers under MySQL's binary log needs SUPER
// or log_bin_trust_function_creators (docs/KUBERNETES.md); `migrate -- --recount` repairs totals.
import {
  type DialectSql,
  mysqlDropIndexIfPresent,
  type Run,
  type Step,
} from './dialect-migration.ts';

/** Rows of running totals: writers spread over them, readers sum them. */
export const USER_STATISTICS_SLOTS = 16;

const totalsOf = (table: string) =>
  `select count(*) as users, count(age) as aged, coalesce(sum(age), 0) as age_sum,
     count(salary) as paid, coalesce(sum(salary), 0) as salary_sum from ${table}`;

const zeroTotals =
  'update user_statistics set users = 0, aged = 0, age_sum = 0, paid = 0, salary_sum = 0';

/** Sets the totals from a full count: slot 0 gets everything. Run again if ever bypassed. */
export const recountUserStatistics =
  (userTable: string) =>
  async (run: Run): Promise<void> => {
    // Zeroing locks the slots first, so a write committing meanwhile is counted once.
    await run(zeroTotals);
    const [totals = {}] = await run(totalsOf(userTable));
    await run(
      'update user_statistics set users = ?, aged = ?, age_sum = ?, paid = ?, salary_sum = ? where slot = 0',
      ['users', 'aged', 'age_sum', 'paid', 'salary_sum'].map((key) => String(totals[key] ?? 0)),
    );
  };

const createSlots = (types: { count: string; sum: string; real: string }) => [
  `create table if not exists user_statistics (
    slot smallint not null primary key,
    users ${types.count} not null default 0,
    aged ${types.count} not null default 0,
    age_sum ${types.sum} not null default 0,
    paid ${types.count} not null default 0,
    salary_sum ${types.real} not null default 0
  )`,
];

const slotRows = Array.from({ length: USER_STATISTICS_SLOTS }, (_, slot) => `(${slot})`).join(', ');

// The totals of no rows, for the side a statement lacks.
const noRows =
  'select 0::bigint as users, 0::bigint as aged, 0::bigint as age_sum, 0::bigint as paid, 0::float8 as salary_sum';

// PostgreSQL: statement triggers with transition tables.
const postgresqlApply = `create or replace function user_statistics_apply() returns trigger
language plpgsql as $$
declare
  added record;
  removed record;
begin
  if tg_op = 'TRUNCATE' then
    ${zeroTotals};
    return null;
  end if;
  if tg_op = 'DELETE' then
    ${noRows} into added;
  else
    ${totalsOf('new_rows')} into added;
  end if;
  if tg_op = 'INSERT' then
    ${noRows} into removed;
  else
    ${totalsOf('old_rows')} into removed;
  end if;
  if (added.users, added.aged, added.age_sum, added.paid, added.salary_sum)
     is distinct from (removed.users, removed.aged, removed.age_sum, removed.paid, removed.salary_sum) then
    update user_statistics set
      users = users + added.users - removed.users,
      aged = aged + added.aged - removed.aged,
      age_sum = age_sum + added.age_sum - removed.age_sum,
      paid = paid + added.paid - removed.paid,
      salary_sum = salary_sum + added.salary_sum - removed.salary_sum
    where slot = pg_backend_pid() % ${USER_STATISTICS_SLOTS};
  end if;
  return null;
end
$$`;

const postgresqlTrigger = (event: 'insert' | 'update' | 'delete') => {
  const transition = {
    insert: 'referencing new table as new_rows',
    update: 'referencing old table as old_rows new table as new_rows',
    delete: 'referencing old table as old_rows',
  }[event];
  return `create trigger user_statistics_${event} after ${event} on "user"
    ${transition} for each statement execute function user_statistics_apply()`;
};

// MariaDB/MySQL and SQLite: row triggers; SQLite wants the body between begin and end.
const rowTriggers = (table: string, slot: string, body: (statement: string) => string) => {
  const change = (sign: '+' | '-', row: 'new' | 'old') =>
    `users = users ${sign} 1, aged = aged ${sign} (${row}.age is not null),
     age_sum = age_sum ${sign} coalesce(${row}.age, 0), paid = paid ${sign} (${row}.salary is not null),
     salary_sum = salary_sum ${sign} coalesce(${row}.salary, 0)`;
  return {
    insert: `create trigger user_statistics_insert after insert on ${table} for each row
      ${body(`update user_statistics set ${change('+', 'new')} where slot = ${slot}`)}`,
    // A rename changes no total, and takes no lock on them.
    update: `create trigger user_statistics_update after update on ${table} for each row
      ${body(`update user_statistics set
        aged = aged + (new.age is not null) - (old.age is not null),
        age_sum = age_sum + coalesce(new.age, 0) - coalesce(old.age, 0),
        paid = paid + (new.salary is not null) - (old.salary is not null),
        salary_sum = salary_sum + coalesce(new.salary, 0) - coalesce(old.salary, 0)
      where slot = ${slot} and not (new.age <=> old.age and new.salary <=> old.salary)`)}`,
    delete: `create trigger user_statistics_delete after delete on ${table} for each row
      ${body(`update user_statistics set ${change('-', 'old')} where slot = ${slot}`)}`,
  };
};

/** MySQL has no `create trigger if not exists` before 8.0.29: look before creating. */
const mysqlTriggerIfMissing =
  (name: string, sql: string): Step =>
  async (run) => {
    const [row] = await run(
      'select count(*) as n from information_schema.triggers where trigger_schema = database() and trigger_name = ?',
      [name],
    );
    if (Number(row?.n ?? 0) > 0) return;
    try {
      await run(sql);
    } catch (error) {
      // Error 1419: binary logging is on and the user has no SUPER.
      if (!/SUPER privilege|log_bin_trust_function_creators/.test(String(error))) throw error;
      throw new Error(
        `migration 0004 could not create trigger ${name}: with binary logging on, MySQL lets only a user with SUPER create triggers, unless the server has log_bin_trust_function_creators=1 (see docs/KUBERNETES.md)`,
        { cause: error },
      );
    }
  };

const mysqlTriggers = rowTriggers(
  '`user`',
  `connection_id() % ${USER_STATISTICS_SLOTS}`,
  (statement) => statement,
);
// One writer at a time: one slot is enough. SQLite spells MySQL's null-safe `<=>` as `is`.
const sqliteTriggers = rowTriggers(
  '"user"',
  '0',
  (statement) => `begin ${statement.replaceAll('<=>', 'is')}; end`,
);

export const userStatistics: DialectSql = {
  postgresql: [
    ...createSlots({ count: 'bigint', sum: 'bigint', real: 'double precision' }),
    `insert into user_statistics (slot) values ${slotRows} on conflict (slot) do nothing`,
    postgresqlApply,
    postgresqlTrigger('insert'),
    postgresqlTrigger('update'),
    postgresqlTrigger('delete'),
    `create trigger user_statistics_truncate after truncate on "user"
      for each statement execute function user_statistics_apply()`,
    // The triggers lock "user" against writes until this commits: the count is exact.
    recountUserStatistics('"user"'),
  ],
  mysql: [
    ...createSlots({ count: 'bigint', sum: 'bigint', real: 'double' }),
    `insert ignore into user_statistics (slot) values ${slotRows}`,
    mysqlTriggerIfMissing('user_statistics_insert', mysqlTriggers.insert),
    mysqlTriggerIfMissing('user_statistics_update', mysqlTriggers.update),
    mysqlTriggerIfMissing('user_statistics_delete', mysqlTriggers.delete),
    // MariaDB/MySQL commit each statement: run this before the services start.
    recountUserStatistics('`user`'),
    mysqlDropIndexIfPresent('user', 'user_age_salary_idx'),
  ],
  sqlite: [
    ...createSlots({ count: 'integer', sum: 'integer', real: 'real' }),
    `insert or ignore into user_statistics (slot) values ${slotRows}`,
    `drop trigger if exists user_statistics_insert`,
    sqliteTriggers.insert,
    `drop trigger if exists user_statistics_update`,
    sqliteTriggers.update,
    `drop trigger if exists user_statistics_delete`,
    sqliteTriggers.delete,
    recountUserStatistics('"user"'),
  ],
};
