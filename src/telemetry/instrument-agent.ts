/**
 * Tracing for an agent: its runs become OpenTelemetry spans (OpenInference attributes), made from
 * the events it emits. Off unless a tracer provider is registered or a tracer is given.
 */
import { readFileSync } from "node:fs";

import { trace, type Tracer } from "@opentelemetry/api";

import type { MultiStepAgent } from "../agents/multi-step-agent.js";
import { SpanTree } from "./span-tree.js";

/** Options of {@link instrumentAgent}. */
export interface InstrumentAgentOptions {
  /** Where the spans go. Default: the global tracer provider's "codeagent" tracer (a no-op until one is registered). */
  tracer?: Tracer;
}

/**
 * Records every run of `agent` as a tree of spans: the run, its steps, model calls, code
 * executions and tool calls, with the runs of its managed agents nested under the calls that
 * started them (instrument only the top agent: a managed agent instrumented too gives its runs
 * twice). Returns a function that stops recording.
 */
export function instrumentAgent(agent: MultiStepAgent, options: InstrumentAgentOptions = {}): () => void {
  const tree = new SpanTree(options.tracer ?? codeagentTracer(), agent.name ?? agent.constructor.name);
  const stops = [agent.addRunListener(tree), ...listenToManagedAgents(agent, tree, 1)];
  return () => stops.forEach((stop) => stop());
}

/** Managed agents' events reach the tree through their manager; the messages of their model calls come from them. */
function listenToManagedAgents(manager: MultiStepAgent, tree: SpanTree, depth: number): (() => void)[] {
  return manager.managedAgents.flatMap((managed) => [
    managed.addRunListener(tree.managedListener(managed.name!, depth)),
    ...listenToManagedAgents(managed, tree, depth + 1),
  ]);
}

/** The global provider's tracer for codeagent: it follows a provider registered later. */
export function codeagentTracer(): Tracer {
  return trace.getTracer("codeagent", codeagentVersion());
}

let version: string | undefined;

/** codeagent's version, the version of its tracer. */
export function codeagentVersion(): string {
  // The same path from src/telemetry and from dist/telemetry.
  version ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}
