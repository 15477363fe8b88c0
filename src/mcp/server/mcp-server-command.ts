/**
 * `codeagent mcp-server`: builds the server from the command line's flags (tools from --tools and
 * from the --mcp servers, the sandbox, the model) and serves it over stdio, or over streamable
 * HTTP with --port, where every request must carry the token (--token, CODEAGENT_MCP_TOKEN, or a
 * random one printed at start). Ends when the client closes stdin or on Ctrl-C; the sandboxes and the --mcp
 * servers are closed either way. Messages go to stderr: stdout belongs to the protocol.
 */
import { CodeAgent } from "../../agents/code-agent.js";
import { createExecutor } from "../../agents/create-executor.js";
import type { CliCommand } from "../../cli/cli-arguments.js";
import { EXIT, type CliIO } from "../../cli/cli-io.js";
import { loadTools } from "../../cli/load-tools.js";
import { modelFromSpec } from "../../cli/model-from-spec.js";
import { startCliTracing } from "../../cli/otel-tracing.js";
import { agentOptionsFromSettings, sandboxExecutorOptions } from "../../cli/run-agent.js";
import { AgentConfigurationError } from "../../errors.js";
import { loadSandboxModules, type ModulesOption, type SandboxModule } from "../../executors/sandbox-modules.js";
import { withMcpServers } from "../with-mcp-servers.js";
import { newBearerToken } from "./bearer-token.js";
import { codeagentMcpServer } from "./codeagent-mcp-server.js";
import { serveOverHttp, serveOverStdio } from "./serve.js";

type McpServerCommand = Extract<CliCommand, { kind: "mcp-server" }>;

/** Serves until the client goes away or `io.signal` aborts; resolves to the exit code. */
export async function runMcpServerCommand(command: McpServerCommand, io: CliIO): Promise<number> {
  const { sandbox } = command;
  const stdout = io.stdout as Partial<NodeJS.WritableStream>;
  if (command.port === undefined && typeof stdout.once !== "function") {
    throw new AgentConfigurationError("codeagent mcp-server over stdio needs a real stdout stream; give --port to serve over HTTP instead.");
  }
  const ownTools = { origin: "--tools", tools: await loadTools(sandbox.tools, io.cwd) };
  const tracing = command.otel ? await startCliTracing(io) : undefined;
  return await withMcpServers(
    command.mcpServers,
    ownTools,
    async (tools) => {
      const built = await codeagentMcpServer({
        tools,
        language: sandbox.language,
        modules: moduleListing(sandbox),
        openExecutor: () =>
          createExecutor(sandbox.executor, { ...sandboxExecutorOptions(sandbox), ...(sandbox.imports ? { authorizedImports: sandbox.imports } : {}) }),
        // The model is made per call, so a server without credentials still offers run_code, and
        // run_agent says what to set.
        createAgent: () => {
          const agent = new CodeAgent(agentOptionsFromSettings(command, modelFromSpec(command.model, io.env), tools));
          return tracing ? tracing.instrument(agent) : agent;
        },
        ...(command.maxSteps === undefined ? {} : { maxSteps: command.maxSteps }),
      });
      const names = tools.map((tool) => tool.name).join(", ") || "none";
      try {
        if (command.port === undefined) {
          io.stderr.write(`codeagent MCP server on stdio: run_code (${sandbox.language}, ${sandbox.executor} sandbox), run_agent (${command.model.spec}); tools: ${names}\n`);
          await serveOverStdio(built, io.stdin, io.stdout as NodeJS.WritableStream, io.signal);
        } else {
          const { token, shown } = chooseToken(command.token, io.env.CODEAGENT_MCP_TOKEN);
          await serveOverHttp(
            built,
            {
              port: command.port,
              token,
              onListening: (url) =>
                io.stderr.write(
                  `codeagent MCP server at ${url} (send the header "Authorization: Bearer ${shown}"): run_code (${sandbox.language}, ${sandbox.executor} sandbox, one per session), run_agent (${command.model.spec}); tools: ${names}\n`,
                ),
            },
            io.signal,
          );
        }
      } finally {
        await built.close();
        await tracing?.stop();
      }
      return io.signal?.aborted === true ? EXIT.interrupted : EXIT.success;
    },
    io.signal,
  );
}

/** The `--module` modules, read for `run_code`'s description (the sandbox reads them again when it starts). */
function moduleListing(sandbox: McpServerCommand["sandbox"]): readonly SandboxModule[] {
  const modules = sandbox.executorOptions["modules"] as ModulesOption | undefined;
  return modules ? loadSandboxModules(modules, sandbox.language) : [];
}

/** The token HTTP clients must send, and how the start message shows it: one the user chose is theirs to know, a made-up one must be shown. */
function chooseToken(flag: string | undefined, env: string | undefined): { token: string; shown: string } {
  if (flag !== undefined) return { token: flag, shown: "<the token given with --token>" };
  if (env !== undefined && env.trim() !== "") return { token: env, shown: "<the token in CODEAGENT_MCP_TOKEN>" };
  const token = newBearerToken();
  return { token, shown: token };
}
