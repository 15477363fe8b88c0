/**
 * A seam around every tool call an agent's code makes, managed agents' calls included: durable
 * runs journal each call and answer the ones a stopped worker already made, without the loop
 * knowing of queues or stores.
 */
import type { Tool } from "../tools/tool.js";

/** A tool call on its way from the agent's code to the tool; arguments are validated already. */
export interface InterceptedToolCall {
  /** The tool's name. */
  readonly tool: string;
  readonly args: Record<string, unknown>;
  /** The action step whose code made the call. */
  readonly stepNumber: number;
  /** Aborted when the run stops. */
  readonly signal?: AbortSignal;
}

/**
 * Sees each tool call before it is made: `next()` makes it (approval included) and resolves to its
 * result; returning a value without calling `next` answers the call instead; a throw is the error
 * the code sees.
 */
export type ToolCallInterceptor = (call: InterceptedToolCall, next: () => Promise<unknown>) => Promise<unknown>;

/** `tools`, each routed through `interceptor`; `stepNumber` tells the step of the run going on. */
export function interceptTools(tools: readonly Tool[], interceptor: ToolCallInterceptor | undefined, stepNumber: () => number): Tool[] {
  if (interceptor === undefined) return [...tools];
  return tools.map((tool) =>
    Object.freeze({
      ...tool,
      execute: (args: Record<string, unknown>, context) =>
        interceptor({ tool: tool.name, args, stepNumber: stepNumber(), ...(context.signal ? { signal: context.signal } : {}) }, async () => await tool.execute(args, context)),
    } satisfies Tool),
  );
}
