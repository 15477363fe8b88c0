/**
 * The human gate on sensitive tools: a tool that declares `needsApproval` is wrapped so that,
 * with its arguments validated and before it runs, the agent's `onApproval` decides. A refusal is
 * thrown from the tool, so it raises inside the model's code like any tool error and the model
 * reads why. No executor knows about approval: it only ever sees the wrapped tools.
 */
import { AgentError } from "../errors.js";
import type { Tool } from "../tools/tool.js";
import type { AgentEvent } from "./events.js";

/** What `onApproval` is asked about. */
export interface ApprovalRequest {
  /** The tool's name. */
  tool: string;
  /** The validated arguments it would run with. */
  args: Record<string, unknown>;
  /** The tool's description, to show the person deciding. */
  description: string;
  /**
   * Aborted when the call no longer matters (the run's time limit, an abort, Ctrl-C): stop asking.
   * A decision that comes after it is ignored and the tool does not run.
   */
  signal?: AbortSignal;
}

/** Decides on a call: `true` runs it, `false` refuses it, a string refuses it with that reason. */
export type OnApproval = (request: ApprovalRequest) => boolean | string | Promise<boolean | string>;

/** What the gate needs from the run going on: where to report, and at which step. */
export interface ApprovalRunContext {
  emit(event: AgentEvent): void;
  stepNumber: number;
}

/**
 * Returns `tools` with every tool that needs approval wrapped in the gate; the others as they
 * are. The wrapped copy declares no `needsApproval`, so handing it to another agent asks once only.
 */
export function gateTools(tools: readonly Tool[], onApproval: OnApproval | undefined, context: () => ApprovalRunContext | undefined): Tool[] {
  return tools.map((tool) => (tool.needsApproval === undefined || tool.needsApproval === false ? tool : gateTool(tool, onApproval, context)));
}

function gateTool(tool: Tool, onApproval: OnApproval | undefined, context: () => ApprovalRunContext | undefined): Tool {
  const { needsApproval, ...rest } = tool;
  return Object.freeze({
    ...rest,
    async execute(args: Record<string, unknown>, toolContext) {
      const needed = typeof needsApproval === "function" ? await needsApproval(args) : needsApproval === true;
      if (needed) await askApproval(tool, args, onApproval, context(), toolContext.signal);
      // A decision that came after the run stopped waiting for this call must not run it.
      toolContext.signal?.throwIfAborted();
      return tool.execute(args, toolContext);
    },
  } satisfies Tool);
}

async function askApproval(tool: Tool, args: Record<string, unknown>, onApproval: OnApproval | undefined, run: ApprovalRunContext | undefined, signal: AbortSignal | undefined): Promise<void> {
  const stepNumber = run?.stepNumber ?? 0;
  run?.emit({ type: "approval-request", stepNumber, tool: tool.name, arguments: args });
  let decision: boolean | string;
  if (onApproval === undefined) {
    decision = `it needs approval and this agent has no onApproval to ask. Pass onApproval to the agent (new CodeAgent({ ..., onApproval: async ({ tool, args }) => true })) to decide on such calls`;
  } else {
    try {
      decision = await untilAborted(Promise.resolve(onApproval({ tool: tool.name, args, description: tool.description, ...(signal ? { signal } : {}) })), signal);
    } catch (error) {
      decision = `asking for approval failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const approved = decision === true;
  const reason = typeof decision === "string" && decision.trim() !== "" ? decision.trim() : undefined;
  run?.emit({ type: "approval-decision", stepNumber, tool: tool.name, approved, ...(reason === undefined ? {} : { reason }) });
  if (approved) return;
  throw new ApprovalRefusedError(tool.name, reason);
}

/** `decision`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(decision: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return decision;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    decision.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Thrown from a gated tool whose call was refused; the model's code sees its message. */
export class ApprovalRefusedError extends AgentError {
  override readonly name = "ApprovalRefusedError";
  constructor(
    readonly toolName: string,
    readonly reason: string | undefined,
  ) {
    super(
      `The call to ${toolName} was not approved${reason === undefined ? "" : `: ${reason}`}. ` +
        `Do not call ${toolName} again with the same arguments; change your approach or explain in your final answer.`,
    );
  }
}
