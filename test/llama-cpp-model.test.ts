/**
 * LlamaCppModel on the real node-llama-cpp path: a tiny random-weight llama model written by the
 * test (test/support/gguf-writer.ts) is loaded once, on the CPU, and generates a few tokens per
 * call. What it writes is noise, but the noise is deterministic at temperature 0, which is what
 * the stop-sequence and streaming checks rely on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AgentConfigurationError, MissingPackageError, ModelCallError } from "../src/errors.js";
import type { ChatMessage, ChatMessageStreamDelta, GenerateOptions, ModelToolSpec } from "../src/models/model.js";
import { LlamaCppModel } from "../src/models/llama-cpp/index.js";
import { importNodeLlamaCpp } from "../src/models/llama-cpp/load-node-llama-cpp.js";
import { writeTinyGguf } from "./support/gguf-writer.js";

const CONTEXT_SIZE = 1024;
const prompt: ChatMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say something." },
];

let folder: string;
let model: LlamaCppModel;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "llama-cpp-model-"));
  const modelPath = join(folder, "tiny.gguf");
  writeTinyGguf(modelPath, { contextLength: 2048 });
  model = new LlamaCppModel({ modelPath, contextSize: CONTEXT_SIZE, threads: 1 });
  await model.load();
});

afterAll(async () => {
  await model?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<ChatMessageStreamDelta>): Promise<ChatMessageStreamDelta[]> {
  const deltas: ChatMessageStreamDelta[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

const greedy: GenerateOptions = { temperature: 0, maxTokens: 16 };

describe("LlamaCppModel", () => {
  it("generates text from the GGUF file, with the file's name as modelId and the context size as contextWindow", async () => {
    const reply = await model.generate(prompt, greedy);
    expect(reply.role).toBe("assistant");
    expect(typeof reply.content).toBe("string");
    expect((reply.content as string).length).toBeGreaterThan(0);
    expect(model.modelId).toBe("tiny");
    expect(model.contextWindow).toBe(CONTEXT_SIZE);
  });

  it("counts usage with the model's tokenizer: a longer prompt is more input tokens, output within maxTokens", async () => {
    const short = await model.generate(prompt, { temperature: 0, maxTokens: 5 });
    const long = await model.generate([...prompt, { role: "user", content: "And something more, please, at some length." }], { temperature: 0, maxTokens: 5 });
    expect(short.tokenUsage?.estimated).toBeUndefined();
    expect(short.tokenUsage!.inputTokens).toBeGreaterThan(10);
    // One token per character of the extra text, and a few for the template's markers.
    expect(long.tokenUsage!.inputTokens - short.tokenUsage!.inputTokens).toBeGreaterThan(40);
    expect(short.tokenUsage!.outputTokens).toBeGreaterThan(0);
    expect(short.tokenUsage!.outputTokens).toBeLessThanOrEqual(5);
  });

  it("honours maxTokens: the tiny vocabulary writes one character a token", async () => {
    const three = await model.generate(prompt, { temperature: 0, maxTokens: 3 });
    const twelve = await model.generate(prompt, { temperature: 0, maxTokens: 12 });
    expect(three.tokenUsage!.outputTokens).toBeLessThanOrEqual(3);
    expect((three.content as string).length).toBeLessThanOrEqual(3);
    expect((twelve.content as string).length).toBeGreaterThan((three.content as string).length);
    expect(twelve.content as string).toMatch(new RegExp(`^${escapeRegExp(three.content as string)}`));
  });

  it("streams deltas that concatenate to the generated text, with the usage last", async () => {
    const generated = await model.generate(prompt, greedy);
    const deltas = await collect(model.generateStream(prompt, greedy));
    const text = deltas.map((delta) => delta.content ?? "").join("");
    expect(text).toBe(generated.content);
    expect(deltas.filter((delta) => delta.content !== undefined).length).toBeGreaterThan(1);
    expect(deltas.at(-1)?.tokenUsage).toEqual(generated.tokenUsage);
  });

  it("stops before a stop sequence, in generate and in the stream", async () => {
    const full = (await model.generate(prompt, greedy)).content as string;
    expect(full.length).toBeGreaterThan(6);
    const stop = full.slice(4, 6);
    const expected = full.slice(0, full.indexOf(stop));
    const cut = await model.generate(prompt, { ...greedy, stopSequences: [stop] });
    expect(cut.content).toBe(expected);
    expect(cut.tokenUsage!.outputTokens).toBeLessThan(16);
    const streamed = await collect(model.generateStream(prompt, { ...greedy, stopSequences: [stop] }));
    expect(streamed.map((delta) => delta.content ?? "").join("")).toBe(expected);
    expect(streamed.at(-1)?.tokenUsage?.outputTokens).toBeGreaterThan(0);
  });

  it("writes JSON matching a JSON schema, enforced by a grammar", async () => {
    // Numbers are left out: llama.cpp's JSON grammar lets an integer carry an exponent, which noise
    // fills with digits enough to overflow to Infinity.
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, colour: { enum: ["red", "green"] }, name: { type: "string", maxLength: 8 }, tags: { type: "array", items: { enum: ["a", "b"] }, maxItems: 3 } },
      required: ["ok", "colour", "name", "tags"],
      additionalProperties: false,
    };
    const reply = await model.generate(prompt, { temperature: 0, maxTokens: 80, responseFormat: { type: "json_schema", name: "answer", schema } });
    const parsed = JSON.parse(reply.content as string) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["colour", "name", "ok", "tags"]);
    expect(typeof parsed.ok).toBe("boolean");
    expect(["red", "green"]).toContain(parsed.colour);
    expect(typeof parsed.name).toBe("string");
    expect((parsed.name as string).length).toBeLessThanOrEqual(8);
    expect(Array.isArray(parsed.tags)).toBe(true);
    for (const tag of parsed.tags as unknown[]) expect(["a", "b"]).toContain(tag);
  });

  it("writes a JSON object for json_object", async () => {
    const reply = await model.generate(prompt, { temperature: 0, maxTokens: 200, responseFormat: { type: "json_object" } });
    expect(() => JSON.parse(reply.content as string) as unknown).not.toThrow();
  });

  it("rejects with the abort reason: before the call, and during a long generation", async () => {
    const before = new AbortController();
    before.abort(new Error("stopped before"));
    await expect(model.generate(prompt, { ...greedy, signal: before.signal })).rejects.toThrow("stopped before");

    const during = new AbortController();
    const deltas: string[] = [];
    const stream = model.generateStream(prompt, { temperature: 0, maxTokens: 200, signal: during.signal });
    const consume = (async () => {
      for await (const delta of stream) {
        if (delta.content) deltas.push(delta.content);
        if (deltas.length === 3) during.abort(new Error("stopped during"));
      }
    })();
    await expect(consume).rejects.toThrow("stopped during");
    expect(deltas.join("").length).toBeLessThan(200);
    // The model is free again afterwards.
    expect((await model.generate(prompt, { temperature: 0, maxTokens: 2 })).tokenUsage!.outputTokens).toBeGreaterThan(0);
  });

  it("runs calls one at a time: concurrent calls give what they give alone", async () => {
    const alone = await model.generate(prompt, greedy);
    const together = await Promise.all([model.generate(prompt, greedy), model.generate(prompt, greedy), model.generate(prompt, greedy)]);
    for (const reply of together) expect(reply.content).toBe(alone.content);
  });

  it("refuses a conversation longer than the context, naming contextSize", async () => {
    const failure = model.generate([{ role: "user", content: "word ".repeat(CONTEXT_SIZE) }], greedy);
    await expect(failure).rejects.toBeInstanceOf(ModelCallError);
    await expect(failure).rejects.toMatchObject({ option: "contextSize" });
    await expect(failure).rejects.toThrow(new RegExp(`no room for a reply in tiny's context of ${CONTEXT_SIZE} tokens. Give LlamaCppModel a larger contextSize`));
  });

  const tools: ModelToolSpec[] = [
    { name: "search", description: "Searches the web.", parameters: { type: "object", properties: { query: { type: "string", maxLength: 12 } }, required: ["query"], additionalProperties: false } },
    { name: "final_answer", description: "Gives the answer.", parameters: { type: "object", properties: { answer: { enum: ["yes", "no"] } }, required: ["answer"], additionalProperties: false } },
  ];

  it("makes a tool call that matches one tool's parameters when one is required, enforced by a grammar", async () => {
    const reply = await model.generate(prompt, { temperature: 0, maxTokens: 80, tools, toolChoice: "required", stopSequences: ["Observation:"] });
    expect(reply.content).toBe("");
    expect(reply.toolCalls).toHaveLength(1);
    const call = reply.toolCalls![0]!;
    expect(call.id).toMatch(/^call_\d+$/);
    if (call.name === "search") {
      expect(Object.keys(call.arguments as object)).toEqual(["query"]);
      expect(((call.arguments as { query: string }).query).length).toBeLessThanOrEqual(12);
    } else {
      expect(call.name).toBe("final_answer");
      expect(["yes", "no"]).toContain((call.arguments as { answer: string }).answer);
    }
    const deltas = await collect(model.generateStream(prompt, { temperature: 0, maxTokens: 80, tools, toolChoice: "required" }));
    const streamed = deltas.find((delta) => delta.toolCalls)?.toolCalls?.[0];
    expect(streamed?.name).toBe(call.name);
    expect(JSON.parse(streamed?.argumentsDelta ?? "")).toEqual(call.arguments);
    expect(deltas.at(-1)?.tokenUsage?.outputTokens).toBeGreaterThan(0);
  });

  it("refuses tools the model may or may not call, with a message that says what to do", async () => {
    const failure = model.generate(prompt, { ...greedy, tools, toolChoice: "auto" });
    await expect(failure).rejects.toBeInstanceOf(AgentConfigurationError);
    await expect(failure).rejects.toThrow(/toolChoice: "required".*nativeToolCalling: false/);
    const none = await model.generate(prompt, { ...greedy, tools, toolChoice: "none" });
    expect(none.toolCalls).toBeUndefined();
  });

  it("says clearly when the model file is missing", async () => {
    const missing = new LlamaCppModel({ modelPath: join(folder, "absent.gguf") });
    const failure = missing.generate(prompt, greedy);
    await expect(failure).rejects.toBeInstanceOf(AgentConfigurationError);
    await expect(failure).rejects.toThrow(/no model file at .*absent\.gguf.*downloadGguf/);
  });

  it("says clearly when the file is not a model", async () => {
    const { writeFileSync } = await import("node:fs");
    const junk = join(folder, "junk.gguf");
    writeFileSync(junk, "not a model");
    await expect(new LlamaCppModel({ modelPath: junk }).load()).rejects.toThrow(/could not load the model file .*junk\.gguf/);
  });

  it("names the package to install when node-llama-cpp is missing", async () => {
    await expect(importNodeLlamaCpp("node-llama-cpp-not-installed")).rejects.toBeInstanceOf(MissingPackageError);
    await expect(importNodeLlamaCpp("node-llama-cpp-not-installed")).rejects.toThrow("npm install node-llama-cpp");
  });

  it("refuses calls once closed", async () => {
    const other = new LlamaCppModel({ modelPath: join(folder, "tiny.gguf"), contextSize: 64, threads: 1 });
    expect((await other.generate(prompt, { temperature: 0, maxTokens: 2 })).role).toBe("assistant");
    await other.close();
    await expect(other.generate(prompt, greedy)).rejects.toThrow(/was closed/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
