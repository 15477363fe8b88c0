/**
 * What only the Pyodide executor does: its process, pool, snapshot, and recovery when Python
 * cannot be interrupted or the process dies. The shared behaviour is in the executor contract.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { PyodideExecutor } from "../src/executors/pyodide/pyodide-executor.js";
import { SANDBOX_FILES } from "../src/executors/pyodide/deno-command.js";
import { cacheDirectory } from "../src/executors/pyodide/snapshot.js";
import { image } from "../src/tools/image.js";
import { tool } from "../src/tools/tool.js";
import { processExists, waitUntilGone } from "./support/processes.js";

function sandboxPid(executor: PyodideExecutor): Promise<number> {
  // The sandbox process is private; its pid is reachable for this test only.
  const internals = executor as unknown as { sandbox: Promise<{ pid: number }> };
  return internals.sandbox.then((sandbox) => sandbox.pid);
}

afterAll(() => PyodideExecutor.drainPool());

describe("PyodideExecutor process", () => {
  test("close() ends the sandbox process", async () => {
    const executor = new PyodideExecutor();
    await executor.run("1");
    const pid = await sandboxPid(executor);
    expect(processExists(pid)).toBe(true);
    await executor.close();
    expect(processExists(pid)).toBe(false);
    await executor.close(); // twice is fine
  });

  test("a memory snapshot is made once and reused, with no partial files left", async () => {
    const executor = new PyodideExecutor({ usePool: false });
    await executor.run("1");
    await executor.close();
    const files = readdirSync(cacheDirectory());
    expect(files.some((name) => name.endsWith(".snapshot"))).toBe(true);
    expect(files.filter((name) => name.endsWith(".partial"))).toEqual([]);
  });

  test("code that ignores interrupts gets its sandbox replaced, and says state was lost", async () => {
    // A sum in native code never sees the interrupt: a short grace ends it 500 ms after its limit, not 5 s.
    const executor = new PyodideExecutor({ timeoutMs: 300, interruptGraceMs: 500 });
    try {
      await executor.run("kept = 1");
      const firstPid = await sandboxPid(executor);
      const result = await executor.run("sum(range(10**11))");
      expect(result.error?.type).toBe("TimeoutError");
      expect(result.error?.message).toMatch(/state|gone/i);
      expect(processExists(firstPid)).toBe(false);
      expect((await executor.run("kept")).error?.type).toBe("NameError");
      expect((await executor.run("2 * 21")).output).toBe(42);
    } finally {
      await executor.close();
    }
  });

  test("a sandbox that dies is replaced and the next run works", async () => {
    const executor = new PyodideExecutor({ authorizedImports: ["*"] });
    try {
      process.kill(await sandboxPidAfterStart(executor), "SIGKILL");
      const result = await executor.run("1 + 1");
      expect(result.error?.type).toBe("SandboxCrash");
      expect(result.error?.message).toMatch(/restarted/);
      expect((await executor.run("1 + 1")).output).toBe(2);
    } finally {
      await executor.close();
    }
  });

  test("a tool still running at the time limit is abandoned: its signal aborts, Python gets a timeout", async () => {
    let aborted = false;
    const slow = tool({
      name: "slow",
      description: "Takes long.",
      inputSchema: z.object({}),
      execute: (_args, { signal }) =>
        new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve("late"), 10_000);
          signal?.addEventListener("abort", () => {
            aborted = true;
            clearTimeout(timer);
            resolve("late");
          });
        }),
    });
    const executor = new PyodideExecutor({ timeoutMs: 300 });
    try {
      await executor.sendTools([slow]);
      await executor.run("before = 'kept'");
      const result = await executor.run("slow()");
      expect(result.error?.type).toBe("TimeoutError");
      expect(aborted).toBe(true);
      expect((await executor.run("before")).output).toBe("kept");
    } finally {
      await executor.close();
    }
  });

  test("tools that return non-JSON values are converted, unknown tools raise", async () => {
    const odd = tool({
      name: "odd",
      description: "Returns odd values.",
      inputSchema: z.object({}),
      execute: () => ({ big: 10n ** 20n, when: new Date(0), missing: undefined, set: new Set([1]) }),
    });
    const executor = new PyodideExecutor();
    try {
      await executor.sendTools([odd]);
      expect((await executor.run("odd()")).output).toEqual({
        big: "100000000000000000000",
        when: "1970-01-01T00:00:00.000Z",
        missing: null,
        set: [1],
      });
    } finally {
      await executor.close();
    }
  });

  test("an image from a tool is a dict with .data and .media_type that prints in short", async () => {
    const picture = tool({
      name: "picture",
      description: "Returns an image.",
      inputSchema: z.object({}),
      execute: () => image(new Uint8Array(12_345), "image/png"),
    });
    const executor = new PyodideExecutor();
    try {
      await executor.sendTools([picture]);
      const result = await executor.run("p = picture()\nprint(p, [p])\n[p.media_type, len(p.data), p['type'], isinstance(p, dict)]");
      expect(result.logs).toBe("<image image/png, 12,345 bytes> [<image image/png, 12,345 bytes>]\n");
      expect(result.output).toEqual(["image/png", 12_345, "image", true]);
      // Changed by the code into something that is not an image, it is the dict it has become.
      expect((await executor.run("p['data'] = 5\np")).output).toEqual({ type: "image", media_type: "image/png", data: 5 });
      expect((await executor.run("print(p)")).logs).toBe("{'type': 'image', 'media_type': 'image/png', 'data': 5}\n");
    } finally {
      await executor.close();
    }
  });

  test("output written without a final newline is kept", async () => {
    const executor = new PyodideExecutor({ authorizedImports: ["*"] });
    try {
      expect((await executor.run('print("ab", end="")')).logs).toBe("ab");
      expect((await executor.run('import sys\nsys.stderr.write("err-no-newline")')).logs).toBe("err-no-newline");
      expect((await executor.run('print("a", end="")\n1 / 0')).logs).toBe("a");
    } finally {
      await executor.close();
    }
  });

  test("a tool result over maxValueChars never enters the sandbox: the code gets an error naming the limit", async () => {
    const page = tool({ name: "get_page", description: "A long page.", inputSchema: z.object({}), execute: () => "x".repeat(5000) });
    const executor = new PyodideExecutor({ maxValueChars: 1000 });
    try {
      await executor.sendTools([page]);
      const result = await executor.run("try:\n    get_page()\nexcept ValueError as error:\n    caught = str(error)\ncaught");
      expect(result.error).toBeUndefined();
      expect(String(result.output)).toMatch(/get_page\(\)'s result is 5,002 characters.*maxValueChars: 1,000/);
    } finally {
      await executor.close();
    }
  });

  test("sendVariables refuses functions with a clear message", async () => {
    const executor = new PyodideExecutor();
    try {
      await expect(executor.sendVariables({ callback: () => 1 })).rejects.toThrow(/'callback' is a function/);
    } finally {
      await executor.close();
    }
  });

  test.each([
    { name: "a plain loop", code: "while True: pass", isolation: "process" },
    { name: "a loop that catches every interrupt", code: "while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass", isolation: "process" },
    { name: "a native loop that ignores interrupts", code: "sum(range(10**13))", isolation: "shared" },
  ])("a sandbox busy in $name ends itself when its host is killed (isolation $isolation)", async ({ code, isolation }) => {
    const { stdout } = await promisify(execFile)("node_modules/.bin/vite-node", ["test/fixtures/orphan-host.ts", code, isolation], {
      timeout: 60_000,
    }).catch((error: { stdout: string }) => error); // the host dies by SIGKILL, by design
    const pid = Number(stdout.trim().split("\n").pop());
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilGone(pid, 20_000)).toBe(true);
  });

  test("the sandbox files exist where the process reads them", () => {
    for (const file of [SANDBOX_FILES.main, SANDBOX_FILES.sharedMain, ...SANDBOX_FILES.modules]) expect(existsSync(file)).toBe(true);
    expect(SANDBOX_FILES.modules.map((file) => basename(file))).toEqual(
      expect.arrayContaining(["sandbox-intrinsics.mjs", "sandbox-channel.mjs", "sandbox-memory.mjs", "interrupt-worker.mjs", "runtime.py"]),
    );
  });
});

async function sandboxPidAfterStart(executor: PyodideExecutor): Promise<number> {
  await executor.run("1");
  return sandboxPid(executor);
}
