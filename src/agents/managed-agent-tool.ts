/**
 * A managed agent as a tool of its manager: the manager's code calls it like a function with a
 * task, and gets its final answer back. The agent runs on the host, so this works in every
 * sandbox through the tool bridge; its events go into the manager's stream, nested under the call.
 */
import { AgentConfigurationError, ToolDefinitionError } from "../errors.js";
import { toolFromJsonSchema, type Tool } from "../tools/tool.js";
import type { AgentEvent } from "./events.js";
import { stepsTokenUsage, type MemoryStep } from "./memory-steps.js";
import type { ManagedRun, RunResult } from "./run-result.js";

/** What a managed agent must offer: a name, a description, and runs that stream events. */
export interface ManageableAgent {
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly memory: { readonly steps: readonly MemoryStep[] };
  stream(task: string, options: { additionalArgs?: Record<string, unknown>; signal?: AbortSignal }): AsyncIterable<AgentEvent>;
  interrupt(): void;
}

/** Where a call reports to: the manager's run going on. */
export interface ManagerRunContext {
  emit(event: AgentEvent): void;
  stepNumber: number;
  recordManagedRun(run: ManagedRun): void;
  /** Whether the manager was asked to stop after its current step: no new managed run starts then. */
  interruptRequested(): boolean;
}

/**
 * Checks the managed agents an agent was given: each needs a name and a description, and a name
 * must be usable as a function name and clash with no tool and no other managed agent.
 */
export function checkManagedAgents(agents: readonly ManageableAgent[], toolNames: readonly string[]): void {
  const taken = new Set(toolNames);
  agents.forEach((agent, index) => {
    if (!agent.name || !agent.description) {
      throw new AgentConfigurationError(
        `Managed agent ${agent.name ? `'${agent.name}'` : `#${index + 1}`} needs a name and a description: the manager's model calls it by name ` +
          `and reads the description to know what to ask. new CodeAgent({ model, name: "researcher", description: "Finds sources on the web." }).`,
      );
    }
    if (taken.has(agent.name)) {
      throw new AgentConfigurationError(`The managed agent '${agent.name}' has the same name as a tool or another managed agent; rename one of them.`);
    }
    taken.add(agent.name);
  });
}

/** The last call of each managed agent, for the next to wait on: several managers may share one. */
const turns = new WeakMap<ManageableAgent, Promise<unknown>>();

/** The tool through which a manager's code calls `agent`; `context` is the manager's current run. */
export function managedAgentTool(agent: ManageableAgent, context: () => ManagerRunContext | undefined): Tool {
  const name = agent.name!;
  try {
    return toolFromJsonSchema({
      name,
      description:
        `${agent.description!.trim()}\n\n` +
        `This is a team member (an agent): give it a complete task in plain words, with every detail it needs; it returns its final answer. ` +
        `additional_args are values it can use, by name. If it fails or runs out of steps, the call raises an error.`,
      parameters: {
        type: "object",
        properties: {
          task: { type: "string", description: "What it should do, with all the context it needs." },
          additional_args: { type: "object", description: "Values it can use, by name (optional)." },
        },
        required: ["task"],
      },
      execute: (args, { signal }) => {
        // One run at a time per agent, whichever manager calls it: the agent has one memory.
        const call = (turns.get(agent) ?? Promise.resolve()).then(() => runManagedAgent(agent, args, signal, context()));
        turns.set(agent, call.catch(() => undefined));
        return call;
      },
    });
  } catch (error) {
    if (error instanceof ToolDefinitionError) throw new AgentConfigurationError(`Managed agent '${name}' cannot be called by that name: ${error.message}`);
    throw error;
  }
}

async function runManagedAgent(agent: ManageableAgent, args: Record<string, unknown>, signal: AbortSignal | undefined, manager: ManagerRunContext | undefined): Promise<unknown> {
  const name = agent.name!;
  const task = String(args["task"]);
  const additionalArgs = args["additional_args"];
  if (additionalArgs !== undefined && (typeof additionalArgs !== "object" || additionalArgs === null || Array.isArray(additionalArgs))) {
    throw new Error(`additional_args must be an object of named values, got ${JSON.stringify(additionalArgs)}.`);
  }
  if (manager?.interruptRequested()) throw new Error(`${name} was not started: the run is being interrupted.`);
  const parentStepNumber = manager?.stepNumber ?? 0;
  let result: RunResult | undefined;
  try {
    const options = { ...(additionalArgs ? { additionalArgs: additionalArgs as Record<string, unknown> } : {}), ...(signal ? { signal } : {}) };
    for await (const event of agent.stream(task, options)) {
      if (event.type === "run-finish" && event.managed === undefined) result = event.result;
      manager?.emit(nestEvent(event, name, parentStepNumber));
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    const message = `${name} failed: ${error instanceof Error ? error.message : String(error)}`;
    const steps = [...agent.memory.steps];
    manager?.recordManagedRun({ agent: name, task, state: "error", error: message, steps, tokenUsage: stepsTokenUsage(steps), managedRuns: [] });
    throw new Error(message);
  }
  const run = result!;
  const outcome = { agent: name, task, steps: run.steps, tokenUsage: run.tokenUsage, managedRuns: run.managedRuns ?? [] };
  if (run.state === "success") {
    manager?.recordManagedRun({ ...outcome, state: "success", output: run.output });
    return run.output;
  }
  const message =
    run.state === "interrupted"
      ? `${name} was interrupted before it finished.`
      : `${name} ran out of steps without finishing its task. Its best answer was: ${String(typeof run.output === "string" ? run.output : JSON.stringify(run.output))}`;
  manager?.recordManagedRun({ ...outcome, state: run.state, output: run.output, error: message });
  throw new Error(message);
}

/** A managed agent's event as its manager forwards it: one level deeper. */
function nestEvent(event: AgentEvent, agent: string, parentStepNumber: number): AgentEvent {
  const managed = event.managed === undefined ? { agent, depth: 1, parentStepNumber } : { ...event.managed, depth: event.managed.depth + 1 };
  return { ...event, managed };
}

