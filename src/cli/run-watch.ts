/**
 * `codeagent watch <runId>`: a durable run's events from its start, live until it ends, drawn as
 * a local run is (the same renderer), with a line for each change of the run's state; `--json`
 * prints each event of the run's stream as one JSON line. A turn that resumes the run (after an
 * approval, a retry, another worker taking over) starts the agent's run again: its second
 * "New run" heading is left out, the state line says what happened.
 */
import type { AgentQueue, DurableRunEvent } from "../jobs/index.js";
import { createColors } from "../render/colors.js";
import { safeJsonStringify } from "../render/safe-json.js";
import { escapeJsonForTerminal } from "../render/sanitize-text.js";
import { shouldUseColor } from "../render/should-use-color.js";
import { EXIT, type CliIO } from "./cli-io.js";
import type { JobCommand } from "./job-arguments.js";
import { rendererFor } from "./run-agent.js";
import { runStateLine } from "./run-state-line.js";

type WatchCommand = Extract<JobCommand, { kind: "watch" }>;

/** Prints the run's events until it ends; resolves to 0 when it completed, 1 when it failed or was cancelled. */
export async function runWatch(command: WatchCommand, queue: AgentQueue, io: CliIO): Promise<number> {
  const show = command.json ? jsonLines(io) : terminal(command, io);
  let ended: string | undefined;
  try {
    for await (const event of queue.watch(command.runId)) {
      show.event(event);
      if (event.type === "state" && (event.state === "completed" || event.state === "failed" || event.state === "cancelled")) ended = event.state;
    }
  } finally {
    show.close();
  }
  if (io.signal?.aborted === true) return EXIT.interrupted;
  return ended === "completed" ? EXIT.success : EXIT.failure;
}

interface RunEventView {
  event(event: DurableRunEvent): void;
  close(): void;
}

function jsonLines(io: CliIO): RunEventView {
  return {
    event: (event) => void io.stdout.write(`${escapeJsonForTerminal(safeJsonStringify(event) ?? "{}")}\n`),
    close: () => undefined,
  };
}

function terminal(command: WatchCommand, io: CliIO): RunEventView {
  const renderer = rendererFor(io, { json: false, verbose: command.verbose });
  const colors = createColors(shouldUseColor(io.stdout, io.env));
  let started = false;
  return {
    event(event) {
      if (event.type === "state") {
        // Ends the renderer's open line and spinner first; it goes on with the next event.
        renderer.close();
        io.stdout.write(`${runStateLine(event, colors, { runId: command.runId, queue: command.queue, redis: command.redis })}\n`);
        return;
      }
      const agentEvent = event.event;
      if (agentEvent.type === "run-start" && agentEvent.managed === undefined) {
        if (started) return;
        started = true;
      }
      renderer.render(agentEvent);
    },
    close: () => renderer.close(),
  };
}
