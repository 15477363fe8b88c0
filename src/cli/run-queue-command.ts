/**
 * The queue commands (`worker`, `enqueue`, `result`, `watch`, `approve`, `cancel`): each is loaded
 * on use, and with it `codeagent/jobs` (bullmq, ioredis), so the other commands never load them.
 * Their errors end in one line that says what to do (Redis unreachable, an unknown run id), with
 * any password in the Redis address hidden.
 */
import { AgentConfigurationError, AgentError } from "../errors.js";
import { sanitizeText } from "../render/sanitize-text.js";
import { EXIT, type CliIO } from "./cli-io.js";
import type { JobCommand } from "./job-arguments.js";
import { hidePassword } from "./redis-address.js";
import { failureLines } from "./report-failure.js";
import { UsageError } from "./usage-error.js";

/** Runs a queue command; resolves to its exit code. */
export async function runQueueCommand(command: JobCommand, io: CliIO): Promise<number> {
  try {
    if (command.kind === "worker") return await (await import("./run-worker.js")).runWorker(command, io);
    const { AgentQueue } = await import("../jobs/index.js");
    const queue = new AgentQueue({ redis: command.redis, queue: command.queue });
    // Ctrl-C ends a wait or a watch: closing the queue ends its reads.
    const close = () => void queue.close();
    io.signal?.addEventListener("abort", close, { once: true });
    try {
      if (command.kind === "watch") return await (await import("./run-watch.js")).runWatch(command, queue, io);
      return await (await import("./queue-client-commands.js")).runQueueClient(command, queue, io);
    } finally {
      io.signal?.removeEventListener("abort", close);
      await queue.close();
    }
  } catch (error) {
    if (io.signal?.aborted === true) return EXIT.interrupted;
    // Bad flags (a missing key, an unknown tool) and a queue name the library refuses are bad usage, reported as such by runCli.
    if (error instanceof UsageError || error instanceof AgentConfigurationError) throw error;
    const verbose = "verbose" in command && command.verbose;
    const lines = AgentError.isInstance(error) && !verbose ? [sanitizeText(error.message)] : failureLines(error, `codeagent ${command.kind} failed`, verbose);
    io.stderr.write(`${hidePassword(lines.join("\n"), command.redis)}\n`);
    return EXIT.failure;
  }
}
