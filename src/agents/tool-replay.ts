/**
 * Rebuilding a sandbox from a memory: the code of its action steps runs again, and each tool call
 * it makes is answered from the step's record instead of being made again, so nothing with side
 * effects runs twice and no sub-agent or paid API is called again.
 */
import type { ImagePart } from "../models/model.js";
import type { Tool } from "../tools/tool.js";
import type { ActionStep, ToolCallRecord } from "./memory-steps.js";
import { imageLabel } from "./observation-images.js";

/** A label a step's record holds in place of an image: `[image 2: image/png, 12 KB]`. */
const IMAGE_LABEL = /^\[image (\d+): [^\]]*\]$/;
const MAX_DEPTH = 64;

/** The recorded calls of one step, handed out in the order the code made them. */
export class RecordedToolCalls {
  private next = 0;
  private readonly records: readonly ToolCallRecord[];
  private readonly images: readonly ImagePart[];

  constructor(step: Pick<ActionStep, "toolCalls" | "observationImages">) {
    this.records = step.toolCalls;
    this.images = step.observationImages ?? [];
  }

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
    return this.withImages(record.result, 0);
  }

  /** `value` with the labels memory keeps in place of the step's images turned back into the images. */
  private withImages(value: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) return value;
    if (typeof value === "string") {
      const number = Number(IMAGE_LABEL.exec(value)?.[1] ?? 0);
      const image = this.images[number - 1];
      return image !== undefined && imageLabel(image, number) === value ? image : value;
    }
    if (Array.isArray(value)) return value.map((item: unknown) => this.withImages(item, depth + 1));
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.withImages(item, depth + 1)]));
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
