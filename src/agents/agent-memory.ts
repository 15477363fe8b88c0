import { AgentError } from "../errors.js";
import { fromWire, isImagePart, wireForm } from "../executors/wire-values.js";
import type { MemoryStep } from "./memory-steps.js";

/** Options of {@link AgentMemory.replay}. */
export interface ReplayOptions {
  /** Where the text goes. Default: standard output. */
  write?: (text: string) => void;
  /** Default: when standard output is a terminal and NO_COLOR is not set. */
  color?: boolean;
  /** Also show raw replies and tool results. */
  verbose?: boolean;
}

/** The JSON form of a memory, as `toJSON()` writes it and `AgentMemory.fromJSON` reads it. */
export interface SerializedMemory {
  version: 1;
  systemPrompt: string;
  steps: MemoryStep[];
}

const STEP_TYPES = new Set(["task", "planning", "action", "final-answer"]);

/**
 * What an agent remembers: the system prompt and the steps of its runs, as plain data.
 * `JSON.stringify(memory)` saves it; `AgentMemory.fromJSON` loads it again.
 */
export class AgentMemory {
  systemPrompt = "";
  readonly steps: MemoryStep[] = [];

  /** Forgets every step. */
  reset(): void {
    this.steps.length = 0;
  }

  /** Prints the stored run as the CLI showed it live. */
  async replay(options: ReplayOptions = {}): Promise<void> {
    // Loaded on use: the renderer and its highlighter are heavy, and most programs never replay.
    const { createTerminalRenderer, replayEvents, shouldUseColor } = await import("../render/index.js");
    const renderer = createTerminalRenderer({
      write: options.write ?? ((text) => void process.stdout.write(text)),
      color: options.color ?? shouldUseColor(process.stdout, process.env),
      verbose: options.verbose ?? false,
    });
    for (const event of replayEvents(this.steps)) renderer.render(event);
    renderer.close();
  }

  /** Bytes and images with bytes are written in their tagged wire form (`wire-values.ts`), and read back by `fromJSON`. */
  toJSON(): SerializedMemory {
    const steps = JSON.parse(JSON.stringify(this.steps, binaryReplacer)) as MemoryStep[];
    return { version: 1, systemPrompt: this.systemPrompt, steps };
  }

  /** Loads a memory saved with `JSON.stringify(memory)` (the string or the parsed object). */
  static fromJSON(json: string | SerializedMemory): AgentMemory {
    const data = (typeof json === "string" ? JSON.parse(json) : json) as Partial<SerializedMemory>;
    if (data.version !== 1 || !Array.isArray(data.steps) || typeof data.systemPrompt !== "string") {
      throw new AgentError("This is not a saved agent memory (expected { version: 1, systemPrompt, steps }).");
    }
    for (const step of data.steps) {
      if (!STEP_TYPES.has((step as { type?: string })?.type ?? "")) {
        throw new AgentError(`A saved memory step has an unknown type: ${JSON.stringify((step as { type?: unknown })?.type)}.`);
      }
    }
    let steps: MemoryStep[];
    try {
      steps = fromWire(data.steps) as MemoryStep[];
    } catch (error) {
      throw new AgentError(`A saved memory holds bytes or an image that cannot be read: ${(error as Error).message}.`);
    }
    const memory = new AgentMemory();
    memory.systemPrompt = data.systemPrompt;
    memory.steps.push(...steps);
    return memory;
  }
}

/** Bytes and images with bytes in their wire form; `data:` and `https:` images are JSON already. */
function binaryReplacer(this: Record<string, unknown>, key: string, item: unknown): unknown {
  const original = this[key];
  const binary = original instanceof Uint8Array || original instanceof ArrayBuffer || (isImagePart(original) && original.image instanceof Uint8Array);
  return binary ? wireForm(original) : item;
}
