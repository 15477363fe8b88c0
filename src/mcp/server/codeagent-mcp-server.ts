/**
 * codeagent as an MCP server. It offers two tools to any MCP client (an IDE, another agent):
 * - `run_code(code)`, "code mode": the client's model writes one program that calls every tool
 *   (as functions in our sandbox), so many tool calls cost one round trip. The sandbox is kept
 *   between calls, so variables defined by one program are there for the next. Over stdio there
 *   is one sandbox; each HTTP session has its own, so clients never see each other's variables.
 * - `run_agent(task)`: a whole code agent, with a progress notification after each step.
 * The SDK is loaded when the server is built, never by importing codeagent.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

import type { CodeAgent } from "../../agents/code-agent.js";
import type { CodeOutput, Executor } from "../../executors/executor.js";
import { formatValue } from "../../render/format-value.js";
import { safeJsonStringify } from "../../render/safe-json.js";
import { Semaphore } from "../../semaphore.js";
import { renderJavaScriptStub } from "../../tools/javascript-stub.js";
import { renderPythonStub } from "../../tools/python-stub.js";
import type { Tool } from "../../tools/tool.js";
import { gateTools, type OnApproval } from "../../agents/approval.js";
import { describeModules } from "../../agents/module-outline.js";
import type { SandboxModule } from "../../executors/sandbox-modules.js";

/** What the server offers, and how it runs it. */
export interface CodeagentMcpServerOptions {
  /** The functions `run_code` programs can call (and the agent's tools). */
  tools: readonly Tool[];
  /** The language of `run_code` programs: that of the sandbox `openExecutor` opens. */
  language: "python" | "javascript";
  /** The user's modules the sandbox makes importable (`--module`): listed in `run_code`'s description. */
  modules?: readonly SandboxModule[];
  /** Opens a sandbox `run_code` runs in (once per sandbox, on its first call); the server sends it the tools. */
  openExecutor: () => Promise<Executor>;
  /** Makes the agent for one `run_agent` call; without it, only `run_code` is offered. May throw (missing credentials): the call then fails with that message. */
  createAgent?: () => CodeAgent;
  /** Steps an agent may take, shown as the total of its progress (optional). */
  maxSteps?: number;
  /**
   * Decides on calls of tools that declare `needsApproval`, made by `run_code` programs. Without
   * it such calls are refused, as in an agent without `onApproval`: a client's program never runs
   * a gated tool unasked.
   */
  onApproval?: OnApproval;
}

/** One client's MCP server with a sandbox of its own (an HTTP session). */
export interface CodeagentMcpSession {
  readonly server: McpServer;
  /** Closes the MCP server and ends the session's sandbox. Safe to call more than once. */
  close(): Promise<void>;
}

/** A built server. */
export interface CodeagentMcpServer {
  /** Makes an MCP server whose `run_code` runs in the one sandbox shared by every server made this way (stdio). */
  createServer(): McpServer;
  /** Makes an MCP server with a sandbox of its own, opened on its first `run_code`, ended by the session's `close()`. */
  createSession(): CodeagentMcpSession;
  /** Ends the shared sandbox and the sandboxes of sessions not closed yet. */
  close(): Promise<void>;
}

/** Builds the MCP server of `options`. */
export async function codeagentMcpServer(options: CodeagentMcpServerOptions): Promise<CodeagentMcpServer> {
  const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
  const shared = new SharedSandbox(options);
  const openSessions = new Set<CodeagentMcpSession>();
  const serverOn = (sandbox: SharedSandbox): McpServer => {
    const server = new McpServer({ name: "codeagent", version: "1" });
    server.registerTool(
      "run_code",
      {
        description: runCodeDescription(options),
        inputSchema: { code: z.string().describe(`The ${options.language === "python" ? "Python" : "JavaScript"} program to run`) },
        outputSchema: { logs: z.string(), output: z.unknown(), error: z.object({ type: z.string(), message: z.string() }).optional() },
      },
      async ({ code }, extra) => codeResult(await sandbox.run(code, extra.signal)),
    );
    const createAgent = options.createAgent;
    if (createAgent !== undefined) {
      server.registerTool(
        "run_agent",
        {
          description:
            "Gives a task to a code agent, which solves it step by step by writing and running code that calls its tools " +
            `(${options.tools.map((tool) => tool.name).join(", ") || "no tools besides the language"}). ` +
            "Returns its final answer. Sends a progress notification after each step when the request asks for progress.",
          inputSchema: { task: z.string().describe("What the agent should do, with everything it needs to know") },
          outputSchema: { output: z.unknown(), state: z.string(), steps: z.number() },
        },
        async ({ task }, extra) => {
          const progressToken = extra._meta?.progressToken;
          const agent = createAgent();
          try {
            let steps = 0;
            let result: { output: unknown; state: string } | undefined;
            for await (const event of agent.stream(task, { signal: extra.signal })) {
              if (event.type === "step-finish") {
                steps += 1;
                if (progressToken !== undefined) {
                  await extra.sendNotification({
                    method: "notifications/progress",
                    params: {
                      progressToken,
                      progress: steps,
                      ...(options.maxSteps === undefined ? {} : { total: options.maxSteps }),
                      message: `Step ${steps} done`,
                    },
                  });
                }
              }
              if (event.type === "run-finish") result = { output: event.result.output, state: event.result.state };
            }
            const output = jsonSafe(result?.output ?? null);
            return {
              content: [{ type: "text", text: formatValue(result?.output ?? null) }],
              structuredContent: { output, state: result?.state ?? "unknown", steps },
              isError: result?.state !== "success",
            };
          } finally {
            await agent.close();
          }
        },
      );
    }
    return server;
  };
  const createSession = (): CodeagentMcpSession => {
    const sandbox = new SharedSandbox(options);
    const server = serverOn(sandbox);
    let closing: Promise<void> | undefined;
    const session: CodeagentMcpSession = {
      server,
      close: () =>
        (closing ??= (async () => {
          openSessions.delete(session);
          await server.close().catch(() => undefined);
          await sandbox.close();
        })()),
    };
    openSessions.add(session);
    return session;
  };
  return {
    createServer: () => serverOn(shared),
    createSession,
    close: async () => {
      await Promise.all([shared.close(), ...[...openSessions].map((session) => session.close())]);
    },
  };
}

/** One sandbox for the `run_code` calls of its servers, one program at a time, opened on first use. */
class SharedSandbox {
  private executor: Promise<Executor> | undefined;
  private readonly turn = new Semaphore(1);

  constructor(private readonly options: CodeagentMcpServerOptions) {}

  async run(code: string, signal: AbortSignal): Promise<CodeOutput> {
    const release = await this.turn.acquire(signal);
    try {
      this.executor ??= this.open();
      const executor = await this.executor;
      return await executor.run(code, { signal });
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    const executor = await this.executor?.catch(() => undefined);
    await executor?.close();
  }

  private async open(): Promise<Executor> {
    const executor = await this.options.openExecutor();
    // Gated tools ask onApproval (or are refused) before they run, as they do in an agent.
    if (this.options.tools.length > 0) await executor.sendTools(gateTools(this.options.tools, this.options.onApproval, () => undefined));
    return executor;
  }
}

function runCodeDescription(options: CodeagentMcpServerOptions): string {
  const python = options.language === "python";
  const stubs = options.tools.map((tool) => (python ? renderPythonStub(tool) : renderJavaScriptStub(tool))).join("\n\n");
  return (
    `Runs a ${python ? "Python" : "JavaScript"} program in a sandbox and returns what it printed and the value of its last expression. ` +
    "Write one program that does all the work: call the functions below directly (they are synchronous), loop over their results, " +
    "and keep only what you need, so that many calls cost one round trip. Variables stay defined for the next program." +
    (stubs === "" ? "" : `\n\nFunctions available in the program:\n\n${stubs}`) +
    (options.modules?.length ? `\n\n${describeModules(options.modules, options.language)}` : "")
  );
}

function codeResult(result: CodeOutput) {
  const lines = [result.logs.trimEnd()];
  if (result.error) lines.push(`${result.error.type}: ${result.error.message}`);
  else if (result.output !== null && result.output !== undefined) lines.push(`Output: ${formatValue(result.output)}`);
  const text = lines.filter((line) => line !== "").join("\n");
  return {
    content: [{ type: "text" as const, text: text === "" ? "(no output)" : text }],
    structuredContent: {
      logs: result.logs,
      output: jsonSafe(result.output ?? null),
      ...(result.error ? { error: { type: result.error.type, message: result.error.message } } : {}),
    },
    isError: result.error !== undefined && result.error !== null,
  };
}

// Sandbox values may hold bytes, images or cycles; MCP carries JSON.
function jsonSafe(value: unknown): unknown {
  const text = safeJsonStringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}
