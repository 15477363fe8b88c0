/**
 * LocalPythonExecutor beyond the shared contract: native packages from the machine's Python, the
 * process group ended with the sandbox, the memory limit, a crash reported and replaced, a missing
 * interpreter, and no process left behind by a host that dies.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";

import { afterAll, describe, expect, test } from "vitest";

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

import { AgentConfigurationError, SandboxClosedError } from "../src/errors.js";
import { ChannelExecutor } from "../src/executors/channel/channel-executor.js";
import { ChildProcessChannel } from "../src/executors/channel/child-process-channel.js";
import { pythonRuntimeArgv, pythonRuntimeHello } from "../src/executors/cpython/python-command.js";
import { LocalPythonExecutor } from "../src/executors/local-python/local-python-executor.js";
import { tool } from "../src/tools/tool.js";
import { processExists, waitUntilGone } from "./support/processes.js";

/** Debian's python3 with python3-numpy (installed by .ci/run); the PATH's python3 otherwise. */
const PYTHON_WITH_NUMPY = ["/usr/bin/python3", "python3"].find(
  (python) => spawnSync(python, ["-c", "import numpy"], { stdio: "ignore" }).status === 0,
);

/** The CPython runtimes this test process started and that still run. */
function runtimeProcesses(): number[] {
  const listing = spawnSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" }).stdout;
  return listing
    .split("\n")
    .filter((line) => line.includes("-I -u -c import sys,json"))
    .map((line) => Number(line.trim().split(/\s+/, 1)[0]));
}

const executors: LocalPythonExecutor[] = [];
function make(options: ConstructorParameters<typeof LocalPythonExecutor>[0] = {}): LocalPythonExecutor {
  const executor = new LocalPythonExecutor(options);
  executors.push(executor);
  return executor;
}
afterAll(async () => {
  await Promise.all(executors.map((executor) => executor.close()));
  await LocalPythonExecutor.drainPool();
});

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
    const executor = make({ timeoutMs: 500, interruptGraceMs: 500, authorizedImports: ["subprocess"] });
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

  test("a new executor takes a ready interpreter from the pool; each one serves a single executor", async () => {
    await LocalPythonExecutor.drainPool();
    const before = runtimeProcesses();
    await LocalPythonExecutor.prewarm(1, { memoryLimitMb: 96 });
    const spares = runtimeProcesses().filter((pid) => !before.includes(pid));
    expect(spares).toHaveLength(1);
    const first = make({ authorizedImports: ["os"], memoryLimitMb: 96 });
    const firstPid = (await first.run("import os\nos.getpid()")).output as number;
    // The executor got the interpreter that was already running, not a new one.
    expect(firstPid).toBe(spares[0]);
    const second = make({ authorizedImports: ["os"], memoryLimitMb: 96 });
    const secondPid = (await second.run("import os\nos.getpid()")).output as number;
    expect(secondPid).not.toBe(firstPid);
    await first.reset();
    expect((await first.run("import os\nos.getpid()")).output).not.toBe(firstPid);
  });

  test("a missing interpreter is a configuration error that says what to install", async () => {
    const executor = make({ python: "/nonexistent/python3" });
    await expect(executor.run("1")).rejects.toThrow(AgentConfigurationError);
    await expect(executor.run("1")).rejects.toThrow(/Install Python 3.9 or newer/);
  });

  test("output and errors are measured in code points, as Python counts: an emoji is one character", async () => {
    const executor = make();
    await executor.run("kept = 1");
    const printed = await executor.run("print('\\U0001F600' * 30000)\nkept");
    expect(printed).toMatchObject({ output: 1 });
    expect([...printed.logs].length).toBe(30001);
    const raised = await executor.run("raise ValueError('\\U0001F600' * 15000)");
    expect(raised.error?.type).toBe("ValueError");
    const named = await executor.run("raise type('E' * 30000, (Exception,), {})('boom')");
    expect(named.error?.type).toMatch(/^E{200}\.\.\.$/);
    // A value whose JSON the host writes longer than Python does (1e+20 as 21 digits) is not tampering.
    const floats = await executor.run("[1e20] * 60000");
    expect((floats.output as number[]).length).toBe(60000);
    expect(await executor.run("kept")).toMatchObject({ output: 1 });
  });

  test("what a thread left running prints between runs is not taken for the next run's logs", async () => {
    const executor = make({ authorizedImports: ["threading", "time"] });
    await executor.run("import threading, time\ndef chatter():\n    time.sleep(0.3)\n    print('late')\nthreading.Thread(target=chatter).start()\nprint('now')");
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await executor.run("print('next')")).toMatchObject({ logs: "next\n" });
  });

  test("tool calls from several threads at once are answered", async () => {
    const calls: string[] = [];
    const executor = make({ authorizedImports: ["concurrent.futures"] });
    await executor.sendTools([
      tool({ name: "record", description: "Records.", inputSchema: z.object({ what: z.string() }), execute: async ({ what }) => (calls.push(what), what.toUpperCase()) }),
    ]);
    const result = await executor.run("from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor(4) as pool:\n    out = list(pool.map(lambda i: record(what=f'w{i}'), range(8)))\nout");
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual(["W0", "W1", "W2", "W3", "W4", "W5", "W6", "W7"]);
    expect(calls.sort()).toEqual(["w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"]);
  });

  test("memory taken by a process the code started counts against the limit", async () => {
    const executor = make({ memoryLimitMb: 64, authorizedImports: ["subprocess", "sys"] });
    const result = await executor.run(
      "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'x = bytearray(700 * 1024 * 1024)\\nfor i in range(0, len(x), 4096): x[i] = 1\\nimport time; time.sleep(5)'])",
    );
    expect(result.error?.type).toBe("MemoryError");
  }, 30_000);

  test("memory a thread takes while the sandbox is idle is caught too", async () => {
    const executor = make({ memoryLimitMb: 64, authorizedImports: ["threading", "time"] });
    await executor.run("import threading, time\ndef grow():\n    time.sleep(0.2)\n    global hold\n    hold = [bytearray(50 * 1024 * 1024) for _ in range(12)]\n    [b.__setitem__(slice(None, None, 4096), b'x' * (len(b) // 4096)) for b in hold]\nthreading.Thread(target=grow).start()");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const next = await executor.run("1");
    expect(next.error?.type).toBe("MemoryError");
    expect(await executor.run("2")).toMatchObject({ output: 2 });
  }, 30_000);

  test("a start that failed is tried again: sendTools, then a run, work once Python does", async () => {
    const folder = mkdtempSync(join(tmpdir(), "codeagent-flaky-"));
    const flaky = join(folder, "python3");
    // Fails the first two starts (the version probe passes), then runs the real python3.
    writeFileSync(flaky, `#!/bin/sh\ncase "$*" in *version_info*) exec python3 "$@";; esac\nn=$(cat ${folder}/n 2>/dev/null || echo 0); echo $((n+1)) > ${folder}/n\n[ "$n" -lt 2 ] && exit 3\nexec python3 "$@"\n`, { mode: 0o755 });
    try {
      const executor = make({ python: flaky, usePool: false });
      await expect(executor.sendTools([])).rejects.toThrow();
      await expect(executor.sendTools([])).rejects.toThrow();
      await executor.sendTools([]);
      expect(await executor.run("6 * 7")).toMatchObject({ output: 42 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("files the code wrote are gone after reset(); time.sleep takes a Fraction", async () => {
    const executor = make({ authorizedImports: ["pathlib", "time", "fractions"] });
    await executor.run("import pathlib\npathlib.Path('note.txt').write_text('hi')");
    expect(await executor.run("pathlib.Path('note.txt').exists()")).toMatchObject({ output: true });
    await executor.reset();
    expect(await executor.run("import pathlib\npathlib.Path('note.txt').exists()")).toMatchObject({ output: false });
    expect(await executor.run("import time\nfrom fractions import Fraction\ntime.sleep(Fraction(1, 100))\n'slept'")).toMatchObject({ output: "slept" });
  });

  test("close() during a run: the run rejects as closed; a time limit past what a timer holds is refused", async () => {
    const executor = make({ authorizedImports: ["time"] });
    const running = executor.run("import time\ntime.sleep(10)");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await executor.close();
    await expect(running).rejects.toThrow(SandboxClosedError);
    expect(() => new LocalPythonExecutor({ timeoutMs: 2 ** 31 })).toThrow(/at most 2,147,483,647/);
  });

  test("over a channel whose interrupt is a signal, a time limit is still a TimeoutError that keeps state", async () => {
    const executor = new ChannelExecutor({
      language: "python",
      timeoutMs: 300,
      launcher: {
        launch: () => {
          const [command, ...args] = pythonRuntimeArgv();
          return Promise.resolve(new ChildProcessChannel({ command: command!, args, env: { PATH: process.env["PATH"]! }, interruptSignal: "SIGINT", label: "The Python process" }));
        },
        hello: pythonRuntimeHello,
      },
    });
    try {
      await executor.run("kept = 1");
      const stopped = await executor.run("while True: pass");
      expect(stopped.error?.type).toBe("TimeoutError");
      expect(await executor.run("kept")).toMatchObject({ output: 1 });
    } finally {
      await executor.close();
    }
  });

  test.each([
    { name: "a plain loop", code: "while True: pass" },
    { name: "a native loop that never returns to the interpreter", code: "sum(range(10**15))" },
  ])("the Python process and what its code started end when the host is killed, even busy in $name", async ({ code }) => {
    const { stdout } = await promisify(execFile)("node_modules/.bin/vite-node", ["test/fixtures/local-python-orphan-host.ts", code], {
      timeout: 60_000,
    }).catch((error: { stdout: string }) => error); // the host dies by SIGKILL, by design
    const [pid, childPid] = stdout.trim().split("\n").pop()!.split(" ").map(Number);
    expect(pid).toBeGreaterThan(0);
    expect(childPid).toBeGreaterThan(0);
    expect(await waitUntilGone(pid!, 20_000)).toBe(true);
    expect(await waitUntilGone(childPid!, 5_000)).toBe(true);
  }, 90_000);
});
