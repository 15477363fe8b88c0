/**
 * `codeagent ui`: the web UI on 127.0.0.1, each conversation's agent made from the flags (model,
 * sandbox, tools, --mcp servers). Prints the address to open, its token included, and serves
 * until Ctrl-C; the agents and the --mcp servers are closed then.
 */
import { CodeAgent } from "../agents/code-agent.js";
import { serveUi } from "../ui/serve-ui.js";
import type { CliCommand } from "./cli-arguments.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { agentOptionsFromSettings, withFlagAgent } from "./run-agent.js";

type UiCommand = Extract<CliCommand, { kind: "ui" }>;

/** Serves the web UI until `io.signal` aborts; resolves to the exit code. */
export async function runUi(command: UiCommand, io: CliIO): Promise<number> {
  return await withFlagAgent(command, io, async ({ model, tools }) => {
    await serveUi({
      port: command.port,
      createAgent: ({ onApproval }) => new CodeAgent({ ...agentOptionsFromSettings(command, model, tools), onApproval }),
      onListening: (url) =>
        io.stdout.write(
          `codeagent web UI: open ${url}\n(model ${command.model.spec}, ${command.sandbox.language} in the ${command.sandbox.executor} sandbox; Ctrl-C stops it)\n`,
        ),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    return io.signal?.aborted === true ? EXIT.interrupted : EXIT.success;
  });
}
