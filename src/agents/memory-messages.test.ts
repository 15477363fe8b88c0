import { describe, expect, test } from "vitest";

import { messageText, type ChatMessage, type ImagePart } from "../models/model.js";
import { defaultContextBudget, memoryToMessages } from "./memory-messages.js";
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
    // Images go in groups (see below): one image too many takes the older steps' images with it.
    expect(imagesOf(memoryToMessages("system", steps, { contextBudget: 3_000 }))).toEqual([picture(3)]);
  });
});

describe("the context budget", () => {
  const noisy = (stepNumber: number): ActionStep => ({ ...action(stepNumber), observations: `${stepNumber}: ${"data ".repeat(400)}` });

  test("condensed steps change in groups, so most steps only append to the previous request", () => {
    const steps: MemoryStep[] = [{ type: "task", task: "Crunch the numbers." }];
    const requests: string[][] = [];
    for (let stepNumber = 1; stepNumber <= 40; stepNumber++) {
      steps.push(noisy(stepNumber));
      requests.push(memoryToMessages("system prompt with tool stubs", steps, { contextBudget: 6_000 }).map((message) => messageText(message.content)));
    }
    const rewrites = requests.slice(1).filter((request, index) => request.slice(0, requests[index]!.length).join("\u0000") !== requests[index]!.join("\u0000"));
    const condensing = requests.filter((request) => request.some((text) => text.startsWith("Summary of earlier steps:") || text.length < 600)).length;
    expect(condensing).toBeGreaterThan(20);
    // Without groups every condensing step would rewrite the request; with them about one in four does.
    expect(rewrites.length).toBeLessThanOrEqual(Math.ceil(condensing / 3));
    // The stable prefix, the system prompt and the task, is the same in every request.
    for (const request of requests) expect(request.slice(0, 2)).toEqual(["system prompt with tool stubs", requests[0]![1]]);
    for (const request of requests) expect(request.join("").length / 4).toBeLessThan(6_000);
  });

  test("the default budget is the context window less room for the reply, with a margin; none without a window", () => {
    expect(defaultContextBudget(128_000, undefined)).toBe(Math.floor((128_000 - 8_192) * 0.9));
    expect(defaultContextBudget(8_192, 1_000)).toBe(Math.floor((8_192 - 1_000) * 0.9));
    expect(defaultContextBudget(4_096, undefined)).toBe(Math.floor((4_096 - 1_024) * 0.9));
    expect(defaultContextBudget(undefined, undefined)).toBeUndefined();
  });
});
