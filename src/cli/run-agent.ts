/**
 * `codeagent "<task>"` and `codeagent demo`: an agent's run, rendered live (or as JSON lines),
 * ending with its exit code. A run that fails or is interrupted still ends with what it did.
 */
import { CodeAgent, type CodeAgentOptions } from "../agents/code-agent.js";
import { withMcpServers } from "../mcp/with-mcp-servers.js";
import { createJsonLinesRenderer, createTerminalRenderer, shouldUseColor, type EventRenderer } from "../render/index.js";
import type { Tool } from "../tools/tool.js";
import type { AgentSettings, CliCommand, SandboxSettings } from "./cli-arguments.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { downloadProgressWriter } from "./download-progress.js";
import { loadTools } from "./load-tools.js";
import { modelFromSpec } from "./model-from-spec.js";
import { startCliTracing } from "./otel-tracing.js";
import { reportFailure } from "./report-failure.js";
import { terminalApproval } from "./approval-prompt.js";
import { RunTally } from "./run-tally.js";

/** What to run. */
export interface AgentJob {
  model: CodeAgentOptions["model"];
  tools: NonNullable<CodeAgentOptions["tools"]>;
  task: string;
  banner: string;
  /** The agent to run, when it is made elsewhere (a saved agent); closed when the run ends. */
  agent?: CodeAgent;
}

type AgentCommand = Extract<CliCommand, { kind: "task" | "demo" }>;

/** Runs `job` as `command` asks; resolves to the exit code. */
export async function runAgent(io: CliIO, command: AgentCommand, job: AgentJob): Promise<number> {
  // A tool that needs approval is asked about at the terminal (on stderr, so --json stays clean).
  const agent = job.agent ?? new CodeAgent({ ...agentOptions(command, job), onApproval: terminalApproval({ input: io.stdin, output: io.stderr }) });
  const tracing = command.kind === "task" && command.otel ? await startCliTracing(io) : undefined;
  tracing?.instrument(agent);
  const renderer = rendererFor(io, command);
  const tally = new RunTally();
  if (!command.json) io.stdout.write(job.banner);
  let state: string | undefined;
  try {
    for await (const event of agent.stream(job.task, io.signal ? { signal: io.signal } : {})) {
      tally.observe(event);
      renderer.render(event);
      // Managed agents finish inside the manager's run: only the manager's own finish counts.
      if (event.type === "run-finish" && event.managed === undefined) state = event.result.state;
    }
  } catch (error) {
    renderer.close();
    const interrupted = io.signal?.aborted === true;
    const summary = tally.started ? tally.summary() : undefined;
    reportFailure({ ...io, json: command.json, verbose: command.verbose, heading: "The run failed", ...(summary ? { summary } : {}) }, error, interrupted);
    return interrupted ? EXIT.interrupted : EXIT.failure;
  } finally {
    renderer.close();
    await agent.close();
    await tracing?.stop();
  }
  return state === "success" ? EXIT.success : EXIT.failure;
}

function agentOptions(command: AgentCommand, job: AgentJob): CodeAgentOptions {
  if (command.kind === "demo") return { model: job.model, tools: job.tools, executorOptions: { usePool: false } };
  return agentOptionsFromSettings(command, job.model, job.tools);
}

/**
 * Makes the model the flags name, loads their `--tools`, connects their `--mcp` servers, and calls
 * `use` with the model and every tool; the servers are closed however `use` ends (Ctrl-C included:
 * the signal ends it). A task, `ui` and `worker` make their agents this way.
 */
export async function withFlagAgent<T>(settings: AgentSettings, io: CliIO, use: (parts: { model: CodeAgentOptions["model"]; tools: Tool[] }) => Promise<T>): Promise<T> {
  const model = modelFromSpec(settings.model, io.env, downloadProgressWriter(io.stderr));
  const ownTools = { origin: "--tools", tools: await loadTools(settings.sandbox.tools, io.cwd) };
  return await withMcpServers(settings.mcpServers, ownTools, async (tools) => await use({ model, tools }), io.signal);
}

/** The options of the agent the flags of a task describe (also the agents of `mcp-server`'s run_agent). */
export function agentOptionsFromSettings(settings: AgentSettings, model: CodeAgentOptions["model"], tools: NonNullable<CodeAgentOptions["tools"]>): CodeAgentOptions {
  const { sandbox, model: modelSettings } = settings;
  const options: CodeAgentOptions = { model, tools, executor: sandbox.executor, language: sandbox.language, executorOptions: sandboxExecutorOptions(sandbox) };
  if (sandbox.imports) options.authorizedImports = sandbox.imports;
  if (settings.maxSteps) options.maxSteps = settings.maxSteps;
  if (settings.planningInterval) options.planningInterval = settings.planningInterval;
  if (settings.instructions) options.instructions = settings.instructions;
  if (modelSettings.temperature !== undefined) options.generateOptions = { temperature: modelSettings.temperature };
  if (!modelSettings.stream) options.streamOutputs = false;
  return options;
}

/** The executor options the sandbox flags set (no warm pool: the CLI runs once, then exits). */
export function sandboxExecutorOptions(sandbox: SandboxSettings): Record<string, unknown> {
  return { usePool: false, ...sandbox.executorOptions, ...(sandbox.timeoutMs ? { timeoutMs: sandbox.timeoutMs } : {}) };
}

/** The renderer of a run's events: JSON lines with `--json`, else the terminal's (colour, spinner and width as stdout allows). */
export function rendererFor(io: CliIO, command: { json: boolean; verbose: boolean }): EventRenderer {
  const write = (text: string) => void io.stdout.write(text);
  if (command.json) return createJsonLinesRenderer(write);
  return createTerminalRenderer({
    write,
    color: shouldUseColor(io.stdout, io.env),
    verbose: command.verbose,
    spinner: io.stdout.isTTY === true,
    ...(io.stdout.columns ? { width: io.stdout.columns } : {}),
  });
}
