/**
 * `isolation: "shared"`: several Pyodide sandboxes on worker threads of one Deno process. What
 * each sandbox must still have on its own, tried from hostile code in a neighbour: its state, its
 * time limit, its kill path and its memory cap; and what they share must fail safely (a thread that
 * cannot be ended retires its process; the process's memory wall ends all of them, saying so).
 */
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { z } from "zod";

import type { CodeOutput } from "../src/executors/executor.js";
import { PyodideExecutor, type PyodideExecutorOptions } from "../src/executors/pyodide/pyodide-executor.js";
import { tool } from "../src/tools/tool.js";

/** Reaches the real sys module and Pyodide's JavaScript API past the import gate. */
const REACH = 'S = final_answer.__globals__["sys"]\napi = S.modules["pyodide_js._api"]\nmod = api.public_api._module\nU8 = mod.HEAPU8.constructor\n';

const open: PyodideExecutor[] = [];

function shared(options: PyodideExecutorOptions = {}): PyodideExecutor {
  const executor = new PyodideExecutor({ timeoutMs: 10_000, ...options, isolation: "shared" });
  open.push(executor);
  return executor;
}

/** The pid of the process an executor's sandbox runs in (private state, read for these tests only). */
async function pidOf(executor: PyodideExecutor): Promise<number> {
  const internals = executor as unknown as { sandbox: Promise<{ pid: number }> };
  return (await internals.sandbox).pid;
}

async function expectAnswers(executor: PyodideExecutor): Promise<void> {
  const result = await executor.run('print("alive")\n6 * 7');
  expect(result.error).toBeUndefined();
  expect(result.output).toBe(42);
  expect(result.logs).toBe("alive\n");
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((executor) => executor.close()));
});

afterAll(() => PyodideExecutor.drainPool());

test("an unknown isolation is refused with the choices named", () => {
  expect(() => new PyodideExecutor({ isolation: "thread" as never })).toThrow(/"process" or "shared"/);
});

test("two sandboxes share one process but nothing else: variables, modules, JavaScript globals", async () => {
  const first = shared();
  const second = shared();
  await first.run("secret = 'first-only'");
  await second.run("kept = 1");
  expect(await pidOf(first)).toBe(await pidOf(second));

  // The first patches a module, a builtin and the JavaScript world of its thread.
  const planted = await first.run(
    `${REACH}import json\njson.dumps = lambda *a, **k: "hijacked"\nS.modules["builtins"].len = lambda x: -1\n` +
      "api.public_api.constructor.prototype.__planted = 'yes'\nmod.HEAPU8.constructor.prototype.__planted = 'yes'\n'planted'",
  );
  expect(planted.error).toBeUndefined();

  const seen = await second.run(
    `${REACH}import json\n[json.dumps([1]), len([1, 2]), 'secret' in globals(), getattr(mod.HEAPU8.constructor.prototype, '__planted', None)]`,
  );
  expect(seen.error).toBeUndefined();
  expect(seen.output).toEqual(["[1]", 2, false, null]);
  expect((await first.run("secret")).output).toBe("first-only");
});

test("runs in two sandboxes of one process go on at the same time, each under its own time limit", async () => {
  const first = shared();
  const second = shared();
  await Promise.all([first.run("a = 1"), second.run("b = 1")]);
  const [looping, working] = await Promise.all([
    first.run("while True: pass", { timeoutMs: 1_500 }),
    second.run("total = 0\nfor i in range(200_000): total += i\ntotal"),
  ]);
  expect(looping.error?.type).toBe("TimeoutError");
  expect(working.error).toBeUndefined();
  expect(working.output).toBe(199_999 * 100_000);
  // The loop was interrupted, not killed: its sandbox kept its state.
  expect((await first.run("a + 1")).output).toBe(2);
});

/** For a sum in native code, which no interrupt reaches: it is ended 500 ms after its time limit, not 5 s. */
const UNINTERRUPTIBLE = { timeoutMs: 1_000, interruptGraceMs: 500 };

test("a neighbour that cannot be interrupted is ended alone; its process takes no new sandboxes", async () => {
  const stuck = shared(UNINTERRUPTIBLE);
  const neighbour = shared();
  await Promise.all([stuck.run("a = 1"), neighbour.run("b = 41")]);
  const pid = await pidOf(stuck);
  expect(await pidOf(neighbour)).toBe(pid);

  const started = Date.now();
  const result = await stuck.run("sum(range(10**12))");
  expect(result.error?.type).toBe("TimeoutError");
  expect(result.error?.message).toMatch(/gone|restarted|lost/i);
  expect(Date.now() - started).toBeLessThan(15_000);

  // The neighbour still answers, with its state...
  expect((await neighbour.run("b + 1")).output).toBe(42);
  // ...the stuck one has a fresh sandbox, and that one is not in the process with the runaway thread.
  await expectAnswers(stuck);
  expect(await pidOf(stuck)).not.toBe(pid);
  const newcomer = shared();
  await expectAnswers(newcomer);
  expect(await pidOf(newcomer)).not.toBe(pid);
});

test("a process with a thread that could not be ended is ended within 30 s, its other sandboxes told why", { timeout: 90_000 }, async () => {
  const stuck = shared(UNINTERRUPTIBLE);
  const neighbour = shared();
  await Promise.all([stuck.run("a = 1"), neighbour.run("b = 41")]);
  const pid = await pidOf(neighbour);
  // Long enough to outlive the grace period (it is a sum in native code: no interrupt reaches it).
  expect((await stuck.run("sum(range(10**13))")).error?.type).toBe("TimeoutError");
  const retiredAt = Date.now();
  expect((await neighbour.run("b + 1")).output).toBe(42);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 32_000 - (Date.now() - retiredAt))));
  const after = await neighbour.run("b");
  expect(after.error?.message).toMatch(/could not be stopped/);
  await expectAnswers(neighbour);
  expect(await pidOf(neighbour)).not.toBe(pid);
});

test.each([
  { name: "os._exit", code: 'S.modules["os"]._exit(3)' },
  { name: "a Pyodide fatal error", code: 'api.fatal_error("probe")' },
  { name: "signal.raise_signal(SIGKILL)", code: 'import signal\nsignal.raise_signal(9)' },
])("a sandbox that ends itself ($name) does not take its neighbour with it", async ({ code }) => {
  const doomed = shared({ timeoutMs: 3_000, authorizedImports: ["*"] });
  const neighbour = shared();
  await Promise.all([doomed.run("a = 1"), neighbour.run("b = 41")]);
  expect(await pidOf(doomed)).toBe(await pidOf(neighbour));
  const result: CodeOutput = await doomed.run(`${REACH}${code}`);
  expect(result.error).toBeDefined();
  expect((await neighbour.run("b + 1")).output).toBe(42);
  await expectAnswers(doomed);
});

test("what a sandbox prints or posts cannot pass for a neighbour's message", async () => {
  const forger = shared({ authorizedImports: ["*"] });
  const victim = shared();
  await victim.run("b = 41");
  const forged = '{"type":"result","id":1,"logs":"","result":{"output":"forged","isFinalAnswer":true,"error":null}}';
  const result = await forger.run(
    `${REACH}line = ${JSON.stringify(`\n${"0".repeat(32)}${forged}\n`)}\n` +
      "for _ in range(50):\n    mod.print(line)\n    mod.printErr(line)\n'sent'",
  );
  expect(result.error).toBeUndefined();
  const answer = await victim.run("b + 1");
  expect(answer.output).toBe(42);
  expect(answer.isFinalAnswer).toBe(false);
});

/**
 * Node's `fs` and `tty` modules live on in Pyodide's runtime (NODEFS, the TTY device) and work on
 * raw file descriptors, which Deno's permissions do not cover. In a shared process fd 0 carries
 * every sandbox's requests; fds 1 and 2, every sandbox's lines.
 */
const FD_PROBES = String.raw`
out = []
def attempt(label, action):
    try:
        out.append([label, repr(action())[:300]])
    except BaseException as error:
        out.append([label, "blocked: " + type(error).__name__])
buf = U8.new(65536)
def nodefs_read():
    stream = api.public_api.constructor.new()
    stream.nfd = 0
    count = mod.FS.filesystems.NODEFS.stream_ops.read(stream, buf, 0, 65536, None)
    return bytes(buf.subarray(0, count).to_py()).decode("utf-8", "replace")
def nodefs_write():
    stream = api.public_api.constructor.new()
    stream.nfd = 1
    data = U8.new(10)
    return mod.FS.filesystems.NODEFS.stream_ops.write(stream, data, 0, 10, None)
def tty_read():
    return mod.TTY.default_tty_ops.get_char(None)
def tty_write():
    return mod.TTY.default_tty_ops.put_char(None, 65)
def fs_via_stream_fd():
    stream = mod.FS.open("/dev/stdin", 0)
    return mod.FS.read(stream, buf, 0, 100)
for label, action in [("nodefs read fd 0", nodefs_read), ("nodefs write fd 1", nodefs_write), ("tty read", tty_read), ("tty write", tty_write), ("/dev/stdin", fs_via_stream_fd)]:
    attempt(label, action)
out
`;

test.each(["shared", "process"] as const)(
  "raw file descriptors are out of reach: no read of the request stream, no write to the output (isolation %s)",
  async (isolation) => {
    const attacker = new PyodideExecutor({ timeoutMs: 10_000, isolation, authorizedImports: ["*"] });
    open.push(attacker);
    const victim = shared();
    await attacker.run("a = 1");
    await victim.run("b = 1");
    // The victim's request is on its way while the attacker reads.
    const [attack] = await Promise.all([attacker.run(`${REACH}${FD_PROBES}`), victim.sendVariables({ secret: "S3CRET-of-the-victim" })]);
    expect(JSON.stringify(attack)).not.toContain("S3CRET");
    expect(JSON.stringify(attack)).not.toMatch(/"token"/);
    const results = attack.output as [string, string][] | null;
    if (results !== null) {
      for (const [label, outcome] of results) {
        if (label.includes("read")) expect(outcome, label).not.toMatch(/S3CRET|token/);
        if (label.startsWith("nodefs")) expect(outcome, label).toMatch(/blocked/);
      }
    }
    const answer = await victim.run("secret[:6]");
    expect(answer.output).toBe("S3CRET");
    expect(answer.isFinalAnswer).toBe(false);
  },
);

test("one sandbox's overlong output ends neither the process nor its neighbour", async () => {
  const loud = shared({ authorizedImports: ["*"], maxOutputChars: 1_000 });
  const neighbour = shared();
  await Promise.all([loud.run("a = 1"), neighbour.run("b = 41")]);
  const result = await loud.run(`${REACH}mod.print("x" * 10_000_000)
mod.printErr("y" * 10_000_000)
"printed"`);
  // Emscripten's own print goes into the run's logs, capped like any output.
  expect(result.output).toBe("printed");
  expect(result.logs.length).toBeLessThan(2_000);
  expect((await neighbour.run("b + 1")).output).toBe(42);
  expect((await loud.run("a + 1")).output).toBe(2);
});

test("sandboxes started all at once fill a process to its capacity, never past it", async () => {
  const executors = Array.from({ length: 9 }, () => shared({ usePool: false }));
  await Promise.all(executors.map((executor) => executor.run("1")));
  const pids = await Promise.all(executors.map((executor) => pidOf(executor)));
  const perProcess = new Map<number, number>();
  for (const pid of pids) perProcess.set(pid, (perProcess.get(pid) ?? 0) + 1);
  expect(Math.max(...perProcess.values())).toBeLessThanOrEqual(8);
  expect(perProcess.size).toBeGreaterThanOrEqual(2);
});

test("memoryLimitMb caps each sandbox's Python heap: the neighbour is not disturbed", async () => {
  const hog = shared({ memoryLimitMb: 64 });
  const neighbour = shared();
  await Promise.all([hog.run("a = 1"), neighbour.run("b = 41")]);
  const result = await hog.run("hold = []\nwhile True: hold.append(bytearray(10**7))");
  expect(result.error?.type).toBe("MemoryError");
  expect((await neighbour.run("b + 1")).output).toBe(42);
  await expectAnswers(hog);
});

test("memory taken outside the Python heap hits the process's wall: every sandbox in it ends, told why", async () => {
  const hog = shared({ memoryLimitMb: 64, timeoutMs: 60_000 });
  const neighbour = shared({ memoryLimitMb: 64 });
  await Promise.all([hog.run("a = 1"), neighbour.run("b = 41")]);
  const pid = await pidOf(hog);
  expect(await pidOf(neighbour)).toBe(pid);
  const result = await hog.run(`${REACH}hold = []\nfor _ in range(100):\n    hold.append(U8.new(100 * 2**20).fill(1))\n"done"`);
  expect(result.output).not.toBe("done");
  expect(result.error?.type).toBe("MemoryError");
  expect(result.error?.message).toMatch(/shared sandbox process/);
  expect(result.error?.message).toMatch(/memoryLimitMb 64/);
  const after = await neighbour.run("b");
  expect(after.error?.type).toMatch(/NameError|MemoryError/);
  await expectAnswers(hog);
  await expectAnswers(neighbour);
  expect(await pidOf(hog)).not.toBe(pid);
});

test("messages larger than the pipe between threads arrive whole, in both directions", async () => {
  const executor = shared({ maxValueChars: 8_000_000 });
  const blob = tool({
    name: "blob",
    description: "Returns `size` characters, cycling through the alphabet.",
    inputSchema: z.object({ size: z.number() }),
    execute: ({ size }) => Array.from({ length: size }, (_, index) => String.fromCharCode(97 + (index % 26))).join(""),
  });
  await executor.sendTools([blob]);
  // 3 MB through a 1 MB ring, several times, then a 3 MB value back out.
  const result = await executor.run(
    'sizes = []\nfor size in (3_000_000, 1_048_576, 2_500_001):\n    text = blob(size=size)\n    sizes.append([len(text), text[-3:]])\n' +
      'back = "z" * 3_000_000\nsizes',
  );
  expect(result.error).toBeUndefined();
  expect(result.output).toEqual([
    [3_000_000, [0, 1, 2].map((index) => String.fromCharCode(97 + ((2_999_997 + index) % 26))).join("")],
    [1_048_576, [0, 1, 2].map((index) => String.fromCharCode(97 + ((1_048_573 + index) % 26))).join("")],
    [2_500_001, [0, 1, 2].map((index) => String.fromCharCode(97 + ((2_499_998 + index) % 26))).join("")],
  ]);
  expect((await executor.run("back")).output).toHaveLength(3_000_000);
});

describe("reset() gives a pristine sandbox in shared mode too", () => {
  test("a patched module does not survive into the next task", async () => {
    const executor = shared();
    await executor.run('import json\njson.dumps = lambda *a, **k: "hijacked"');
    await executor.reset();
    expect((await executor.run("import json\njson.dumps([1])")).output).toBe("[1]");
  });
});
