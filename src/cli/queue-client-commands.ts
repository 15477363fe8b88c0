/**
 * `codeagent enqueue`, `result`, `approve` and `cancel`: one request each to the queue. What
 * scripts read goes to stdout (the run id, the status as JSON, the state after a cancel); what a
 * person reads goes to stderr.
 */
import { RunWaitTimeoutError, type AgentQueue, type DurableRunState, type DurableRunStatus } from "../jobs/index.js";
import { formatToolCall } from "../render/format-value.js";
import { safeJsonStringify } from "../render/safe-json.js";
import { escapeJsonForTerminal, sanitizeText } from "../render/sanitize-text.js";
import { EXIT, type CliIO } from "./cli-io.js";
import type { JobCommand } from "./job-arguments.js";

type ClientCommand = Extract<JobCommand, { kind: "enqueue" | "result" | "approve" | "cancel" }>;

/** Runs `command` against `queue`; resolves to the exit code. */
export async function runQueueClient(command: ClientCommand, queue: AgentQueue, io: CliIO): Promise<number> {
  switch (command.kind) {
    case "enqueue": {
      const options = { ...(command.maxSteps ? { maxSteps: command.maxSteps } : {}), ...(command.attempts ? { attempts: command.attempts } : {}) };
      io.stdout.write(`${await queue.enqueue(command.task, options)}\n`);
      return EXIT.success;
    }
    case "result":
      return await printResult(command, queue, io);
    case "approve":
      return await decide(command, queue, io);
    case "cancel":
      return await cancel(command.runId, queue, io);
  }
}

/** Exit codes of `result`: 0 completed, 1 failed or cancelled, 3 not ended (no --wait, or --timeout passed). */
function exitCodeOf(state: DurableRunState): number {
  if (state === "completed") return EXIT.success;
  if (state === "failed" || state === "cancelled") return EXIT.failure;
  return EXIT.notEnded;
}

async function printResult(command: Extract<ClientCommand, { kind: "result" }>, queue: AgentQueue, io: CliIO): Promise<number> {
  let status: DurableRunStatus;
  try {
    status = await queue.result(command.runId, { wait: command.wait, ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }) });
  } catch (error) {
    if (!(error instanceof RunWaitTimeoutError)) throw error;
    io.stderr.write(`${sanitizeText(error.message)}\n`);
    status = await queue.status(command.runId);
  }
  io.stdout.write(`${escapeJsonForTerminal(safeJsonStringify(status, 2) ?? "{}")}\n`);
  return exitCodeOf(status.state);
}

async function decide(command: Extract<ClientCommand, { kind: "approve" }>, queue: AgentQueue, io: CliIO): Promise<number> {
  const { pendingApproval } = await queue.status(command.runId);
  await queue.approve(command.runId, { approved: command.approved, ...(command.reason === undefined ? {} : { reason: command.reason }) });
  const call = pendingApproval === undefined ? "the call" : sanitizeText(formatToolCall(pendingApproval.tool, { args: [], kwargs: pendingApproval.args }, 200));
  io.stderr.write(`${command.approved ? "Approved" : "Refused"} ${call}; run ${command.runId} goes on on a worker.\n`);
  return EXIT.success;
}

async function cancel(runId: string, queue: AgentQueue, io: CliIO): Promise<number> {
  const before = (await queue.status(runId)).state;
  const after = await queue.cancel(runId);
  io.stdout.write(`${after}\n`);
  if (before === "completed" || before === "failed" || before === "cancelled") {
    io.stderr.write(`Run ${runId} had already ended (${before}); nothing to cancel.\n`);
    return before === "cancelled" ? EXIT.success : EXIT.failure;
  }
  if (after !== "cancelled") io.stderr.write(`Run ${runId} is ${after}: its worker stops it within a second or so.\n`);
  return EXIT.success;
}
