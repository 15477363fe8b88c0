// Benchmarks of the Pyodide executor (a Deno process running CPython in WebAssembly), through
// the package's public API. Only the memory figure looks outside it, at /proc, for the
// sandboxes' process ids and resident memory.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { z } from "zod";

import { PyodideExecutor, tool } from "../dist/index.js";
import { commandName, descendants, hasProc, readKb } from "./proc.mjs";
import { row } from "./report.mjs";
import { best, median, now, percentile, sleep, timeEach } from "./stats.mjs";

const TRIVIAL = "x = 1";
const LOOP = "s = 0\nfor i in range(10**6): s += i";
const TOOL_CALLS = 2000;
const COLD_START_CHILD = fileURLToPath(new URL("./cold-start-child.mjs", import.meta.url));
/** Linux reports thread CPU time in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS = 100;

const addOne = tool({
  name: "add_one",
  description: "Returns n + 1.",
  inputSchema: z.object({ n: z.number() }),
  outputSchema: z.number(),
  execute: async ({ n }) => n + 1,
});

/**
 * Runs every Pyodide benchmark and returns its rows. `options.quick` cuts the repetitions (for a
 * smoke test); `options.log` receives progress lines.
 */
export async function benchPyodide({ quick = false, log = () => {} } = {}) {
  const scale = quick ? 0.1 : 1;
  const rows = [];
  const open = new Set();
  const track = (executor) => (open.add(executor), executor);
  const closeAll = async () => {
    await Promise.all([...open].map((executor) => executor.close()));
    open.clear();
  };

  try {
    // ------------------------------------------------------------ warm runs and tool calls
    log("warm trivial runs");
    const executor = track(new PyodideExecutor());
    await executor.start(); // also makes the memory snapshot if this machine has none yet
    await PyodideExecutor.prewarm(1); // let the pool's refill finish so it does not compete for CPU
    await executor.sendTools([addOne]);
    await mustRun(executor, TRIVIAL);

    const runs = Math.max(200, Math.round(3000 * scale));
    await timeEach(300, () => executor.run(TRIVIAL)); // warm-up
    const trivial = await timeEach(runs, () => executor.run(TRIVIAL));
    const trivialP50 = median(trivial);
    rows.push(row(`warm run "x = 1", p50 (${runs} runs)`, trivialP50, "ms", { max: 0.5 }));
    rows.push(row(`warm run "x = 1", p99`, percentile(trivial, 99), "ms"));

    log("tool calls");
    const loopSnippet = `s = 0\nfor _ in range(${TOOL_CALLS}):\n    s = add_one(n=s)\ns`;
    const loopOutput = await mustRun(executor, loopSnippet); // warm-up, and checks the answer
    if (loopOutput.output !== TOOL_CALLS) throw new Error(`tool loop returned ${JSON.stringify(loopOutput.output)}`);
    const loopTimes = await timeEach(quick ? 1 : 5, () => mustRun(executor, loopSnippet));
    const perCall = (median(loopTimes) - trivialP50) / TOOL_CALLS;
    rows.push(
      row(`tool call round trip, per call (${TOOL_CALLS} calls in one run, median of ${loopTimes.length})`, perCall * 1000, "µs", {
        max: 200,
      }),
    );

    // Single-call runs interleaved with trivial runs, so drift on a noisy machine hits both alike.
    const pairs = Math.max(100, Math.round(1000 * scale));
    const single = [];
    const plain = [];
    for (let index = 0; index < pairs; index++) {
      let start = now();
      await executor.run("add_one(n=1)");
      single.push(now() - start);
      start = now();
      await executor.run(TRIVIAL);
      plain.push(now() - start);
    }
    rows.push(row(`one tool call: run p50 minus "x = 1" p50 (${pairs} pairs)`, (median(single) - median(plain)) * 1000, "µs"));

    // ------------------------------------------------------------ compute speed against CPython
    log("10^6-addition loop");
    const repeats = quick ? 2 : 5;
    const sandboxLoop = await timeEach(repeats, () => mustRun(executor, LOOP));
    const insideCode = `import time as _time\n_t0 = _time.perf_counter()\n${LOOP}\n(_time.perf_counter() - _t0) * 1000`;
    const insideLoop = [];
    for (let index = 0; index < repeats; index++) insideLoop.push((await mustRun(executor, insideCode)).output);
    const cpython = cpythonLoop(repeats);
    if (cpython) {
      rows.push(
        row(`10^6-addition loop vs python3 ${cpython.version} (best of ${repeats}, run() end to end)`, best(sandboxLoop) / cpython.bestMs, "x", {
          max: 2.5,
          note: `sandbox ${best(sandboxLoop).toFixed(1)} ms through run(), ${best(insideLoop).toFixed(1)} ms timed inside Python; python3 ${cpython.bestMs.toFixed(1)} ms`,
        }),
      );
      rows.push(row(`10^6-addition loop vs python3, timed inside both`, best(insideLoop) / cpython.bestMs, "x"));
    } else {
      rows.push(row("10^6-addition loop vs python3", NaN, "x", { max: 2.5, note: "python3 was not found or failed" }));
    }
    await executor.close();
    open.delete(executor);

    // ------------------------------------------------------------ the first heavy run of a pooled sandbox
    log("first 10^6-addition loop in a pooled sandbox");
    const firstRuns = [];
    for (let index = 0; index < (quick ? 2 : 5); index++) firstRuns.push(await firstPooledLoop(track));
    const firstWall = median(firstRuns.map((run) => run.wallMs));
    const firstCpu = median(firstRuns.map((run) => run.cpuMs));
    if (cpython) {
      rows.push(
        row(`first 10^6-addition loop in a pooled sandbox vs python3 (median of ${firstRuns.length} sandboxes, run() end to end)`, firstWall / cpython.bestMs, "x", {
          max: 2.5,
          note: `sandbox ${firstRuns.map((run) => run.wallMs.toFixed(0)).join(", ")} ms; python3 ${cpython.bestMs.toFixed(1)} ms`,
        }),
      );
      if (Number.isFinite(firstCpu)) {
        rows.push(
          row("first 10^6-addition loop in a pooled sandbox vs python3, CPU time (unaffected by other load)", firstCpu / cpython.bestCpuMs, "x", {
            note: `sandbox thread ${firstRuns.map((run) => run.cpuMs.toFixed(0)).join(", ")} ms CPU; python3 ${cpython.bestCpuMs.toFixed(1)} ms CPU`,
          }),
        );
      }
    }

    // ------------------------------------------------------------ reset between tasks
    log("reset() between tasks");
    const resetTimes = [];
    const resetter = track(new PyodideExecutor());
    await resetter.sendTools([addOne]);
    for (let index = 0; index < (quick ? 2 : 5); index++) {
      await mustRun(resetter, "task_state = 1");
      await PyodideExecutor.prewarm(1);
      await sleep(100);
      const start = now();
      await resetter.reset();
      resetTimes.push(now() - start);
      const after = await resetter.run("task_state");
      if (after.error?.type !== "NameError") throw new Error("reset() kept the namespace");
    }
    rows.push(
      row(`reset() between tasks (a fresh sandbox from the warm pool, tools installed), median of ${resetTimes.length}`, median(resetTimes), "ms", {
        max: 10,
        note: `all: ${resetTimes.map((t) => t.toFixed(1)).join(", ")} ms`,
      }),
    );
    await resetter.close();
    open.delete(resetter);

    // ------------------------------------------------------------ start-up
    log("ready from the warm pool");
    const poolTotals = [];
    const poolStarts = [];
    for (let index = 0; index < (quick ? 2 : 5); index++) {
      await PyodideExecutor.prewarm(1);
      await sleep(100); // let the spare finish settling after its ready message
      const start = now();
      const fresh = track(new PyodideExecutor());
      await fresh.start();
      const started = now();
      const output = await mustRun(fresh, "1");
      const end = now();
      if (output.output !== 1) throw new Error(`pooled run returned ${JSON.stringify(output.output)}`);
      poolTotals.push(end - start);
      poolStarts.push(started - start);
      await fresh.close();
      open.delete(fresh);
    }
    await PyodideExecutor.drainPool();
    rows.push(
      row(`ready from warm pool: new executor + first run("1"), median of ${poolTotals.length}`, median(poolTotals), "ms", {
        max: 10,
        note: `start() ${median(poolStarts).toFixed(2)} ms (acquire, refill spawn, configure, tools) + first run; all: ${poolTotals.map((t) => t.toFixed(1)).join(", ")} ms`,
      }),
    );

    log("cold start from the snapshot (private sandbox, this process)");
    const inProcess = [];
    for (let index = 0; index < (quick ? 1 : 3); index++) {
      const start = now();
      const fresh = track(new PyodideExecutor({ usePool: false }));
      await mustRun(fresh, "1");
      inProcess.push(now() - start);
      await fresh.close();
      open.delete(fresh);
    }
    rows.push(row(`cold sandbox from snapshot, in a running host (usePool: false), median of ${inProcess.length}`, median(inProcess), "ms"));

    log("cold start from the snapshot (new Node process)");
    const snapshot = snapshotFile();
    const children = [];
    for (let index = 0; index < (quick ? 1 : 3); index++) children.push(await coldStartChild());
    const wall = children.map((child) => child.wallMs);
    rows.push(
      row(`cold start: new Node process to first result, snapshot made, median of ${children.length}`, median(wall), "ms", {
        max: 1500,
        note:
          `in the child: import ${median(children.map((c) => c.importMs)).toFixed(0)} ms, sandbox start + run ${median(children.map((c) => c.sandboxMs)).toFixed(0)} ms; ` +
          `all: ${wall.map((t) => t.toFixed(0)).join(", ")} ms` +
          (snapshot ? `; snapshot ${snapshot.name} (${(snapshot.size / 2 ** 20).toFixed(1)} MB)` : ""),
      }),
    );
    if (snapshot) rows.push(row("memory snapshot file size", snapshot.size / 2 ** 20, "MB"));

    if (!quick) {
      log("cold start without a snapshot");
      // An unusable cache directory: the snapshot cannot be made, so Pyodide loads from scratch.
      const noCache = await coldStartChild({ CODEAGENT_CACHE_DIR: "/dev/null/codeagent-bench" });
      rows.push(row("cold start without snapshot (cache unusable), once", noCache.wallMs, "ms"));
      // An empty cache directory: what the very first run on a machine pays (make + load snapshot).
      const emptyCache = mkdtempSync(join(tmpdir(), "codeagent-bench-"));
      try {
        const firstEver = await coldStartChild({ CODEAGENT_CACHE_DIR: emptyCache });
        rows.push(row("first start on a machine (snapshot made, then loaded), once", firstEver.wallMs, "ms"));
      } finally {
        rmSync(emptyCache, { recursive: true, force: true });
      }
    }

    // ------------------------------------------------------------ shared isolation: speed
    log('isolation "shared": warm runs and tool calls');
    const sharedExecutor = track(new PyodideExecutor({ isolation: "shared" }));
    await sharedExecutor.sendTools([addOne]);
    await mustRun(sharedExecutor, TRIVIAL);
    await timeEach(300, () => sharedExecutor.run(TRIVIAL));
    const sharedTrivial = await timeEach(runs, () => sharedExecutor.run(TRIVIAL));
    rows.push(row(`isolation "shared": warm run "x = 1", p50 (${runs} runs)`, median(sharedTrivial), "ms", { max: 0.5 }));
    await mustRun(sharedExecutor, loopSnippet);
    const sharedLoopTimes = await timeEach(quick ? 1 : 5, () => mustRun(sharedExecutor, loopSnippet));
    rows.push(
      row(`isolation "shared": tool call round trip, per call (${TOOL_CALLS} calls in one run)`, ((median(sharedLoopTimes) - median(sharedTrivial)) / TOOL_CALLS) * 1000, "µs", {
        max: 200,
      }),
    );
    const sharedLoop = await timeEach(repeats, () => mustRun(sharedExecutor, LOOP));
    if (cpython) rows.push(row(`isolation "shared": 10^6-addition loop vs python3 (best of ${repeats})`, best(sharedLoop) / cpython.bestMs, "x", { max: 2.5 }));
    await sharedExecutor.close();
    open.delete(sharedExecutor);
    await PyodideExecutor.drainPool();

    // ------------------------------------------------------------ memory
    for (const { isolation, count, max } of [
      { isolation: "process", count: 5, max: 160 },
      // One shared process full: eight sandboxes (SANDBOXES_PER_SHARED_PROCESS).
      { isolation: "shared", count: 8, max: 100 },
    ]) {
      log(`memory per live sandbox, isolation "${isolation}"`);
      // The default keeps the names of earlier results, so the table shows before and after.
      const label = isolation === "shared" ? 'isolation "shared": ' : "";
      const memory = await measureSandboxMemory(count, isolation, track);
      if (memory) {
        const perRss = memory.rssKb / count / 1024;
        const perPss = memory.pssKb / count / 1024;
        rows.push(
          row(`${label}resident memory per live sandbox (VmRSS, ${count} sandboxes)`, perRss, "MB", {
            max,
            note: `${memory.pids.length} process${memory.pids.length === 1 ? "" : "es"}; RSS ${memory.perProcessMb.map((mb) => mb.toFixed(0)).join(", ")} MB; PSS per sandbox ${perPss.toFixed(1)} MB`,
          }),
        );
        rows.push(row(`${label}sandboxes that fit in 4 GB (by RSS)`, Math.floor(4096 / perRss), "sandboxes"));
        rows.push(row(`${label}proportional memory per live sandbox (PSS)`, perPss, "MB"));
      } else {
        rows.push(row(`${label}resident memory per live sandbox`, NaN, "MB", { max, note: "needs Linux /proc" }));
      }
    }
  } finally {
    await closeAll();
    await PyodideExecutor.drainPool();
  }
  return rows;
}

/**
 * A new executor from a ready pool spare, and its first run of the 10^6-addition loop: wall time,
 * and CPU time of the sandbox's main thread (Linux; NaN elsewhere).
 */
async function firstPooledLoop(track) {
  await PyodideExecutor.prewarm(1);
  await sleep(200);
  // The spare about to be handed out already runs: the sandbox is the deno process that works.
  const sandboxes = hasProc() ? [...descendants(process.pid)].filter((pid) => commandName(pid) === "deno") : [];
  const fresh = track(new PyodideExecutor());
  await fresh.start();
  const cpuBefore = sandboxes.map(threadCpuMs);
  const start = now();
  await mustRun(fresh, LOOP);
  const wallMs = now() - start;
  const deltas = sandboxes.map((pid, index) => threadCpuMs(pid) - cpuBefore[index]).filter(Number.isFinite);
  const cpuMs = deltas.length > 0 ? Math.max(...deltas) : NaN;
  await fresh.close();
  return { wallMs, cpuMs };
}

/** CPU time (user + system) of a process's main thread, in ms; NaN when it cannot be read. */
function threadCpuMs(pid) {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Runs `code` and throws if it raised: a benchmark of failing runs would measure the wrong thing. */
async function mustRun(executor, code) {
  const output = await executor.run(code);
  if (output.error) throw new Error(`benchmark snippet failed: ${output.error.type}: ${output.error.message}`);
  return output;
}

/** The same loop in the machine's python3, at module level as in the sandbox, timed inside it. */
function cpythonLoop(repeats) {
  const script = [
    "import json, sys, time",
    `code = compile(${JSON.stringify(LOOP)}, "<bench>", "exec")`,
    "times = []",
    "cpu = []",
    `for _ in range(${repeats}):`,
    "    namespace = {}",
    "    start, start_cpu = time.perf_counter(), time.process_time()",
    "    exec(code, namespace)",
    "    times.append((time.perf_counter() - start) * 1000)",
    "    cpu.append((time.process_time() - start_cpu) * 1000)",
    "print(json.dumps({'bestMs': min(times), 'bestCpuMs': min(cpu), 'version': sys.version.split()[0]}))",
  ].join("\n");
  const result = spawnSync("python3", ["-c", script], { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) return undefined;
  try {
    return JSON.parse(result.stdout.trim().split("\n").pop());
  } catch {
    return undefined;
  }
}

/** Starts cold-start-child.mjs and times it from spawn to the line with its first result. */
function coldStartChild(extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const start = now();
    const child = spawn(process.execPath, [COLD_START_CHILD], {
      env: { ...process.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let answer;
    child.stdout.setEncoding("utf8").on("data", (text) => {
      stdout += text;
      if (answer === undefined && stdout.includes("\n")) {
        const wallMs = now() - start;
        try {
          answer = { ...JSON.parse(stdout.slice(0, stdout.indexOf("\n"))), wallMs };
        } catch (error) {
          answer = error;
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (text) => (stderr += text));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (answer instanceof Error || answer === undefined) {
        reject(new Error(`cold-start child exited with ${code} without a result: ${stderr.slice(-1000)}`));
      } else if (answer.error) {
        reject(new Error(`cold-start child's run failed: ${JSON.stringify(answer.error)}`));
      } else resolve(answer);
    });
  });
}

/** The memory snapshot file in codeagent's cache directory, if there is one. */
function snapshotFile() {
  const directory =
    process.env["CODEAGENT_CACHE_DIR"] || join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "codeagent");
  try {
    const files = readdirSync(directory)
      .filter((name) => /^pyodide-.*\.snapshot$/.test(name))
      .map((name) => ({ name, ...statSync(join(directory, name)) }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    return files[0] ? { name: files[0].name, size: files[0].size } : undefined;
  } catch {
    return undefined;
  }
}

async function measureSandboxMemory(count, isolation, track) {
  try {
    statSync("/proc/self/status");
  } catch {
    return undefined;
  }
  const before = descendants(process.pid);
  const executors = Array.from({ length: count }, () => track(new PyodideExecutor({ usePool: false, isolation })));
  await Promise.all(executors.map((executor) => mustRun(executor, TRIVIAL)));
  await sleep(1000);
  const pids = [...descendants(process.pid)].filter((pid) => !before.has(pid) && commandName(pid) === "deno");
  const expected = isolation === "shared" ? 1 : count;
  if (pids.length !== expected) throw new Error(`expected ${expected} new sandbox processes, found ${pids.length}`);
  let rssKb = 0;
  let pssKb = 0;
  const perProcessMb = [];
  for (const pid of pids) {
    const rss = readKb(`/proc/${pid}/status`, "VmRSS");
    rssKb += rss;
    perProcessMb.push(rss / 1024);
    try {
      pssKb += readKb(`/proc/${pid}/smaps_rollup`, "Pss");
    } catch {
      pssKb = NaN;
    }
  }
  await Promise.all(executors.map((executor) => executor.close()));
  return { pids, rssKb, pssKb, perProcessMb };
}
