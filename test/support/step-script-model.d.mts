import type { ChatMessage, GenerateOptions, Model } from "../../src/models/model.js";

export declare class StepScriptModel implements Model {
  readonly modelId: string;
  calls: number;
  constructor(script: (task: string, replyIndex: number) => string, options?: { delayMs?: number; fail?: (task: string) => boolean });
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage>;
}
