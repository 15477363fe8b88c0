/**
 * Spans sent over OTLP/HTTP to a collector (Jaeger, Phoenix, Langfuse, an OpenTelemetry
 * Collector, ...), batched, for `codeagent --otel`.
 */
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

import { codeagentVersion } from "./instrument-agent.js";

/** A tracer whose spans go to an OTLP/HTTP endpoint; `shutdown` sends what is left and stops. */
export interface OtlpTracing {
  tracer: Tracer;
  /** Where the spans go. */
  url: string;
  shutdown(): Promise<void>;
}

/** Where spans go when the environment names no endpoint. */
export const DEFAULT_OTLP_TRACES_URL = "http://localhost:4318/v1/traces";

/**
 * Starts sending spans to the endpoint `env` names: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is,
 * else OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces added, else {@link DEFAULT_OTLP_TRACES_URL}.
 * The service is OTEL_SERVICE_NAME, else "codeagent". Headers (OTEL_EXPORTER_OTLP_HEADERS) and the
 * rest of the OTLP settings the exporter reads from the process environment itself.
 */
export function startOtlpTracing(env: Record<string, string | undefined>, options: { onExportError?: (error: Error | undefined) => void } = {}): OtlpTracing {
  const url = otlpTracesUrl(env);
  const exporter = new OTLPTraceExporter({ url });
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ "service.name": env["OTEL_SERVICE_NAME"] || "codeagent" })),
    spanProcessors: [new BatchSpanProcessor(options.onExportError ? reportingFailures(exporter, options.onExportError) : exporter)],
  });
  const tracer = provider.getTracer("codeagent", codeagentVersion());
  return { tracer, url, shutdown: () => provider.shutdown() };
}

/** The traces URL the environment names. */
export function otlpTracesUrl(env: Record<string, string | undefined>): string {
  const traces = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];
  if (traces) return traces;
  const base = env["OTEL_EXPORTER_OTLP_ENDPOINT"];
  if (base) return `${base.replace(/\/+$/, "")}/v1/traces`;
  return DEFAULT_OTLP_TRACES_URL;
}

/** The exporter, telling `onError` of each batch it could not send (it only logs through `diag` itself). */
function reportingFailures(exporter: SpanExporter, onError: (error: Error | undefined) => void): SpanExporter {
  return {
    export: (spans: ReadableSpan[], done: Parameters<SpanExporter["export"]>[1]) =>
      exporter.export(spans, (result) => {
        // 0 is ExportResultCode.SUCCESS (of @opentelemetry/core, which codeagent does not depend on directly).
        if (result.code !== 0) onError(result.error);
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
