/**
 * `--otel`: the spans of the command's agents go over OTLP/HTTP (src/telemetry). Spans that cannot
 * be sent are told once on stderr and never fail a run.
 */
import type { MultiStepAgent } from "../agents/multi-step-agent.js";
import type { CliIO } from "./cli-io.js";

/** Tracing for one command: `instrument` each agent it makes, `stop` when it ends to send what is left. */
export interface CliTracing {
  instrument<AGENT extends MultiStepAgent>(agent: AGENT): AGENT;
  stop(): Promise<void>;
}

/** Starts sending spans to the endpoint `io.env` names (OTEL_EXPORTER_OTLP_ENDPOINT, default localhost:4318). */
export async function startCliTracing(io: Pick<CliIO, "env" | "stderr">): Promise<CliTracing> {
  // Loaded only when asked for: the OpenTelemetry SDK is no cost to commands without --otel.
  const { instrumentAgent, startOtlpTracing } = await import("../telemetry/index.js");
  let reported = false;
  const report = (error: unknown) => {
    if (reported) return;
    reported = true;
    const why = error instanceof Error ? ` (${error.message})` : "";
    io.stderr.write(`--otel: the spans could not be sent to ${tracing.url}${why}. Is an OTLP/HTTP collector listening there? Set OTEL_EXPORTER_OTLP_ENDPOINT to its address.\n`);
  };
  const tracing = startOtlpTracing(io.env, { onExportError: report });
  const listeners: (() => void)[] = [];
  return {
    instrument: (agent) => {
      listeners.push(instrumentAgent(agent, { tracer: tracing.tracer }));
      return agent;
    },
    stop: async () => {
      for (const stopListening of listeners.splice(0)) stopListening();
      await tracing.shutdown().catch(report);
    },
  };
}
