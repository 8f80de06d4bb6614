// Every service's /metrics passes `promtool check metrics` after real traffic, and the gRPC
// metrics carry go-grpc-prometheus' names and labels on point (server) and user (client).
import { spawn } from 'node:child_process';
import { sampleUserIds } from '@backend/common/database/sample-data';
import { prepareSqlite } from '@backend/common/testing/databases';
import { type MetricSample, sampleValue, scrape } from '@backend/common/testing/metrics';
import test from 'ava';
import { plainPointClient } from '../proto/point.ts';
import { withTool } from './charts/tools.ts';
import { type System, startSystem } from './system.ts';

const databaseUrl = await prepareSqlite();
const alice = sampleUserIds['Alice Johnson'] as string;
const unary = { grpc_type: 'unary', grpc_service: 'point.PointServer' };

let system: System;
let beforeTraffic: { point: MetricSample[]; user: MetricSample[] };
test.before(async () => {
  system = await startSystem(databaseUrl);
  beforeTraffic = {
    point: (await scrape(`${system.http.point}/metrics`)).samples,
    user: (await scrape(`${system.http.user}/metrics`)).samples,
  };
});
test.after.always(() => system?.stop());

/** Some of everything: REST successes and a 400, gRPC through user and a bad id straight to point. */
async function traffic() {
  for (const path of ['/api/users/v1/users', '/api/users/v1/users?limit=0', '/nowhere']) {
    await (await fetch(`${system.http.user}${path}`)).text();
  }
  await (await fetch(`${system.http.department}/api/departments/v1/departments`)).text();
  const client = plainPointClient(system.pointTarget);
  await client.getUserPoints(alice);
  await client.getUserPoints('not-a-uuid').catch(() => {});
  client.close();
}

test.serial('before any call, every method has its gRPC series at zero on both sides', (t) => {
  for (const method of ['GetUserPoints', 'GetUserListPoints']) {
    const labels = { ...unary, grpc_method: method };
    t.is(sampleValue(beforeTraffic.point, 'grpc_server_started_total', labels), 0);
    t.is(sampleValue(beforeTraffic.point, 'grpc_server_handling_seconds_count', labels), 0);
    t.is(sampleValue(beforeTraffic.user, 'grpc_client_started_total', labels), 0);
    for (const code of ['OK', 'InvalidArgument', 'Unavailable', 'DeadlineExceeded', 'Internal']) {
      const handled = { ...labels, grpc_code: code };
      t.is(sampleValue(beforeTraffic.point, 'grpc_server_handled_total', handled), 0, code);
      t.is(sampleValue(beforeTraffic.user, 'grpc_client_handled_total', handled), 0, code);
    }
  }
});

test.serial(
  'point counts each call by method and code; user counts its calls to point',
  async (t) => {
    const read = async () => ({
      point: (await scrape(`${system.http.point}/metrics`)).samples,
      user: (await scrape(`${system.http.user}/metrics`)).samples,
    });
    const before = await read();
    await traffic();
    const after = await read();
    const delta = (side: 'point' | 'user', name: string, labels: Record<string, string>) =>
      (sampleValue(after[side], name, labels) ?? Number.NaN) -
      (sampleValue(before[side], name, labels) ?? Number.NaN);
    const list = { ...unary, grpc_method: 'GetUserListPoints' };
    const single = { ...unary, grpc_method: 'GetUserPoints' };
    t.is(delta('point', 'grpc_server_started_total', list), 1);
    t.is(delta('point', 'grpc_server_handled_total', { ...list, grpc_code: 'OK' }), 1);
    t.is(delta('point', 'grpc_server_handling_seconds_count', list), 1);
    t.is(delta('point', 'grpc_server_started_total', single), 2);
    t.is(delta('point', 'grpc_server_handled_total', { ...single, grpc_code: 'OK' }), 1);
    t.is(
      delta('point', 'grpc_server_handled_total', { ...single, grpc_code: 'InvalidArgument' }),
      1,
    );
    t.is(delta('user', 'grpc_client_started_total', list), 1);
    t.is(delta('user', 'grpc_client_handled_total', { ...list, grpc_code: 'OK' }), 1);
    t.is(delta('user', 'grpc_client_handling_seconds_count', list), 1);
    t.is(delta('user', 'grpc_client_started_total', single), 0);
  },
);

test.serial('a call user cannot complete is counted with its gRPC code', async (t) => {
  const orphan = await startSystem(databaseUrl, {
    POINT_SERVICE_ADDR: '127.0.0.1:1',
    POINT_DEADLINE_MS: '300',
  });
  try {
    t.is((await fetch(`${orphan.http.user}/api/users/v1/users`)).status, 503);
    const { samples } = await scrape(`${orphan.http.user}/metrics`);
    const failed = samples.filter(
      (s) =>
        s.name === 'grpc_client_handled_total' &&
        s.labels.grpc_method === 'GetUserListPoints' &&
        s.value > 0,
    );
    t.is(failed.length, 1);
    t.true(['Unavailable', 'DeadlineExceeded'].includes(failed[0]?.labels.grpc_code ?? ''));
  } finally {
    await orphan.stop();
  }
});

withTool(
  'promtool',
  (promtool) => {
    const check = (text: string) =>
      new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, output }));
        child.stdin.end(text);
      });
    for (const service of ['department', 'user', 'point'] as const) {
      test(`promtool check metrics finds no problem in ${service}'s /metrics after traffic`, async (t) => {
        await traffic();
        const { text } = await scrape(`${system.http[service]}/metrics`);
        t.regex(text, /http_request_duration_seconds_bucket/);
        if (service === 'point') t.regex(text, /grpc_server_handled_total/);
        if (service === 'user') t.regex(text, /grpc_client_handled_total/);
        const { code, output } = await check(text);
        t.is(output.trim(), '', 'promtool says nothing');
        t.is(code, 0);
      });
    }
  },
  test,
);
