/**
 * LocalPythonExecutor beyond the shared contract: native packages from the machine's Python, the
 * process group ended with the sandbox, the memory limit, a crash reported and replaced, a missing
 * interpreter, and no process left behind by a host that dies.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";

import { afterAll, describe, expect, test } from "vitest";

import { AgentConfigurationError } from "../src/errors.js";
import { LocalPythonExecutor } from "../src/executors/local-python/local-python-executor.js";

/** Debian's python3 with python3-numpy (installed by .ci/run); the PATH's python3 otherwise. */
const PYTHON_WITH_NUMPY = ["/usr/bin/python3", "python3"].find(
  (python) => spawnSync(python, ["-c", "import numpy"], { stdio: "ignore" }).status === 0,
);

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (processExists(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !processExists(pid);
}

const executors: LocalPythonExecutor[] = [];
function make(options: ConstructorParameters<typeof LocalPythonExecutor>[0] = {}): LocalPythonExecutor {
  const executor = new LocalPythonExecutor(options);
  executors.push(executor);
  return executor;
}
afterAll(() => Promise.all(executors.map((executor) => executor.close())));

describe("LocalPythonExecutor", () => {
  test("a machine Python with numpy is here (.ci/run installs Debian's python3-numpy)", () => {
    expect(PYTHON_WITH_NUMPY).toBeDefined();
  });

  test("numpy works, and its values come back as plain numbers and lists", async () => {
    const executor = make({ python: PYTHON_WITH_NUMPY!, authorizedImports: ["numpy"] });
    const result = await executor.run("import numpy as np\na = np.arange(12).reshape(3, 4)\nprint(a.shape)\n{'sum': a.sum(), 'rows': a[:2], 'mean': a.mean()}");
    expect(result.error).toBeUndefined();
    expect(result.logs).toBe("(3, 4)\n");
    expect(result.output).toEqual({ sum: 66, rows: [[0, 1, 2, 3], [4, 5, 6, 7]], mean: 5.5 });
  });

  test("the import gate holds for what numpy did not bring in on purpose", async () => {
    const executor = make({ python: PYTHON_WITH_NUMPY!, authorizedImports: ["numpy"] });
    const result = await executor.run("import numpy\nimport subprocess");
    expect(result.error?.type).toBe("ImportError");
    expect(result.error?.message).toMatch(/Import of 'subprocess' is not allowed/);
  });

  test("the host's environment is not passed on", async () => {
    process.env["CODEAGENT_TEST_SECRET"] = "do-not-leak";
    try {
      const executor = make({ authorizedImports: ["os"] });
      const result = await executor.run("import os\nsorted(os.environ)");
      expect(result.output).not.toContain("CODEAGENT_TEST_SECRET");
      expect(result.output).toEqual(expect.arrayContaining(["PATH"]));
    } finally {
      delete process.env["CODEAGENT_TEST_SECRET"];
    }
  });

  test("code that ignores interrupts is ended with its whole process group, and the next run starts fresh", async () => {
    const executor = make({ timeoutMs: 500, authorizedImports: ["subprocess"] });
    const started = await executor.run("import subprocess\nchild = subprocess.Popen(['sleep', '300'])\nkept = 1\nchild.pid");
    const childPid = started.output as number;
    expect(processExists(childPid)).toBe(true);
    // A native loop never returns to the interpreter, where an interrupt would be raised.
    const stuck = await executor.run("sum(range(10**15))");
    expect(stuck.error?.type).toBe("TimeoutError");
    expect(stuck.error?.message).toMatch(/could not be interrupted.*everything defined in earlier runs is gone/s);
    expect(await waitUntilGone(childPid, 5_000)).toBe(true);
    const after = await executor.run("'kept' in globals()");
    expect(after).toMatchObject({ output: false });
  }, 30_000);

  test("going over the memory limit ends the process with a MemoryError, and the sandbox is replaced", async () => {
    const executor = make({ memoryLimitMb: 64 });
    await executor.run("kept = 1");
    const result = await executor.run("blocks = []\nfor _ in range(100):\n    blocks.append(b'x' * (20 * 1024 * 1024))");
    expect(result.error?.type).toBe("MemoryError");
    expect(result.error?.message).toMatch(/memoryLimitMb 64/);
    expect(await executor.run("'kept' in globals()")).toMatchObject({ output: false });
  }, 30_000);

  test("a crash of the interpreter is reported as one and the next run works", async () => {
    const executor = make({ authorizedImports: ["ctypes"] });
    const result = await executor.run("import ctypes\nctypes.string_at(0)");
    expect(result.error?.type).toBe("SandboxCrash");
    expect(result.error?.message).toMatch(/SIGSEGV/);
    expect(await executor.run("1 + 1")).toMatchObject({ output: 2 });
  });

  test("a missing interpreter is a configuration error that says what to install", async () => {
    const executor = make({ python: "/nonexistent/python3" });
    await expect(executor.run("1")).rejects.toThrow(AgentConfigurationError);
    await expect(executor.run("1")).rejects.toThrow(/Install Python 3.9 or newer/);
  });

  test.each([
    { name: "a plain loop", code: "while True: pass" },
    { name: "a native loop that never returns to the interpreter", code: "sum(range(10**15))" },
  ])("the Python process ends when its host is killed, even busy in $name", async ({ code }) => {
    const { stdout } = await promisify(execFile)("node_modules/.bin/vite-node", ["test/fixtures/local-python-orphan-host.ts", code], {
      timeout: 60_000,
    }).catch((error: { stdout: string }) => error); // the host dies by SIGKILL, by design
    const pid = Number(stdout.trim().split("\n").pop());
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilGone(pid, 20_000)).toBe(true);
  }, 90_000);
});
