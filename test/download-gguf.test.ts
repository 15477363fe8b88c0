/**
 * downloadGguf against a local server shaped like Hugging Face's (test/support/gguf-file-server.ts)
 * serving a tiny GGUF model written by the test: redirects with the checksum, Range requests for a
 * download cut in the middle, a checksum that does not match, the cache used without a request.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { AgentConfigurationError } from "../src/errors.js";
import { cachedGgufPath, downloadGguf, GgufDownloadError, LlamaCppModel, parseHuggingFaceFile, type GgufDownloadProgress } from "../src/models/llama-cpp/index.js";
import { startGgufFileServer, type GgufFileServer, type GgufFileServerOptions } from "./support/gguf-file-server.js";
import { tinyGgufBytes } from "./support/gguf-writer.js";

const REPO = "tiny-org/tiny-model-GGUF";
const FILE = "tiny-f32.gguf";
let model: Buffer;
let folder: string;
let server: GgufFileServer | undefined;

beforeAll(() => {
  model = tinyGgufBytes();
  folder = mkdtempSync(join(tmpdir(), "download-gguf-"));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

let cacheCount = 0;
/** A fresh cache folder, so each test downloads anew. */
function freshCache(): string {
  return join(folder, `cache-${++cacheCount}`);
}

async function serve(options: Partial<GgufFileServerOptions> = {}): Promise<GgufFileServer> {
  server = await startGgufFileServer({ files: { [`${REPO}/${FILE}`]: model }, ...options });
  return server;
}

function cdnRequests(running: GgufFileServer) {
  return running.requests.filter((request) => request.path.startsWith("/cdn/"));
}

describe("downloadGguf", () => {
  it("downloads through the redirect into the cache, reporting progress up to the whole size", async () => {
    const running = await serve();
    const cacheDir = freshCache();
    const progress: GgufDownloadProgress[] = [];
    const path = await downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl, onProgress: (step) => progress.push(step) });
    expect(path).toBe(cachedGgufPath({ repo: REPO, file: FILE, cacheDir }));
    expect(path.startsWith(cacheDir)).toBe(true);
    expect(readFileSync(path).equals(model)).toBe(true);
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(progress.at(-1)).toEqual({ downloadedBytes: model.length, totalBytes: model.length, resumedFromBytes: 0 });
    const counts = progress.map((step) => step.downloadedBytes);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("uses a cached file without asking the server", async () => {
    const running = await serve();
    const cacheDir = freshCache();
    const first = await downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl });
    const seen = running.requests.length;
    const second = await downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl });
    expect(second).toBe(first);
    expect(running.requests.length).toBe(seen);
  });

  it("continues a download cut in the middle with a Range request, in the same call", async () => {
    const running = await serve({ dropAfterBytes: 100_000 });
    const progress: GgufDownloadProgress[] = [];
    const path = await downloadGguf({ repo: REPO, file: FILE, cacheDir: freshCache(), baseUrl: running.baseUrl, onProgress: (step) => progress.push(step) });
    expect(readFileSync(path).equals(model)).toBe(true);
    const ranges = cdnRequests(running).map((request) => request.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? "")?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(100_000);
    expect(progress.some((step) => step.resumedFromBytes === resumedFrom)).toBe(true);
  });

  it("keeps what arrived when it gives up, and a later call continues it", async () => {
    const running = await serve({ dropAfterBytes: 150_000 });
    const cacheDir = freshCache();
    const failure = downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl, resumeAttempts: 0 });
    await expect(failure).rejects.toBeInstanceOf(GgufDownloadError);
    await expect(failure).rejects.toThrow(/cut off.*run again to continue/);
    const part = `${cachedGgufPath({ repo: REPO, file: FILE, cacheDir })}.part`;
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    const path = await downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl });
    expect(readFileSync(path).equals(model)).toBe(true);
    expect(cdnRequests(running).at(-1)?.range).toBe(`bytes=${kept}-`);
  });

  it("refuses a file whose SHA-256 does not match the one announced, and keeps nothing of it", async () => {
    const running = await serve({ announcedSha256: "ab".repeat(32) });
    const cacheDir = freshCache();
    const failure = downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl });
    await expect(failure).rejects.toThrow(/corrupted: its SHA-256 is [0-9a-f]{64}, Hugging Face says (ab){32}/);
    const target = cachedGgufPath({ repo: REPO, file: FILE, cacheDir });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it("finishes a part that already holds the whole file (the server answers 416)", async () => {
    const running = await serve();
    const cacheDir = freshCache();
    const target = cachedGgufPath({ repo: REPO, file: FILE, cacheDir });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.part`, model);
    const path = await downloadGguf({ repo: REPO, file: FILE, cacheDir, baseUrl: running.baseUrl });
    expect(readFileSync(path).equals(model)).toBe(true);
  });

  it("sends the token to the endpoint but not to a CDN elsewhere, and names HF_TOKEN when refused", async () => {
    const cdn = await startGgufFileServer({ files: { [`${REPO}/${FILE}`]: model } });
    try {
      const running = await serve({ requiredToken: "secret", cdnOrigin: cdn.baseUrl });
      await expect(downloadGguf({ repo: REPO, file: FILE, cacheDir: freshCache(), baseUrl: running.baseUrl, token: "" })).rejects.toThrow(/HTTP 401.*HF_TOKEN/);
      const path = await downloadGguf({ repo: REPO, file: FILE, cacheDir: freshCache(), baseUrl: running.baseUrl, token: "secret" });
      expect(readFileSync(path).equals(model)).toBe(true);
      expect(running.requests.at(-1)?.authorization).toBe("Bearer secret");
      expect(cdn.requests).toHaveLength(1);
      expect(cdn.requests[0]?.authorization).toBeUndefined();
    } finally {
      await cdn.close();
    }
  });

  it("says which file is missing on a 404", async () => {
    const running = await serve();
    const failure = downloadGguf({ repo: REPO, file: "absent.gguf", cacheDir: freshCache(), baseUrl: running.baseUrl });
    await expect(failure).rejects.toThrow(/no file absent\.gguf in the Hugging Face repository tiny-org\/tiny-model-GGUF/);
    await expect(failure).rejects.toMatchObject({ status: 404 });
  });

  it("without a reachable server, says to download by hand and use gguf:/path, or set HF_ENDPOINT", async () => {
    const running = await serve();
    const baseUrl = running.baseUrl;
    await running.close();
    server = undefined;
    const failure = downloadGguf({ repo: REPO, file: FILE, cacheDir: freshCache(), baseUrl });
    await expect(failure).rejects.toBeInstanceOf(GgufDownloadError);
    await expect(failure).rejects.toThrow(/download tiny-f32\.gguf by hand .* gguf:\/path\/to\/file\.gguf .*HF_ENDPOINT/);
  });

  it("rejects with the abort reason and keeps the part", async () => {
    const running = await serve({ dropAfterBytes: 100_000, dropCount: 100 });
    const cacheDir = freshCache();
    const controller = new AbortController();
    const failure = downloadGguf({
      repo: REPO,
      file: FILE,
      cacheDir,
      baseUrl: running.baseUrl,
      signal: controller.signal,
      onProgress: (step) => {
        if (step.downloadedBytes > 0) controller.abort(new Error("user stopped it"));
      },
    });
    await expect(failure).rejects.toThrow("user stopped it");
    const target = cachedGgufPath({ repo: REPO, file: FILE, cacheDir });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(true);
  });

  it("refuses names that would leave the cache folder", () => {
    expect(() => cachedGgufPath({ repo: "../etc", file: FILE })).toThrow(AgentConfigurationError);
    expect(() => cachedGgufPath({ repo: REPO, file: "../../escape.gguf" })).toThrow(AgentConfigurationError);
    expect(parseHuggingFaceFile("owner/repo/sub/model.gguf")).toEqual({ repo: "owner/repo", file: "sub/model.gguf" });
    expect(() => parseHuggingFaceFile("owner/model.gguf")).toThrow(/owner\/repository\/file\.gguf/);
  });

  it("downloads a model that LlamaCppModel then loads and runs", async () => {
    const running = await serve();
    const modelPath = await downloadGguf({ repo: REPO, file: FILE, cacheDir: freshCache(), baseUrl: running.baseUrl });
    const local = new LlamaCppModel({ modelPath, contextSize: 64, threads: 1 });
    try {
      const reply = await local.generate([{ role: "user", content: "Hi" }], { temperature: 0, maxTokens: 3 });
      expect(reply.tokenUsage!.outputTokens).toBeGreaterThan(0);
      expect(local.modelId).toBe("tiny-f32");
    } finally {
      await local.close();
    }
  });
});
