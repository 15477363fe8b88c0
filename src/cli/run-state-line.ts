/**
 * How `codeagent watch` shows a durable run's change of state: one short line between the agent's
 * events (queued, running on a worker, waiting for an approval and how to give it, the end).
 */
import type { DurableRunEvent } from "../jobs/index.js";
import type { Colors } from "../render/colors.js";
import { formatInline, formatToolCall } from "../render/format-value.js";
import { sanitizeText } from "../render/sanitize-text.js";
import { DEFAULT_REDIS } from "./job-arguments.js";
import { redisAddressShown } from "./redis-address.js";

type StateEvent = Extract<DurableRunEvent, { type: "state" }>;

/** The line for `event` of run `runId` in queue `queue` on Redis `redis` (without a line end). */
export function runStateLine(event: StateEvent, colors: Colors, run: { runId: string; queue: string; redis: string }): string {
  const reason = event.reason === undefined ? "" : `: ${sanitizeText(formatInline(event.reason, 300))}`;
  switch (event.state) {
    case "queued":
      return colors.dim(`● queued${reason}`);
    case "running":
      return colors.cyan(`● running${event.worker === undefined ? "" : ` on worker ${sanitizeText(event.worker)}`}`);
    case "waiting-approval": {
      const pending = event.pendingApproval;
      const call = pending === undefined ? "a tool call" : sanitizeText(formatToolCall(pending.tool, { args: [], kwargs: pending.args }, 200));
      const redis = run.redis === DEFAULT_REDIS ? "" : ` --redis ${redisAddressShown(run.redis)}`;
      const command = `codeagent approve --queue ${run.queue}${redis} ${run.runId} [--refuse]`;
      return `${colors.yellow(`● waiting for approval of ${call}`)}${colors.dim(` (${command})`)}`;
    }
    case "completed":
      return colors.green("● completed");
    case "failed":
    case "cancelled":
      return colors.red(`● ${event.state}${reason}`);
  }
}
