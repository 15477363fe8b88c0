// QuickJS, Monty and the machine's own CPython (LocalPython) through the public Executor API, beside each other: cold start (with a warm
// spare from the pool and without), warm trivial run, tool-call round trip, the 10^6-addition loop against the language's own native runtime
// (Node for JavaScript, python3 for Python), memory per live sandbox and how many fit in 4 GB.
import { spawnSync } from "node:child_process";

import { z } from "zod";

import * as codeagent from "../dist/index.js";
import { DockerExecutor } from "../dist/executors/docker/index.js";
import { LocalPythonExecutor } from "../dist/executors/local-python/index.js";
import { MontyExecutor } from "../dist/executors/monty/index.js";
import { row } from "./report.mjs";
import { best, median, now, percentile, timeEach } from "./stats.mjs";

const DOCKER_IMAGE = "codeagent-test-python:bookworm";

const LOOP = {
  javascript: "let s = 0;\nfor (let i = 0; i < 1000000; i++) { s += i; }\ns",
  python: "s = 0\nfor i in range(10**6):\n    s += i\ns",
};
const TOOL_LOOP = {
  javascript: (count) => `for (let i = 0; i < ${count}; i++) { ping({ n: i }); }`,
  python: (count) => `for i in range(${count}):\n    ping(n=i)`,
};

const ping = codeagent.tool({
  name: "ping",
  description: "Answers at once.",
  inputSchema: z.object({ n: z.number() }),
  execute: async ({ n }) => n,
});

/** The executors measured here: those the package exports. */
function subjects() {
  const list = [];
  list.push({
    name: "QuickJS",
    language: "javascript",
    create: (options) => new codeagent.QuickJsExecutor(options),
    // A worker thread per sandbox: the pool keeps one started; measure with it and without.
    prewarm: () => codeagent.QuickJsExecutor.prewarm(1),
  });
  list.push({
    name: "Monty",
    language: "python",
    create: (options) => new MontyExecutor(options),
    // A sandbox process per executor: the pool keeps one started; measure with it and without.
    prewarm: () => MontyExecutor.prewarm(1),
    drain: () => MontyExecutor.drainPool(),
    // Its memory is the sandbox processes', not the host's.
    outOfProcess: true,
  });
  list.push({
    name: "LocalPython",
    language: "python",
    create: (options) => new LocalPythonExecutor(options),
    // One interpreter per executor; the pool keeps one started: measure with it and without.
    prewarm: () => LocalPythonExecutor.prewarm(1),
    drain: () => LocalPythonExecutor.drainPool(),
    outOfProcess: true,
    targets: { warmRun: 0.3, toolCall: 0.15 },
  });
  // Docker needs an engine and the test image (scripts/docker-python-image.sh builds it).
  if (spawnSync("docker", ["image", "inspect", DOCKER_IMAGE], { stdio: "ignore" }).status === 0) {
    list.push({
      name: "Docker",
      language: "python",
      create: (options) => new DockerExecutor({ ...options, image: DOCKER_IMAGE }),
      outOfProcess: true,
      dockerMemory: true,
      targets: { coldStart: 1500, warmRun: 1, toolCall: 0.5 },
    });
  } else {
    console.error(`[light-executors] Docker skipped: no engine, or no image ${DOCKER_IMAGE} (run scripts/docker-python-image.sh)`);
  }
  return list;
}

export async function benchLightExecutors({ quick = false, log = () => {} } = {}) {
  const rows = [];
  const nativeLoop = { javascript: nodeLoopMs(), python: python3LoopMs() };
  for (const subject of subjects()) {
    log(`${subject.name}: cold start`);
    const coldStart = async (options, before) => {
      const times = [];
      for (let index = 0; index < (quick ? 5 : 20); index++) {
        await before?.();
        const started = now();
        const executor = subject.create(options);
        await executor.run("1");
        times.push(now() - started);
        await executor.close();
      }
      return times;
    };
    if (subject.prewarm) {
      const warm = await coldStart({}, subject.prewarm);
      rows.push(row(`${subject.name}: cold start, new executor to first result, pool spare ready (median of ${warm.length})`, median(warm), "ms", { max: 2 }));
      const cold = await coldStart({ usePool: false });
      const what = subject.outOfProcess ? "new sandbox process" : "new worker thread";
      rows.push(row(`${subject.name}: cold start without a spare (${what}; median of ${cold.length})`, median(cold), "ms"));
    } else {
      const cold = await coldStart({});
      rows.push(row(`${subject.name}: cold start, new executor to first result (median of ${cold.length}; first ${cold[0].toFixed(2)} ms)`, median(cold), "ms", subject.targets ? (subject.targets.coldStart ? { max: subject.targets.coldStart } : {}) : { max: 2 }));
    }

    const executor = subject.create({});
    await executor.sendTools([ping]);
    const trivial = subject.language === "python" ? "x = 1" : "x = 1";
    await timeEach(200, () => executor.run(trivial));
    const runs = quick ? 1000 : 5000;
    log(`${subject.name}: ${runs} warm runs`);
    const warm = await timeEach(runs, () => executor.run(trivial));
    rows.push(row(`${subject.name}: warm trivial run, p50 (${runs} runs)`, percentile(warm, 50), "ms", { max: subject.targets?.warmRun ?? 0.1 }));
    rows.push(row(`${subject.name}: warm trivial run, p99`, percentile(warm, 99), "ms"));

    const calls = quick ? 500 : 2000;
    const perCall = [];
    for (let repeat = 0; repeat < 5; repeat++) {
      const started = now();
      const result = await executor.run(TOOL_LOOP[subject.language](calls));
      if (result.error) throw new Error(`${subject.name} tool loop failed: ${result.error.type}: ${result.error.message}`);
      perCall.push((now() - started) / calls);
    }
    rows.push(row(`${subject.name}: tool call round trip, per call (${calls} calls in one run, median of 5)`, median(perCall), "ms", { max: subject.targets?.toolCall ?? 0.03 }));

    log(`${subject.name}: 10^6 loop`);
    const loopTimes = [];
    for (let repeat = 0; repeat < (quick ? 2 : 5); repeat++) {
      const started = now();
      const result = await executor.run(LOOP[subject.language]);
      if (result.error) throw new Error(`${subject.name} loop failed: ${result.error.type}: ${result.error.message}`);
      loopTimes.push(now() - started);
    }
    const native = nativeLoop[subject.language];
    const nativeName = subject.language === "javascript" ? "Node" : "python3";
    rows.push(
      row(`${subject.name}: 10^6-addition loop vs ${nativeName} (best of ${loopTimes.length}: ${best(loopTimes).toFixed(1)} ms vs ${native.toFixed(1)} ms)`, best(loopTimes) / native, "x", subject.name === "QuickJS" ? { max: 30 } : {}),
    );
    await executor.close();

    log(`${subject.name}: memory`);
    // A process each is tens of MB: fewer of them tell as much.
    const count = subject.outOfProcess ? (quick ? 5 : 10) : quick ? 20 : 100;
    await subject.drain?.();
    const before = residentMb() + (subject.outOfProcess ? childrenResidentMb() : 0);
    const live = [];
    for (let index = 0; index < count; index++) {
      const sandbox = subject.create({ usePool: false });
      await sandbox.run("1");
      live.push(sandbox);
    }
    const perSandbox = subject.dockerMemory
      ? containersMemoryMb() / count
      : (residentMb() + (subject.outOfProcess ? childrenResidentMb() : 0) - before) / count;
    const measured = subject.dockerMemory ? "containers' memory, docker stats" : subject.outOfProcess ? "host and sandbox processes' RSS growth" : "host RSS growth";
    rows.push(row(`${subject.name}: resident memory per live sandbox (${measured} over ${count} sandboxes)`, perSandbox, "MB"));
    // Below 0.1 MB the RSS growth is noise; the count would mean nothing.
    if (perSandbox >= 0.1) rows.push(row(`${subject.name}: sandboxes that fit in 4 GB`, Math.floor(4096 / perSandbox), "sandboxes"));
    await Promise.all(live.map((sandbox) => sandbox.close()));
  }
  return rows;
}

/** Memory the engine counts for the running sandbox containers (docker stats, page cache excluded), in MB. */
function containersMemoryMb() {
  const ids = spawnSync("docker", ["ps", "-q", "--filter", "label=codeagent.sandbox"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
  if (ids.length === 0) return 0;
  const stats = spawnSync("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...ids], { encoding: "utf8" }).stdout;
  const units = { B: 1 / 1024 / 1024, KiB: 1 / 1024, MiB: 1, GiB: 1024 };
  return stats.split("\n").filter(Boolean).reduce((total, line) => {
    const match = /^([\d.]+)\s*(B|KiB|MiB|GiB)/.exec(line.trim());
    return total + (match ? Number(match[1]) * units[match[2]] : 0);
  }, 0);
}

/** Resident memory of this process's child processes (Linux `ps`), in MB; 0 where `ps` cannot say. */
function childrenResidentMb() {
  const result = spawnSync("ps", ["-o", "rss=", "--ppid", String(process.pid)], { encoding: "utf8" });
  if (result.status !== 0) return 0;
  return result.stdout.split("\n").reduce((total, line) => total + (Number(line.trim()) || 0), 0) / 1024;
}

function residentMb() {
  globalThis.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

function nodeLoopMs() {
  const times = [];
  for (let repeat = 0; repeat < 5; repeat++) {
    const started = now();
    let sum = 0;
    for (let index = 0; index < 1_000_000; index++) sum += index;
    times.push(now() - started);
    if (sum < 0) throw new Error("unreachable");
  }
  return best(times);
}

function python3LoopMs() {
  const script = "import time\nbest = 1e9\nfor _ in range(5):\n    t = time.perf_counter()\n    exec('s = 0\\nfor i in range(10**6):\\n    s += i', {})\n    best = min(best, time.perf_counter() - t)\nprint(best * 1000)";
  const result = spawnSync("python3", ["-c", script], { encoding: "utf8" });
  return Number(result.stdout.trim());
}
