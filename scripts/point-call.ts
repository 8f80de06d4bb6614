// Calls the point service from a shell: `npm run point -- GetUserPoints <uuid>`,
// `npm run point -- GetUserListPoints <uuid> <uuid> …`, `npm run point -- health`.
import { checkHealth } from '@backend/common/grpc/health-client';
import { plainPointClient } from '../proto/point.ts';

const print = (text: string) => process.stdout.write(`${text}\n`);
const target = process.env.POINT_SERVICE_ADDR ?? '127.0.0.1:50051';
const [method, ...ids] = process.argv.slice(2);
const client = plainPointClient(target);
try {
  if (method === 'GetUserPoints' && ids.length === 1) {
    print(JSON.stringify(await client.getUserPoints(ids[0] as string)));
  } else if (method === 'GetUserListPoints') {
    print(JSON.stringify(await client.getUserListPoints(ids)));
  } else if (method === 'health') {
    print(await checkHealth(target, ids[0] ?? ''));
  } else {
    console.error(
      'usage: npm run point -- GetUserPoints <uuid> | GetUserListPoints <uuid>… | health [service]',
    );
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`${target}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
