// Why each service names only the entity it reads: MikroORM's metadata discovery sorts the names
// of two or more entities with localeCompare, and the first localeCompare in a process builds
// ICU's collator (about 3 MB of the node binary paged in). If an upgrade changes that, this says so.
import test from 'ava';
import { baseSchema, loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openDatabase } from './database.ts';
import { Department, entities, User } from './entities.ts';

const config = loadConfig(baseSchema, { DATABASE_URL: 'sqlite::memory:' });
const silent = createLogger({ name: 'test', level: 'fatal' });

async function localeComparesWhileOpening(known: (typeof entities)[number][] | undefined) {
  const original = String.prototype.localeCompare;
  let calls = 0;
  String.prototype.localeCompare = function (this: string, ...args) {
    calls++;
    return original.apply(this, args as Parameters<typeof original>);
  } as typeof original;
  try {
    const database = await openDatabase(config, silent, known ? { entities: known } : {});
    await database.close();
  } finally {
    String.prototype.localeCompare = original;
  }
  return calls;
}

test.serial('one entity: MikroORM never calls localeCompare', async (t) => {
  t.is(await localeComparesWhileOpening([User]), 0);
  t.is(await localeComparesWhileOpening([Department]), 0);
});

test.serial('all entities (the default): it does, which is what the services avoid', async (t) => {
  t.true((await localeComparesWhileOpening(undefined)) > 0);
  t.is(entities.length, 3);
});
