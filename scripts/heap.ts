// npm run heap -- <service> [--profile snapshot|heap|cpu] [--seconds N] [--namespace ns]
//   [--release r] [--out file] [--url http://127.0.0.1:6060]
// Downloads a heap snapshot (default) or a pprof heap or CPU profile from a service's debug
// listener: from a local process with --url, otherwise from a Ready pod of the release through a
// port-forward (scripts/heap-kubernetes.ts). Streams to a file with progress, then says what
// opens it.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

const services = ['department', 'user', 'point'];
const kinds = {
  snapshot: {
    path: '/debug/heap-snapshot',
    suffix: '.heapsnapshot',
    open: (file: string) =>
      `Chrome DevTools → Memory tab → Load… → ${file}\n(chrome://inspect → "Open dedicated DevTools for Node" gives you a DevTools window without a page.)`,
  },
  heap: {
    path: '/debug/pprof/heap',
    suffix: '.heap.pb.gz',
    open: (file: string) =>
      `go tool pprof -http=: ${file}\nor drop it on https://www.speedscope.app`,
  },
  cpu: {
    path: '/debug/pprof/profile',
    suffix: '.cpu.pb.gz',
    open: (file: string) =>
      `go tool pprof -http=: ${file}\nor drop it on https://www.speedscope.app`,
  },
} as const;
type Kind = keyof typeof kinds;

const usage = `usage: npm run heap -- <${services.join('|')}> [--profile snapshot|heap|cpu] [--seconds N]
       [--namespace ns] [--release backend] [--out file] [--url http://127.0.0.1:6060]
       (--help says what it does)`;
const help = `npm run heap -- <${services.join('|')}> [options]

Downloads a heap snapshot, or a pprof heap or CPU profile, from a service's debug listener
(on when <service>.debug.enabled is set in the chart, or DEBUG_PORT for a local process; see
docs/OPERATIONS.md). Without --url it picks a Ready pod of the release with kubectl's current
context and port-forwards to the listener; with --url it asks that address directly. It streams
the download to a file and says what opens it. A snapshot pauses the process while it is taken.

  --profile snapshot|heap|cpu  what to download (default: snapshot)
  --seconds N                  length of a CPU profile, 1 to 60 (default: 10)
  --namespace ns               the release's namespace (default: the context's namespace)
  --release name               the Helm release (default: backend)
  --out file                   where to write (default: <service>-<time>.heapsnapshot,
                               .heap.pb.gz or .cpu.pb.gz, in the current directory)
  --url http://127.0.0.1:6060  a debug listener to ask directly, instead of a pod
  -h, --help                   this text
`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function parse() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      profile: { type: 'string', default: 'snapshot' },
      seconds: { type: 'string', default: '10' },
      namespace: { type: 'string' },
      release: { type: 'string', default: 'backend' },
      out: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  const [service, ...extra] = positionals;
  if (!service || !services.includes(service) || extra.length) fail(usage);
  if (!(values.profile in kinds)) fail(`--profile must be snapshot, heap or cpu\n${usage}`);
  if (
    !/^\d{1,2}$/.test(values.seconds) ||
    Number(values.seconds) < 1 ||
    Number(values.seconds) > 60
  )
    fail('--seconds must be an integer from 1 to 60');
  return { ...values, service, kind: values.profile as Kind, seconds: Number(values.seconds) };
}

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Streams `url` into `file`, printing the bytes received so far on stderr. */
async function download(url: string, file: string): Promise<number> {
  const response = await fetch(url).catch((error: Error) => {
    const cause = error.cause as { code?: string; message?: string } | undefined;
    throw new Error(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? error.message}`);
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = JSON.parse(text).data.message;
    } catch {}
    throw new Error(`${response.status} from ${url}: ${message}`);
  }
  let received = 0;
  const total = Number(response.headers.get('content-length')) || undefined;
  const of = total ? ` of ${mebibytes(total)}` : '';
  const show = () => process.stderr.write(`\r  received ${mebibytes(received)}${of}   `);
  const timer = setInterval(show, 250);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body), count, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  } finally {
    clearInterval(timer);
    show();
    process.stderr.write('\n');
  }
  return received;
}

async function main() {
  const options = parse();
  const kind = kinds[options.kind];
  let base = options.url?.replace(/\/+$/, '');
  let where = base ?? '';
  let close = () => {};
  if (!base) {
    const { forwardToPod } = await import('./heap-kubernetes.ts');
    const forwarded = await forwardToPod(options);
    base = forwarded.url;
    where = `pod ${forwarded.namespace}/${forwarded.pod}`;
    close = forwarded.close;
    console.error(`port-forwarding ${base} → ${where}`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = options.out ?? `${options.service}-${stamp}${kind.suffix}`;
  const query = options.kind === 'cpu' ? `?seconds=${options.seconds}` : '';
  if (options.kind === 'cpu') console.error(`profiling CPU for ${options.seconds} s…`);
  if (options.kind === 'snapshot') console.error('taking a heap snapshot (the process pauses)…');
  try {
    const bytes = await download(`${base}${kind.path}${query}`, file);
    process.stdout.write(`wrote ${file} (${mebibytes(bytes)}) from ${where}\n`);
    process.stdout.write(`open it with: ${kind.open(file)}\n`);
  } finally {
    close();
  }
}

// Exits explicitly: a port-forward's websockets would otherwise keep the process alive.
main().then(
  () => process.exit(0),
  (error: Error) => fail(`heap: ${error.message}`),
);
