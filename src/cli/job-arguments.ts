/**
 * The commands of durable runs on a queue (`worker`, `enqueue`, `result`, `watch`, `approve`,
 * `cancel`), read from flags already checked against the command. Each names its queue with
 * `--queue`, and its Redis with `--redis` (default: a Redis on this machine).
 */
import type { AgentSettings, FlagValues } from "./cli-arguments.js";
import { wholeNumber } from "./flag-values.js";
import { UsageError } from "./usage-error.js";

/** The Redis of the queue commands when `--redis` is not given. */
export const DEFAULT_REDIS = "redis://127.0.0.1:6379";

/** The queue commands, by name. */
export const JOB_COMMAND_NAMES = ["worker", "enqueue", "result", "watch", "approve", "cancel"] as const;

/** The name of a queue command. */
export type JobCommandName = (typeof JOB_COMMAND_NAMES)[number];

/** Which queue, on which Redis. */
export interface QueueAddress {
  queue: string;
  redis: string;
}

/** What a queue command was asked to do. */
export type JobCommand =
  /** `codeagent worker`: takes runs from the queue, with agents made from the flags, until SIGTERM or Ctrl-C. */
  | ({ kind: "worker"; json: boolean; verbose: boolean; concurrency: number; shutdownGraceMs?: number; lockDurationMs?: number } & QueueAddress & AgentSettings)
  /** `codeagent enqueue "<task>"`: prints the new run's id. */
  | ({ kind: "enqueue"; task: string; maxSteps?: number; attempts?: number } & QueueAddress)
  /** `codeagent result <runId>`: prints the run's status as JSON; with `wait`, once it has ended. */
  | ({ kind: "result"; runId: string; wait: boolean; timeoutMs?: number } & QueueAddress)
  /** `codeagent watch <runId>`: the run's events from its start, until it ends. */
  | ({ kind: "watch"; runId: string; json: boolean; verbose: boolean } & QueueAddress)
  /** `codeagent approve <runId>`: decides on the tool call the run is parked on. */
  | ({ kind: "approve"; runId: string; approved: boolean; reason?: string } & QueueAddress)
  /** `codeagent cancel <runId>`. */
  | ({ kind: "cancel"; runId: string } & QueueAddress);

/** Whether `word` names a queue command. */
export function isJobCommandName(word: string | undefined): word is JobCommandName {
  return (JOB_COMMAND_NAMES as readonly string[]).includes(word ?? "");
}

/**
 * The queue command `name` with its arguments `rest` and flag `values`; `agentSettings` reads the
 * agent flags (for the worker's agents). Throws {@link UsageError} for a bad command line.
 */
export function jobCommand(name: JobCommandName, rest: readonly string[], values: FlagValues, agentSettings: () => AgentSettings): JobCommand {
  const address = queueAddress(name, values);
  const json = values.json ?? false;
  const verbose = values.verbose ?? false;
  switch (name) {
    case "worker":
      if (rest.length > 0) throw new UsageError(`worker takes no arguments (got ${rest.map((word) => JSON.stringify(word)).join(" ")}): the tasks come from the queue.`);
      return {
        kind: "worker",
        ...address,
        json,
        verbose,
        concurrency: wholeNumber("concurrency", "--concurrency", values.concurrency, 1).concurrency ?? 1,
        ...milliseconds("shutdownGraceMs", "--shutdown-grace", values["shutdown-grace"], 1_000),
        ...milliseconds("lockDurationMs", "--lock-duration", values["lock-duration"], 1),
        ...agentSettings(),
      };
    case "enqueue":
      return {
        kind: "enqueue",
        ...address,
        task: theTask(rest),
        ...wholeNumber("maxSteps", "--max-steps", values["max-steps"], 1),
        ...wholeNumber("attempts", "--attempts", values.attempts, 1),
      };
    case "result":
      if (values.timeout !== undefined && values.wait !== true) throw new UsageError("--timeout bounds the wait of --wait: give --wait too.");
      return { kind: "result", ...address, runId: theRunId(name, rest), wait: values.wait ?? false, ...milliseconds("timeoutMs", "--timeout", values.timeout, 1_000) };
    case "watch":
      return { kind: "watch", ...address, runId: theRunId(name, rest), json, verbose };
    case "approve":
      return { kind: "approve", ...address, runId: theRunId(name, rest), approved: values.refuse !== true, ...(values.reason === undefined ? {} : { reason: values.reason }) };
    case "cancel":
      return { kind: "cancel", ...address, runId: theRunId(name, rest) };
  }
}

function queueAddress(name: JobCommandName, values: FlagValues): QueueAddress {
  const queue = values.queue;
  if (queue === undefined || queue.trim() === "") throw new UsageError(`${name} needs the queue's name: --queue <name> (the same for workers and clients).`);
  return { queue, redis: values.redis ?? DEFAULT_REDIS };
}

function theTask(rest: readonly string[]): string {
  if (rest.length === 0) throw new UsageError('enqueue needs a task in quotes: codeagent enqueue --queue <name> "<task>".');
  if (rest.length > 1) throw new UsageError(`Put the task in quotes: got ${rest.length} separate words.`);
  return rest[0]!;
}

function theRunId(name: JobCommandName, rest: readonly string[]): string {
  if (rest.length !== 1) throw new UsageError(`${name} takes one run id (the one codeagent enqueue printed), got ${rest.length}.`);
  return rest[0]!;
}

/** A flag given in `unit` milliseconds (1,000 for seconds), as milliseconds. */
function milliseconds<K extends string>(key: K, flag: string, text: string | undefined, unit: number): Partial<Record<K, number>> {
  const value = wholeNumber(key, flag, text, 1)[key];
  return value === undefined ? {} : ({ [key]: value * unit } as Record<K, number>);
}
