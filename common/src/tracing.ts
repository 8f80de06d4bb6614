// OpenTelemetry tracing from the standard OTEL_* variables (docs/OPERATIONS.md). Instrumented code
// uses only the API, a no-op until the SDK is registered; the SDK loads only with an endpoint set.
import {
  context,
  createNoopMeter,
  type Meter,
  type MeterProvider,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { Counter, type Registry } from 'prom-client';
import { ConfigError } from './config.ts';
import type { Logger } from './logger.ts';

// What instrumented code needs of the API, so services need no dependency of their own on it.
export { context, propagation, type Span, SpanKind, SpanStatusCode, trace };

export const tracer = trace.getTracer('@backend/common');

export type Tracing = {
  /** Exports what is queued and stops; gives up after `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
};

export type TracingOptions = {
  service: string;
  version: string;
  registry: Registry;
  logger: Logger;
  /** Trace /livez, /readyz, /metrics and the readiness pings too. */
  traceProbes?: boolean;
};

let probesTraced = false;
/** Whether probes, scrapes and readiness pings get spans (TRACE_PROBES). */
export const tracesProbes = (): boolean => probesTraced;

const off: Tracing = { shutdown: async () => {} };
let registered = false;

const env = (name: string) => {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
};

/** Tracing is on when an OTLP endpoint is set, unless OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none. */
function tracingRequested(): boolean {
  if (env('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return false;
  if (env('OTEL_TRACES_EXPORTER')?.toLowerCase() === 'none') return false;
  return Boolean(env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? env('OTEL_EXPORTER_OTLP_ENDPOINT'));
}

/** Throws ConfigError on a bad OTEL_* value, before anything is loaded. */
function readSettings() {
  const protocol =
    env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    env('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (OTLP over HTTP), got "${protocol}"`,
    );
  }
  const sampler = (env('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  const samplers = [
    'always_on',
    'always_off',
    'traceidratio',
    'parentbased_always_on',
    'parentbased_always_off',
    'parentbased_traceidratio',
  ];
  if (!samplers.includes(sampler)) {
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER must be one of ${samplers.join(', ')}, got "${sampler}"`,
    );
  }
  const arg = env('OTEL_TRACES_SAMPLER_ARG');
  const ratio = arg === undefined ? 1 : Number(arg);
  if (sampler.endsWith('traceidratio') && !(ratio >= 0 && ratio <= 1)) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "${arg}"`);
  }
  const count = (name: string, fallback: number) => {
    const text = env(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ConfigError(`${name} must be a positive integer, got "${text}"`);
    }
    return value;
  };
  const maxQueueSize = count('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  return {
    protocol,
    sampler,
    ratio,
    batch: {
      scheduledDelayMillis: count('OTEL_BSP_SCHEDULE_DELAY', 5000),
      exportTimeoutMillis: count('OTEL_BSP_EXPORT_TIMEOUT', 30000),
      maxQueueSize,
      maxExportBatchSize: Math.min(count('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
    },
  };
}

/**
 * Registers the SDK when tracing is requested. Spans that cannot be exported are dropped, counted
 * and warned about once a minute at most, never reaching a request. Once per process.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!tracingRequested() || registered) return off;
  const settings = readSettings();
  registered = true;
  probesTraced = options.traceProbes ?? false;
  const [sdk, core, resources, { AsyncLocalStorageContextManager }, { OTLPTraceExporter }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/context-async-hooks'),
      settings.protocol === 'http/json'
        ? import('@opentelemetry/exporter-trace-otlp-http')
        : import('@opentelemetry/exporter-trace-otlp-proto'),
    ]);

  const dropped = new Counter({
    name: 'otel_spans_dropped_total',
    help: 'Spans not exported: the queue was full, or the collector failed or did not answer.',
    labelNames: ['reason'] as const,
    registers: [options.registry],
  });
  for (const reason of ['queue_full', 'export_failed']) dropped.inc({ reason }, 0);
  let warnedAt = Number.NEGATIVE_INFINITY;
  const onDropped = (spans: number, reason: string) => {
    dropped.inc({ reason }, spans);
    const now = performance.now();
    if (now - warnedAt < 60_000) return;
    warnedAt = now;
    options.logger.warn(
      { reason, spans },
      'spans are being dropped: the trace collector is slow or unreachable (counted in otel_spans_dropped_total)',
    );
  };

  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const root = settings.sampler.endsWith('always_off')
    ? new AlwaysOffSampler()
    : settings.sampler.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(settings.ratio)
      : new AlwaysOnSampler();
  const sampler = settings.sampler.startsWith('parentbased_')
    ? new ParentBasedSampler({ root })
    : root;

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the service's own name and version.
  const resource = resources
    .resourceFromAttributes({ 'service.name': options.service, 'service.version': options.version })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  const provider = new sdk.TracerProvider({
    resource,
    sampler,
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        // The exporter reads OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,HEADERS,TIMEOUT,COMPRESSION}.
        exporter: new OTLPTraceExporter(),
        ...settings.batch,
        selfObsMeterProvider: dropCounter(onDropped),
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);

  return {
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, 'timeout');
      });
      const outcome = await Promise.race([provider.shutdown().catch(() => 'failed'), gaveUp]);
      clearTimeout(timer);
      if (outcome === 'timeout' || outcome === 'failed') {
        options.logger.warn({ timeout_ms: timeoutMs }, 'queued spans could not all be exported');
      }
    },
  };
}

// Of the batching processor's self-observability metrics, only the dropped spans are kept.
function dropCounter(onDropped: (spans: number, reason: string) => void): MeterProvider {
  const noop = createNoopMeter();
  const meter = Object.create(noop) as Meter;
  meter.createCounter = (name, options) => {
    if (name !== 'otel.sdk.processor.span.processed') return noop.createCounter(name, options);
    const counter = noop.createCounter(name, options);
    counter.add = (value, attributes) => {
      const type = attributes?.['error.type'];
      if (type !== undefined)
        onDropped(value, type === 'queue_full' ? 'queue_full' : 'export_failed');
    };
    return counter;
  };
  return { getMeter: () => meter };
}

/**
 * Marks a span failed with the error's type and what the caller was told, never the error's own
 * message: drivers quote values in it (the failure's log line, with the trace id, has it).
 */
export function recordFailure(span: Span, error: unknown, type?: string, message?: string): void {
  const name = error instanceof Error ? error.name : 'Error';
  span.addEvent('exception', { 'exception.type': name });
  span.setAttribute('error.type', type ?? name);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message && { message }) });
}
