// QuickJS and Monty through the public Executor API, beside each other: cold start, warm trivial
// run, tool-call round trip, the 10^6-addition loop against the language's own native runtime
// (Node for JavaScript, python3 for Python), memory per live sandbox and how many fit in 4 GB.
import { spawnSync } from "node:child_process";

import { z } from "zod";

import * as codeagent from "../dist/index.js";
import { MontyExecutor } from "../dist/executors/monty/index.js";
import { row } from "./report.mjs";
import { best, median, now, percentile, timeEach } from "./stats.mjs";

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
  if (codeagent.QuickJsExecutor) list.push({ name: "QuickJS", language: "javascript", create: () => new codeagent.QuickJsExecutor() });
  list.push({ name: "Monty", language: "python", create: () => new MontyExecutor() });
  return list;
}

export async function benchLightExecutors({ quick = false, log = () => {} } = {}) {
  const rows = [];
  const nativeLoop = { javascript: nodeLoopMs(), python: python3LoopMs() };
  for (const subject of subjects()) {
    log(`${subject.name}: cold start`);
    const coldTimes = [];
    for (let index = 0; index < (quick ? 5 : 20); index++) {
      const started = now();
      const executor = subject.create();
      await executor.run("1");
      coldTimes.push(now() - started);
      await executor.close();
    }
    rows.push(row(`${subject.name}: cold start, new executor to first result (median of ${coldTimes.length}; first ${coldTimes[0].toFixed(1)} ms)`, median(coldTimes), "ms", { max: 2 }));

    const executor = subject.create();
    await executor.sendTools([ping]);
    const trivial = subject.language === "python" ? "x = 1" : "x = 1";
    await timeEach(200, () => executor.run(trivial));
    const runs = quick ? 1000 : 5000;
    log(`${subject.name}: ${runs} warm runs`);
    const warm = await timeEach(runs, () => executor.run(trivial));
    rows.push(row(`${subject.name}: warm trivial run, p50 (${runs} runs)`, percentile(warm, 50), "ms", { max: 0.1 }));
    rows.push(row(`${subject.name}: warm trivial run, p99`, percentile(warm, 99), "ms"));

    const calls = quick ? 500 : 2000;
    const perCall = [];
    for (let repeat = 0; repeat < 5; repeat++) {
      const started = now();
      const result = await executor.run(TOOL_LOOP[subject.language](calls));
      if (result.error) throw new Error(`${subject.name} tool loop failed: ${result.error.type}: ${result.error.message}`);
      perCall.push((now() - started) / calls);
    }
    rows.push(row(`${subject.name}: tool call round trip, per call (${calls} calls in one run, median of 5)`, median(perCall), "ms", { max: 0.03 }));

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
    const count = quick ? 20 : 100;
    const before = residentMb();
    const live = [];
    for (let index = 0; index < count; index++) {
      const sandbox = subject.create();
      await sandbox.run("1");
      live.push(sandbox);
    }
    const perSandbox = Math.max((residentMb() - before) / count, 0.01);
    rows.push(row(`${subject.name}: resident memory per live sandbox (host RSS growth over ${count} sandboxes)`, perSandbox, "MB"));
    rows.push(row(`${subject.name}: sandboxes that fit in 4 GB`, Math.floor(4096 / perSandbox), "sandboxes"));
    await Promise.all(live.map((sandbox) => sandbox.close()));
  }
  return rows;
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
