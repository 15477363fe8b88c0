/**
 * `codeagent ui`: the web UI on 127.0.0.1, each conversation's agent made from the flags (model,
 * sandbox, tools, --mcp servers), and with --queue the durable runs of that queue. Prints the
 * address to open, its token included, and serves until Ctrl-C; the agents, the --mcp servers and
 * the queue's connections are closed then.
 */
import { CodeAgent } from "../agents/code-agent.js";
import { serveUi } from "../ui/serve-ui.js";
import type { UiRunQueue } from "../ui/run-queue.js";
import type { CliCommand } from "./cli-arguments.js";
import { EXIT, type CliIO } from "./cli-io.js";
import type { QueueAddress } from "./job-arguments.js";
import { redisAddressShown } from "./redis-address.js";
import { agentOptionsFromSettings, withFlagAgent } from "./run-agent.js";

type UiCommand = Extract<CliCommand, { kind: "ui" }>;

/** Serves the web UI until `io.signal` aborts; resolves to the exit code. */
export async function runUi(command: UiCommand, io: CliIO): Promise<number> {
  return await withFlagAgent(command, io, async ({ model, tools }) =>
    withQueue(command.queue, async (queue) => {
      const shown = command.queue === undefined ? "" : `\n(queue ${command.queue.queue} on ${redisAddressShown(command.queue.redis)}: its runs are under Queue)`;
      await serveUi({
        port: command.port,
        createAgent: ({ onApproval }) => new CodeAgent({ ...agentOptionsFromSettings(command, model, tools), onApproval }),
        ...(queue && command.queue ? { queue, queueName: command.queue.queue } : {}),
        onListening: (url) =>
          io.stdout.write(
            `codeagent web UI: open ${url}\n(model ${command.model.spec}, ${command.sandbox.language} in the ${command.sandbox.executor} sandbox; Ctrl-C stops it)${shown}\n`,
          ),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      return io.signal?.aborted === true ? EXIT.interrupted : EXIT.success;
    }),
  );
}

/**
 * The queue the UI shows, when --queue names one: `codeagent/jobs` (and with it bullmq) is loaded
 * only then. Redis is reached on the page's first look, so a Redis that is away shows there.
 */
async function withQueue<T>(address: QueueAddress | undefined, use: (queue: UiRunQueue | undefined) => Promise<T>): Promise<T> {
  if (address === undefined) return await use(undefined);
  const { AgentQueue } = await import("../jobs/index.js");
  const queue = new AgentQueue(address);
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}
