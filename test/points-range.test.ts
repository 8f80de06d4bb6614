// A user's points total beyond the contract's int32 saturates, and the same number is answered by
// GetUserPoints, GetUserListPoints and the users endpoint (docs/API.md), on every database.
import { randomUUID } from 'node:crypto';
import { openSingleConnection, testDatabases } from '@backend/common/testing/databases';
import test from 'ava';
import { plainPointClient } from '../proto/point.ts';
import { INT32_MAX, INT32_MIN } from '../services/point/src/app.ts';
import { type System, startSystem } from './system.ts';

const rich = randomUUID();
const poor = randomUUID();

for (const database of await testDatabases()) {
  const tag = `[${database.dialect}]`;
  let system: System;
  test.before(async () => {
    const db = await openSingleConnection(database.url);
    try {
      for (const [id, name, points] of [
        [rich, 'Zara Rich', 2_000_000_000],
        [poor, 'Zoe Poor', -2_000_000_000],
      ] as const) {
        await db.query(
          `insert into ${db.quote('user')} (id, name, email, age, salary) values (?, ?, ?, 30, 1000)`,
          [id, name, `${id}@example.com`],
        );
        for (let i = 0; i < 2; i++) {
          await db.query('insert into points (id, user_id, points) values (?, ?, ?)', [
            randomUUID(),
            id,
            points,
          ]);
        }
      }
    } finally {
      await db.close();
    }
    system = await startSystem(database.url);
  });
  test.after.always(() => system?.stop());

  test(`${tag} a total beyond int32 saturates, the same in both methods and the users endpoint`, async (t) => {
    const client = plainPointClient(system.pointTarget);
    try {
      t.deepEqual(await client.getUserPoints(rich), { user_point: String(INT32_MAX) });
      t.deepEqual(await client.getUserPoints(poor), { user_point: String(INT32_MIN) });
      t.deepEqual((await client.getUserListPoints([rich, poor])).user_points, {
        [rich]: INT32_MAX,
        [poor]: INT32_MIN,
      });
    } finally {
      client.close();
    }
    const response = await fetch(`${system.http.user}/api/users/v1/users?limit=100`);
    const body = (await response.json()) as { data: { list: { id: string; point: number }[] } };
    const pointOf = (id: string) => body.data.list.find((user) => user.id === id)?.point;
    t.is(pointOf(rich), INT32_MAX);
    t.is(pointOf(poor), INT32_MIN);
  });
}
