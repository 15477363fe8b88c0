/**
 * `gguf:` model strings through `modelFromString`: a local file, and `gguf:hf:` downloaded once
 * from a local server speaking Hugging Face's file protocol, then run for real by llama.cpp.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test, vi } from "vitest";

import { LazyModel } from "../src/models/lazy-model.js";
import { messageText, type Model } from "../src/models/model.js";
import { modelFromString } from "../src/models/model-string.js";
import { startGgufFileServer } from "./support/gguf-file-server.js";
import { tinyGgufBytes, writeTinyGguf } from "./support/gguf-writer.js";

let folder: string;
const opened: Model[] = [];
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "model-string-gguf-"));
});
afterAll(async () => {
  for (const model of opened) await ((await (model as LazyModel).resolve()) as unknown as { close(): Promise<void> }).close();
  rmSync(folder, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

test("gguf:/path runs the file in this process, made on the first call", async () => {
  const path = join(folder, "tiny.gguf");
  writeTinyGguf(path, { contextLength: 1024 });
  const model = modelFromString(`gguf:${path}`, { contextWindow: 512 });
  opened.push(model);
  expect(model).toBeInstanceOf(LazyModel);
  expect(model.contextWindow).toBe(512);
  const reply = await model.generate([{ role: "user", content: "Hi" }], { maxTokens: 3, temperature: 0 });
  expect(typeof messageText(reply.content)).toBe("string");
  expect(reply.tokenUsage?.inputTokens).toBeGreaterThan(0);
  expect(reply.tokenUsage?.estimated).toBeUndefined();
}, 60_000);

test("gguf:hf: downloads the file once into the cache, with progress, then runs it", async () => {
  const server = await startGgufFileServer({ files: { "tester/tiny-GGUF/tiny.gguf": tinyGgufBytes({ contextLength: 1024 }) } });
  try {
    vi.stubEnv("XDG_CACHE_HOME", join(folder, "cache"));
    const progress: number[] = [];
    const spec = "gguf:hf:tester/tiny-GGUF/tiny.gguf";
    const model = modelFromString(spec, { env: { HF_ENDPOINT: server.baseUrl }, contextWindow: 512, onDownloadProgress: (step) => progress.push(step.downloadedBytes) });
    opened.push(model);
    await model.generate([{ role: "user", content: "Hi" }], { maxTokens: 2, temperature: 0 });
    expect(progress.length).toBeGreaterThan(0);
    const fileRequests = server.requests.length;
    const again = modelFromString(spec, { env: { HF_ENDPOINT: server.baseUrl }, contextWindow: 512 });
    opened.push(again);
    await again.generate([{ role: "user", content: "Hi" }], { maxTokens: 2, temperature: 0 });
    expect(server.requests.length).toBe(fileRequests); // the cached file, no new request
  } finally {
    await server.close();
  }
}, 60_000);
