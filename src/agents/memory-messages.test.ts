import { describe, expect, test } from "vitest";

import { messageText, type ChatMessage, type ImagePart } from "../models/model.js";
import { memoryToMessages } from "./memory-messages.js";
import type { ActionStep, MemoryStep } from "./memory-steps.js";

const picture = (number: number): ImagePart => ({ type: "image", image: `data:image/png;base64,${"A".repeat(40)}${number}==`, mediaType: "image/png" });

function action(stepNumber: number, images: ImagePart[] = []): ActionStep {
  return {
    type: "action",
    stepNumber,
    modelOutput: `<code>\nstep_${stepNumber}()\n</code>`,
    codeAction: `step_${stepNumber}()`,
    observations: images.length > 0 ? `Images from this step, attached below:\n[image 1: image/png, 32 bytes]` : "ok",
    ...(images.length > 0 ? { observationImages: images } : {}),
    toolCalls: [],
    timing: { startedAt: 0, durationMs: 0 },
  };
}

const imagesOf = (messages: ChatMessage[]) => messages.flatMap((message) => (typeof message.content === "string" ? [] : message.content.filter((part) => part.type === "image")));

describe("images in memory messages", () => {
  const steps: MemoryStep[] = [{ type: "task", task: "Draw." }, action(1, [picture(1)]), action(2, [picture(2)]), action(3, [picture(3)])];

  test("each step's images go with its observation, after the text", () => {
    const messages = memoryToMessages("system", steps);
    expect(imagesOf(messages)).toEqual([picture(1), picture(2), picture(3)]);
    const observation = messages[3]!;
    expect(observation.role).toBe("user");
    expect(observation.content).toEqual([{ type: "text", text: expect.stringContaining("[image 1: image/png, 32 bytes]") }, picture(1)]);
  });

  test("past the context budget, older images are dropped first, the last step's are kept", () => {
    const withoutBudget = memoryToMessages("system", steps);
    const messages = memoryToMessages("system", steps, { contextBudget: 2_000 });
    expect(imagesOf(messages)).toEqual([picture(3)]);
    // Only the images went: every text is still there, whole.
    expect(messages.map((message) => messageText(message.content))).toEqual(withoutBudget.map((message) => messageText(message.content)));
    expect(imagesOf(memoryToMessages("system", steps, { contextBudget: 3_000 }))).toEqual([picture(2), picture(3)]);
  });
});
