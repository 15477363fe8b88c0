/** Tracing: agents' runs as OpenTelemetry spans with OpenInference attributes, made from their events. */
export { instrumentAgent, codeagentTracer, type InstrumentAgentOptions } from "./instrument-agent.js";
export { startOtlpTracing, otlpTracesUrl, DEFAULT_OTLP_TRACES_URL, type OtlpTracing } from "./otlp-tracing.js";
export { SpanTree } from "./span-tree.js";
