/**
 * `McpClient`: the tools of an MCP server as ordinary codeagent tools. Built on the official
 * `@modelcontextprotocol/sdk`, which is loaded when a client connects (never by importing
 * codeagent). A stdio server is a child process that never outlives its client: `close()` ends it,
 * and so does the host process exiting.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

import { killIfRunning, killOnExit } from "../kill-on-exit.js";
import type { JsonSchema, JsonSchemaObject } from "../tools/json-schema.js";
import type { Tool, ToolContext } from "../tools/tool.js";
import { loadAjvCheckFactory } from "./ajv-check.js";
import { validatedJsonSchemaTool, type ArgumentsCheckFactory } from "./json-schema-arguments.js";
import { resultValue, type McpToolResult } from "./mcp-content.js";
import { McpConnectionError, McpServerGoneError, McpToolNameClashError } from "./mcp-errors.js";
import { OutputTail } from "./output-tail.js";
import { checkUniqueToolNames, sandboxToolName } from "./tool-names.js";

/** Options every MCP server spec accepts. */
export interface McpCommonOptions {
  /** Put before every tool name (`github_` makes `search` into `github_search`), to keep names of several servers apart. */
  toolPrefix?: string;
  /** How long one tool call may take before it fails, in milliseconds (default 60 000). */
  timeoutMs?: number;
  /** How long starting and initialising the server may take, in milliseconds (default 30 000). */
  connectTimeoutMs?: number;
}

/** A server started as a child process, spoken to over its stdin and stdout. */
export interface McpStdioServerSpec extends McpCommonOptions {
  command: string;
  args?: readonly string[];
  /**
   * Environment variables for the server. The server inherits only a safe few of the host's
   * (PATH, HOME, USER, SHELL, TERM, ...) plus these; pass `process.env` to give it everything.
   */
  env?: Record<string, string | undefined>;
  /** The server's working directory (default: the host's). */
  cwd?: string;
}

/** A server reached over streamable HTTP. */
export interface McpHttpServerSpec extends McpCommonOptions {
  url: string | URL;
  /** Sent with every request, e.g. `{ Authorization: "Bearer ..." }`. */
  headers?: Record<string, string>;
}

/** Where an MCP server is and how to reach it. */
export type McpServerSpec = McpStdioServerSpec | McpHttpServerSpec;

const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const PING_TIMEOUT_MS = 3_000;

/** A connection to one MCP server; its `tools` can be given to any agent. */
export class McpClient {
  private closing: Promise<void> | undefined;
  private gone = false;
  private timeoutMs = DEFAULT_CALL_TIMEOUT_MS;
  private readonly inFlight = new Map<AbortController, string>();
  private checking = false;

  private constructor(
    private readonly client: Client,
    private readonly transport: Transport,
    /** The server's command line or URL, as messages name it. */
    readonly server: string,
    /** The stdio server's process id (undefined for HTTP servers). */
    readonly pid: number | undefined,
    private readonly stderr: OutputTail | undefined,
    /** The server's tools, ready for `new CodeAgent({ tools: [...mcp.tools] })`. */
    readonly tools: readonly Tool[],
  ) {}

  /**
   * Starts (stdio) or reaches (HTTP) an MCP server, initialises the session and lists its tools.
   * Throws {@link McpConnectionError} when the server cannot be started, reached or initialised.
   */
  static async connect(spec: McpServerSpec): Promise<McpClient> {
    const server = describeServer(spec);
    const [{ Client }, checkFactory] = await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      loadAjvCheckFactory(),
    ]);
    const { transport, stderr } = await createTransport(spec);
    const client = new Client({ name: "codeagent", version: "1" });
    const connectOptions = { timeout: spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS };
    let pid: number | undefined;
    // The server's process is watched from its start: a host that exits during the handshake
    // must not leave it running.
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      const started = "pid" in transport ? ((transport as { pid: number | null }).pid ?? undefined) : undefined;
      if (started !== undefined) killOnExit.add(started, () => killIfRunning(started));
      pid = started;
    };
    try {
      await client.connect(transport, connectOptions);
      const mcpTools = await listAllTools(client, connectOptions, server);
      const holder: { client?: McpClient } = {};
      const tools = mcpTools.map((mcpTool) =>
        toolFor(mcpTool, spec, checkFactory, (name, args, context) => holder.client!.call(name, args, context)),
      );
      checkUniqueToolNames([{ origin: server, tools }]);
      const mcp = new McpClient(client, transport, server, pid, stderr, Object.freeze(tools));
      if (spec.timeoutMs !== undefined) mcp.timeoutMs = spec.timeoutMs;
      holder.client = mcp;
      client.onclose = () => {
        mcp.gone = true;
        // The process has ended: its id may be given to another process, never to be killed.
        if (pid !== undefined) killOnExit.delete(pid);
      };
      client.onerror = (error) => mcp.checkAlive(error);
      return mcp;
    } catch (error) {
      await client.close().catch(() => undefined);
      if (pid !== undefined) killOnExit.delete(pid);
      if (error instanceof McpConnectionError || error instanceof McpToolNameClashError) throw error;
      throw new McpConnectionError(server, connectFailureMessage(spec, server, error, stderr), { cause: error });
    }
  }

  /** Ends the session; a stdio server's process is ended too. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.gone = true;
      try {
        if ("terminateSession" in this.transport) {
          await (this.transport as { terminateSession(): Promise<void> }).terminateSession().catch(() => undefined);
        }
        await this.client.close();
      } finally {
        if (this.pid !== undefined && killOnExit.has(this.pid)) {
          killIfRunning(this.pid);
          killOnExit.delete(this.pid);
        }
      }
    })();
    return this.closing;
  }

  private async call(mcpName: string, args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    if (this.gone) throw this.goneError(mcpName, "is no longer connected");
    // Aborted by checkAlive when the server turns out to be gone while this call waits.
    const lost = new AbortController();
    this.inFlight.set(lost, mcpName);
    let result: McpToolResult;
    try {
      const signal = context.signal ? AbortSignal.any([context.signal, lost.signal]) : lost.signal;
      result = (await this.client.callTool({ name: mcpName, arguments: args }, undefined, { timeout: this.timeoutMs, signal })) as McpToolResult;
    } catch (error) {
      if (context.signal?.aborted) throw context.signal.reason;
      if (lost.signal.aborted) throw lost.signal.reason;
      if (this.gone) throw this.goneError(mcpName, "stopped answering (it exited or the connection closed) during the call", error);
      throw error;
    } finally {
      this.inFlight.delete(lost);
    }
    return resultValue(result);
  }

  /**
   * Over HTTP a server that dies mid-call only shows as a transport error (a broken response
   * stream) and the call would wait for its timeout. So a transport error while calls wait is
   * followed by a ping; a server that does not answer it is gone, and the waiting calls fail now.
   */
  private checkAlive(transportError: Error): void {
    if (this.gone || this.checking || this.inFlight.size === 0) return;
    this.checking = true;
    this.client
      .ping({ timeout: PING_TIMEOUT_MS })
      .then(
        () => undefined,
        () => {
          this.gone = true;
          for (const [lost, mcpName] of this.inFlight) {
            lost.abort(this.goneError(mcpName, "stopped answering (it exited or the connection broke) during the call", transportError));
          }
        },
      )
      .finally(() => {
        this.checking = false;
      });
  }

  private goneError(mcpName: string, what: string, cause?: unknown): McpServerGoneError {
    const tail = this.stderr?.text();
    const reason = cause instanceof Error ? ` (${cause.message})` : "";
    return new McpServerGoneError(
      this.server,
      `The MCP server ${this.server} ${what} of ${mcpName}${reason}; its tools cannot be called any more in this run.` +
        (tail ? ` Its last output: ${tail}` : "") +
        ` Carry on without its tools, or fix the server and start the run again.`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * Connects to several MCP servers at once. Their tools must have distinct names (give servers a
 * `toolPrefix` to keep them apart); on any failure the servers already connected are closed.
 */
export async function connectMcpServers(specs: readonly McpServerSpec[]): Promise<McpClient[]> {
  const settled = await Promise.allSettled(specs.map((spec) => McpClient.connect(spec)));
  const clients = settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  try {
    if (failure) throw failure.reason;
    checkUniqueToolNames(clients.map((client) => ({ origin: client.server, tools: client.tools })));
    return clients;
  } catch (error) {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    throw error;
  }
}

/** The command line or URL of a server, for messages. */
export function describeServer(spec: McpServerSpec): string {
  // Messages about a server reach the model and logs: a key in its address or arguments must not.
  if ("url" in spec) return redactedUrl(String(spec.url));
  return [spec.command, ...redactedArguments(spec.args ?? [])].map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(" ");
}

/** The address without its user, password and query (where keys are put), or the text cut at `?`. */
function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    url.username = "";
    url.password = "";
    return `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
  } catch {
    return text.replace(/\?.*$/s, "?…");
  }
}

/** Command-line arguments with the values of key-like options (`--api-key x`, `--token=x`) hidden. */
function redactedArguments(args: readonly string[]): string[] {
  const secretOption = /^--?[\w-]*(key|token|secret|password|auth)[\w-]*$/i;
  return args.map((arg, index) => {
    const assigned = /^(--?[\w-]*(key|token|secret|password|auth)[\w-]*)=/i.exec(arg);
    if (assigned) return `${assigned[1]}=…`;
    return index > 0 && secretOption.test(args[index - 1]!) ? "…" : arg;
  });
}

async function createTransport(spec: McpServerSpec): Promise<{ transport: Transport; stderr?: OutputTail }> {
  if ("url" in spec) {
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch (error) {
      throw new McpConnectionError(String(spec.url), `"${String(spec.url)}" is not a URL. Give the MCP server's full address, e.g. http://127.0.0.1:3000/mcp.`, { cause: error });
    }
    return { transport: new StreamableHTTPClientTransport(url, spec.headers ? { requestInit: { headers: spec.headers } } : undefined) };
  }
  const { StdioClientTransport, getDefaultEnvironment } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  const env: Record<string, string> = getDefaultEnvironment();
  for (const [key, value] of Object.entries(spec.env ?? {})) if (value !== undefined) env[key] = value;
  const transport = new StdioClientTransport({
    command: spec.command,
    args: [...(spec.args ?? [])],
    env,
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    stderr: "pipe",
  });
  const stderr = new OutputTail();
  // Read as it comes (an unread pipe would stall a chatty server); kept only for error messages.
  transport.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")));
  return { transport, stderr };
}

interface McpToolInfo {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: { title?: string };
}

/** The most tools taken from one server: each is a stub in every prompt. */
const MAX_TOOLS = 1_000;
/**
 * The most pages of one server's tool list: servers that page send tens of tools a page, and a
 * server whose pages are empty would otherwise be listed until the connect time limit.
 */
const MAX_TOOL_PAGES = 100;

/**
 * Every page of the server's tool list, within the connect time limit as a whole, up to a cursor
 * given before; a list of more than {@link MAX_TOOL_PAGES} pages is an error.
 */
async function listAllTools(client: Client, options: { timeout: number }, server: string): Promise<McpToolInfo[]> {
  const deadline = Date.now() + options.timeout;
  const tools: McpToolInfo[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages === MAX_TOOL_PAGES) {
      throw new McpConnectionError(
        server,
        `The MCP server ${server} still offered another page of its tool list after ${MAX_TOOL_PAGES} pages (${tools.length} tools so far): its list seems to have no end. Fix the server's tools/list paging, or use another server.`,
      );
    }
    const timeout = deadline - Date.now();
    if (timeout <= 0) throw new McpConnectionError(server, `The MCP server ${server} did not finish listing its tools within ${options.timeout} ms.`);
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout });
    tools.push(...(page.tools as McpToolInfo[]));
    if (tools.length > MAX_TOOLS) {
      throw new McpConnectionError(server, `The MCP server ${server} lists more than ${MAX_TOOLS} tools, too many to show a model; use a server with fewer.`);
    }
    cursor = page.nextCursor;
    // A server that hands out a cursor it gave before (often the last page's own) has no more:
    // what it listed is kept.
    if (cursor === undefined || seen.has(cursor)) return tools;
    seen.add(cursor);
  }
}

function toolFor(
  mcpTool: McpToolInfo,
  spec: McpServerSpec,
  checkFactory: ArgumentsCheckFactory,
  call: (mcpName: string, args: Record<string, unknown>, context: ToolContext) => Promise<unknown>,
): Tool {
  const parameters = { type: "object", ...mcpTool.inputSchema } as JsonSchemaObject;
  return validatedJsonSchemaTool({
    name: sandboxToolName(mcpTool.name, spec.toolPrefix),
    description: mcpTool.description ?? mcpTool.title ?? mcpTool.annotations?.title ?? "",
    parameters,
    ...(mcpTool.outputSchema === undefined ? {} : { returns: mcpTool.outputSchema as JsonSchema }),
    check: checkFactory(parameters),
    execute: (args, context) => call(mcpTool.name, args, context),
  });
}

function connectFailureMessage(spec: McpServerSpec, server: string, error: unknown, stderr: OutputTail | undefined): string {
  const reason = error instanceof Error ? error.message : String(error);
  const tail = stderr?.text();
  const output = tail ? ` Its last output: ${tail}` : "";
  if ("url" in spec) {
    return `Could not connect to the MCP server at ${server}: ${reason}. Check that the server runs and that the URL is its MCP endpoint (often ending in /mcp).${output}`;
  }
  if ((error as { code?: string }).code === "ENOENT") {
    return `Could not start the MCP server ${server}: the command "${spec.command}" was not found. Install it or give its full path.`;
  }
  return `Could not start the MCP server ${server}: ${reason}. Run the command yourself to see whether it starts and speaks MCP on stdin and stdout.${output}`;
}

