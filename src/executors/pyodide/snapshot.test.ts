/**
 * The memory snapshot in the cache directory may be damaged between uses (a full disk, a killed
 * copy, another program). A bad snapshot must never break Pyodide: it is detected by the size and
 * checksum recorded when it was made, made again, and no stack trace reaches the user. Each step
 * loads the modules afresh, as a new process would, against a temporary cache directory.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test, vi } from "vitest";

import type { PyodideExecutor as Executor } from "./pyodide-executor.js";

let cacheDirectory = "";
const previousCacheDirectory = process.env["CODEAGENT_CACHE_DIR"];

beforeAll(() => {
  cacheDirectory = mkdtempSync(join(tmpdir(), "codeagent-snapshot-"));
  process.env["CODEAGENT_CACHE_DIR"] = cacheDirectory;
});

afterAll(() => {
  if (previousCacheDirectory === undefined) delete process.env["CODEAGENT_CACHE_DIR"];
  else process.env["CODEAGENT_CACHE_DIR"] = previousCacheDirectory;
  rmSync(cacheDirectory, { recursive: true, force: true });
});

/** The executor class from a fresh copy of the modules (nothing verified or cached yet). */
async function freshExecutorClass(): Promise<typeof Executor> {
  vi.resetModules();
  return (await import("./pyodide-executor.js")).PyodideExecutor;
}

async function runOnce(PyodideExecutor: typeof Executor): Promise<unknown> {
  const executor = new PyodideExecutor({ usePool: false, timeoutMs: 30_000 });
  try {
    const result = await executor.run("6 * 7");
    expect(result.error, JSON.stringify(result.error)).toBeUndefined();
    return result.output;
  } finally {
    await executor.close();
  }
}

function snapshotFile(): string {
  const name = readdirSync(cacheDirectory).find((file) => file.endsWith(".snapshot"));
  expect(name).toBeDefined();
  return join(cacheDirectory, name!);
}

/** The snapshot on disk has the size and checksum recorded beside it. */
function expectIntact(path: string): void {
  const bytes = readFileSync(path);
  const record = JSON.parse(readFileSync(`${path}.json`, "utf8")) as { size: number; sha256: string };
  expect(bytes.length).toBe(record.size);
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(record.sha256);
  expect(readdirSync(cacheDirectory).filter((file) => file.endsWith(".partial"))).toEqual([]);
}

test("a snapshot is made with its size and checksum recorded", async () => {
  expect(await runOnce(await freshExecutorClass())).toBe(42);
  expectIntact(snapshotFile());
});

test.each([
  ["truncated to half", (path: string) => truncateSync(path, Math.floor(readFileSync(path).length / 2))],
  ["truncated to nothing", (path: string) => truncateSync(path, 0)],
  [
    "corrupted in the middle, same size",
    (path: string) => {
      const bytes = readFileSync(path);
      const middle = Math.floor(bytes.length / 3);
      bytes.fill(0xa5, middle, middle + 4096);
      writeFileSync(path, bytes);
    },
  ],
  ["left without its record", (path: string) => rmSync(`${path}.json`)],
])("a snapshot %s is detected at the next start and made again", async (_label, damage) => {
  const path = snapshotFile();
  damage(path);
  expect(await runOnce(await freshExecutorClass())).toBe(42);
  expectIntact(snapshotFile());
});

test("a snapshot damaged after this process checked it is made again when a start fails", async () => {
  const PyodideExecutor = await freshExecutorClass();
  expect(await runOnce(PyodideExecutor)).toBe(42);
  const path = snapshotFile();
  truncateSync(path, 1024);
  expect(await runOnce(PyodideExecutor)).toBe(42);
  expectIntact(snapshotFile());
});
