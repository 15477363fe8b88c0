/**
 * The queue's own records in Redis, beside BullMQ's: per run a hash (state, task, options,
 * result), the checkpointed memory, a journal of the step in progress, approval decisions and an
 * event stream. Every key starts with `codeagent:<queue>:` and is removed after the retention
 * time once the run has ended.
 */
import type { Redis } from "ioredis";

import { fromWire } from "../executors/wire-values.js";
import { toJsonText } from "../executors/json-text.js";
import { FINAL_STATES, type DurableRunEvent, type DurableRunResult, type DurableRunState, type DurableRunStatus, type EnqueueOptions, type PendingApproval } from "./durable-run.js";

/** One entry of the journal of the step in progress; see `tool-journal.ts`. */
export type JournalEntry =
  | { kind: "reply"; text: string; tokenUsage?: { inputTokens: number; outputTokens: number } }
  /** `args` is the encoded arguments: a resumed call must match them to be answered from here. */
  | { kind: "call"; index: number; tool: string; args: string }
  | { kind: "result"; index: number; value: unknown }
  | { kind: "error"; index: number; message: string }
  | { kind: "parked"; index: number };

/** A decision on a parked tool call, with the call it was given for. */
export interface ApprovalDecision {
  approved: boolean;
  reason?: string;
  tool: string;
  /** The call's arguments, encoded: a decision holds only for the very call the person saw. */
  args: string;
}

/** The key of a decision: the step and the call's place in it (`<step>:<index>`). */
export function callKey(stepNumber: number, callIndex: number): string {
  return `${stepNumber}:${callIndex}`;
}

/** Whether `decision` was given for this very call: the same tool with the same arguments. */
export function decisionFits(decision: ApprovalDecision | undefined, tool: string, args: Record<string, unknown>): decision is ApprovalDecision {
  return decision !== undefined && decision.tool === tool && decision.args === encode(args);
}

/** What `setState` may set besides the state, and the guard it may need. */
export interface StateDetails {
  error?: string;
  /** Said in the state event only. */
  note?: string;
  result?: DurableRunResult;
  pendingApproval?: PendingApproval;
  worker?: string;
  /** Only while this attempt owns the run. */
  owner?: string;
  /** Makes this attempt the run's owner. */
  newOwner?: string;
  /** Only from one of these states. */
  from?: readonly DurableRunState[];
}

/** What a worker needs to start or resume a run. */
export interface StoredRun {
  status: DurableRunStatus;
  options: EnqueueOptions;
  cancelRequested: boolean;
}

/** Events kept per run: a run with more drops its oldest (a late watcher still sees the newest). */
const MAX_STREAM_EVENTS = 20_000;

/** Serialises values that may hold bytes or images, as sandbox values are. */
export function encode(value: unknown): string {
  return toJsonText(value);
}

/** Reads what {@link encode} wrote. */
export function decode<T>(text: string): T {
  return fromWire(JSON.parse(text)) as T;
}

/**
 * Runs commands only while a field of the run's hash (KEYS[1]) holds one of the given values:
 * ARGV[1] is the field, ARGV[2] how many values pass, then those values, then each command as its
 * word count followed by its words. The fence that keeps a worker that lost its run (it stalled
 * and another took the run over) from journaling a call or overwriting a checkpoint, and that
 * keeps concurrent state changes (approve, cancel, a worker taking the run) from undoing each
 * other. Returns 1 when it ran the commands, 0 when it did not. Words pass as plain arguments, so
 * any text (broken Unicode included) and megabytes of memory go through untouched.
 */
const GUARDED = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local passing = tonumber(ARGV[2])
local allowed = false
for i = 1, passing do
  if current == ARGV[2 + i] then allowed = true end
end
if not allowed then return 0 end
local at = 3 + passing
while at <= #ARGV do
  local count = tonumber(ARGV[at])
  redis.call(unpack(ARGV, at + 1, at + count))
  at = at + count + 1
end
return 1`;

/** Which field of the run's hash must hold which values for guarded commands to run. */
type Guard = { field: "owner" | "state"; values: readonly string[] };

/** A Redis command as a list of its words. */
type Command = Array<string | number>;

/** The attempt that lost its run to another: what it wanted to write was not written. */
export class RunOwnershipLostError extends Error {
  override readonly name = "RunOwnershipLostError";
}

/** The queue's records, on one connection (so writes of one run reach Redis in the order made). */
export class RunStore {
  private readonly prefix: string;

  constructor(
    readonly redis: Redis,
    readonly queue: string,
    /** Seconds an ended run's records are kept. */
    private readonly retainSeconds: number,
  ) {
    this.prefix = `codeagent:${queue}:`;
  }

  /** The key of `part` of run `runId`; also used for the journal of one step (`journal:<step>`). */
  key(runId: string, part: string): string {
    return `${this.prefix}${runId}:${part}`;
  }

  /** The index of the queue's runs by creation time; an entry goes once its run's records have expired. */
  private get runIndex(): string {
    return `${this.prefix}runs`;
  }

  /** Records a new run as queued. */
  async create(runId: string, task: string, options: EnqueueOptions): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .hset(this.key(runId, "run"), { state: "queued", task, options: encode(options), createdAt: now, updatedAt: now, attempts: 0 })
      .zadd(this.runIndex, now, runId)
      .zremrangebyscore(this.runIndex, "-inf", now - this.retainSeconds * 1_000)
      .call(...this.eventCommand(runId, { type: "state", state: "queued" }))
      .exec();
  }

  /** The ids of `count` runs from the `offset`-th newest on, newest first. */
  async newestRuns(offset: number, count: number): Promise<string[]> {
    return await this.redis.zrevrange(this.runIndex, offset, offset + count - 1);
  }

  /** Whether the run has a record. */
  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(runId, "run"))) === 1;
  }

  /** Whether someone asked the run to stop. */
  async cancelRequested(runId: string): Promise<boolean> {
    return (await this.redis.hget(this.key(runId, "run"), "cancelRequested")) === "1";
  }

  /** The run's record, or undefined when there is none. */
  async load(runId: string): Promise<StoredRun | undefined> {
    const fields = await this.redis.hgetall(this.key(runId, "run"));
    if (fields["state"] === undefined || fields["task"] === undefined) return undefined;
    const status: DurableRunStatus = {
      runId,
      state: fields["state"] as DurableRunState,
      task: fields["task"],
      createdAt: Number(fields["createdAt"]),
      updatedAt: Number(fields["updatedAt"]),
      attempts: Number(fields["attempts"] ?? 0),
    };
    if (fields["error"]) status.error = fields["error"];
    if (fields["pendingApproval"]) status.pendingApproval = decode<PendingApproval>(fields["pendingApproval"]);
    if (fields["result"]) status.result = decode<DurableRunResult>(fields["result"]);
    return { status, options: fields["options"] ? decode<EnqueueOptions>(fields["options"]) : {}, cancelRequested: fields["cancelRequested"] === "1" };
  }

  /**
   * Moves the run to `state` and tells the watchers, in one transaction. An ended run's keys get
   * their expiry. `details` are set too (an error, a result, a pending approval); the error and the
   * pending approval are cleared when not given. A `note` goes only into the event, as its reason.
   * With `owner`, only while that attempt owns the run (else `RunOwnershipLostError`); with `from`,
   * only from one of those states: resolves to whether the run moved.
   */
  async setState(runId: string, state: DurableRunState, details: StateDetails = {}): Promise<boolean> {
    const guard: Guard | undefined =
      details.owner !== undefined ? { field: "owner", values: [details.owner] } : details.from !== undefined ? { field: "state", values: details.from } : undefined;
    return await this.exec(runId, this.stateCommands(runId, state, details), guard);
  }

  /**
   * Records a decision on the call the run is parked on and puts the run back in the queue, in
   * one step and only while it is still waiting for approval: whether it was.
   */
  async decideAndRequeue(runId: string, callKey: string, decision: ApprovalDecision, note: string): Promise<boolean> {
    const commands: Command[] = [["HSET", this.key(runId, "approvals"), callKey, encode(decision)], ...this.stateCommands(runId, "queued", { note })];
    return await this.exec(runId, commands, { field: "state", values: ["waiting-approval"] });
  }

  private stateCommands(runId: string, state: DurableRunState, details: StateDetails): Command[] {
    const runKey = this.key(runId, "run");
    const fields: Record<string, string | number> = { state, updatedAt: Date.now() };
    if (details.error !== undefined) fields["error"] = details.error;
    if (details.result !== undefined) fields["result"] = encode(details.result);
    if (details.pendingApproval !== undefined) fields["pendingApproval"] = encode(details.pendingApproval);
    if (details.newOwner !== undefined) fields["owner"] = details.newOwner;
    const event: DurableRunEvent = {
      type: "state",
      state,
      ...(details.error === undefined && details.note === undefined ? {} : { reason: details.error ?? details.note }),
      ...(details.pendingApproval === undefined ? {} : { pendingApproval: details.pendingApproval }),
      ...(details.result === undefined ? {} : { result: details.result }),
      ...(details.worker === undefined ? {} : { worker: details.worker }),
    };
    const commands: Command[] = [["HSET", runKey, ...Object.entries(fields).flat()]];
    const cleared = [...(details.error === undefined && state !== "queued" ? ["error"] : []), ...(details.pendingApproval === undefined ? ["pendingApproval"] : [])];
    if (cleared.length > 0) commands.push(["HDEL", runKey, ...cleared]);
    if (state === "running") commands.push(["HINCRBY", runKey, "attempts", 1]);
    // Once the run has left its worker, nobody owns it: a late write of that worker is refused.
    if (state !== "running") commands.push(["HDEL", runKey, "owner"]);
    commands.push(this.eventCommand(runId, event));
    if (FINAL_STATES.has(state)) {
      for (const part of ["run", "events", "memory", "approvals"]) commands.push(["EXPIRE", this.key(runId, part), this.retainSeconds]);
    }
    return commands;
  }

  /**
   * Runs `commands` in one transaction, right away (so writes reach Redis in the order made);
   * with a guard, only while it holds: whether they ran. An owner guard that fails is a
   * `RunOwnershipLostError`: the attempt must stop.
   */
  private async exec(runId: string, commands: Command[], guard: Guard | undefined): Promise<boolean> {
    if (guard === undefined) {
      const transaction = this.redis.multi();
      for (const [name, ...args] of commands) transaction.call(String(name), ...args);
      await transaction.exec();
      return true;
    }
    const words = commands.flatMap((command) => [command.length, ...command]).map(String);
    const done = (await this.redis.eval(GUARDED, 1, this.key(runId, "run"), guard.field, guard.values.length, ...guard.values, ...words)) === 1;
    if (!done && guard.field === "owner") throw new RunOwnershipLostError(`Run ${runId} was taken over by another worker; this worker's attempt stops without writing.`);
    return done;
  }

  /** Adds one of the agent's events to the run's stream. */
  async appendEvent(runId: string, event: DurableRunEvent): Promise<void> {
    await this.redis.call(...this.eventCommand(runId, event));
  }

  /** The command that adds `event` to the run's stream, which keeps its newest events only. */
  private eventCommand(runId: string, event: DurableRunEvent): [string, ...Array<string | number>] {
    return ["XADD", this.key(runId, "events"), "MAXLEN", "~", MAX_STREAM_EVENTS, "*", "data", encode(event)];
  }

  /**
   * Reads the stream after entry `after` ("0" for the start), waiting up to `blockMs` for one when
   * there is none yet. Needs a connection of its own while it blocks.
   */
  static async readEvents(redis: Redis, streamKey: string, after: string, blockMs: number): Promise<Array<{ id: string; event: DurableRunEvent }>> {
    const reply = (await redis.call("XREAD", "COUNT", 500, "BLOCK", blockMs, "STREAMS", streamKey, after)) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => ({ id, event: decode<DurableRunEvent>(fields[fields.indexOf("data") + 1]!) }));
  }

  /** Saves the memory as step `stepNumber` ended, and drops that step's journal: the memory holds it now. */
  async checkpoint(runId: string, owner: string, memoryJson: string, stepNumber: number): Promise<void> {
    await this.exec(
      runId,
      [
        ["SET", this.key(runId, "memory"), memoryJson],
        ["DEL", this.key(runId, `journal:${stepNumber}`)],
        ["HSET", this.key(runId, "run"), "updatedAt", Date.now()],
      ],
      { field: "owner", values: [owner] },
    );
  }

  /** The last checkpointed memory (JSON), if any. */
  async loadCheckpoint(runId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(runId, "memory"))) ?? undefined;
  }

  /** Appends to the journal of step `stepNumber` while `owner` owns the run; resolves once Redis has it. */
  async journal(runId: string, owner: string, stepNumber: number, ...entries: JournalEntry[]): Promise<void> {
    const key = this.key(runId, `journal:${stepNumber}`);
    await this.exec(
      runId,
      [
        ["RPUSH", key, ...entries.map((entry) => encode(entry))],
        ["EXPIRE", key, this.retainSeconds],
      ],
      { field: "owner", values: [owner] },
    );
  }

  /** The journal of step `stepNumber`, in order. */
  async readJournal(runId: string, stepNumber: number): Promise<JournalEntry[]> {
    const items = await this.redis.lrange(this.key(runId, `journal:${stepNumber}`), 0, -1);
    return items.map((item) => decode<JournalEntry>(item));
  }

  /** The decision on call `callKey` ({@link callKey}), if one was given. */
  async decision(runId: string, callKey: string): Promise<ApprovalDecision | undefined> {
    const text = await this.redis.hget(this.key(runId, "approvals"), callKey);
    return text === null ? undefined : decode<ApprovalDecision>(text);
  }

  /** Marks the run as asked to stop; the worker on it looks every half second. */
  async requestCancel(runId: string): Promise<void> {
    await this.redis.hset(this.key(runId, "run"), "cancelRequested", "1");
  }
}
