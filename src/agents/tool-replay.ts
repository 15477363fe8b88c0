/**
 * Rebuilding a sandbox from a memory: the code of its action steps runs again, and each tool call
 * it makes is answered from the step's record instead of being made again, so nothing with side
 * effects runs twice and no sub-agent or paid API is called again.
 */
import type { Tool } from "../tools/tool.js";
import type { ToolCallRecord } from "./memory-steps.js";

/** The recorded calls of one step, handed out in the order the code made them. */
export class RecordedToolCalls {
  private next = 0;

  constructor(private readonly records: readonly ToolCallRecord[]) {}

  /** The recorded outcome of the next call, which must be to `tool`: its result, or its error thrown. */
  answer(tool: string): unknown {
    const record = this.records[this.next];
    if (record === undefined) {
      throw new Error(`Replaying this step called ${tool}, which its record does not hold (it made ${this.records.length} tool calls); the call was not made again.`);
    }
    if (record.name !== tool) {
      throw new Error(`Replaying this step called ${tool} where its record has ${record.name}; the call was not made again.`);
    }
    this.next++;
    if (record.error !== undefined) throw new Error(record.error);
    return record.result;
  }
}

/** `tools`, answered from `replaying()` while it returns the records of a step being replayed. */
export function replayableTools(tools: readonly Tool[], replaying: () => RecordedToolCalls | undefined): Tool[] {
  return tools.map((tool) =>
    Object.freeze({
      ...tool,
      execute: (args: Record<string, unknown>, context) => {
        const records = replaying();
        return records === undefined ? tool.execute(args, context) : records.answer(tool.name);
      },
    } satisfies Tool),
  );
}
