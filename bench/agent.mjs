// Benchmarks of the agent loop (CodeAgent), through the package's public API, with ScriptedModel
// standing in for the language model so only the loop, the sandbox and the prompts are measured:
// the system prompt's size, the loop's own time per step, the tokens a long run sends with and
// without a context budget, and 20 agents with their own sandboxes running at once.
import { z } from "zod";

import { CodeAgent, PyodideExecutor, ScriptedModel, tool } from "../dist/index.js";
import { hasProc, startMemorySampler } from "./proc.mjs";
import { row } from "./report.mjs";
import { median, now, percentile, timeEach } from "./stats.mjs";

/** smolagents' CodeAgent system prompt with two small tools, in characters. */
const SMOLAGENTS_PROMPT_CHARS = 8744;
/** smolagents' loop overhead per step with logs off, in milliseconds. */
const SMOLAGENTS_STEP_MS = 2.04;
const TRIVIAL = "x = 1";
const code = (body) => `<code>\n${body}\n</code>`;

const getWeather = tool({
  name: "get_weather",
  description: "Get the current weather in a city.",
  inputSchema: z.object({ city: z.string().describe("The city, e.g. 'Paris'.") }),
  outputSchema: z.string(),
  execute: async ({ city }) => `Sunny, 21°C in ${city}`,
});

const convertCurrency = tool({
  name: "convert_currency",
  description: "Convert an amount of money from one currency to another.",
  inputSchema: z.object({
    amount: z.number().describe("The amount to convert."),
    from_currency: z.string().describe("Currency code to convert from, e.g. 'EUR'."),
    to_currency: z.string().describe("Currency code to convert to, e.g. 'USD'."),
  }),
  outputSchema: z.number(),
  execute: async ({ amount, from_currency, to_currency }) => (from_currency === to_currency ? amount : Math.round(amount * 108) / 100),
});

const TOOLS = [getWeather, convertCurrency];

/**
 * Runs every agent benchmark and returns its rows. `options.quick` cuts the repetitions;
 * `options.log` receives progress lines.
 */
export async function benchAgent({ quick = false, log = () => {} } = {}) {
  const rows = [];
  const open = new Set();
  const track = (closable) => (open.add(closable), closable);
  try {
    // ------------------------------------------------------------ system prompt
    log("system prompt");
    const promptAgent = new CodeAgent({ model: new ScriptedModel([]), tools: TOOLS });
    const prompt = promptAgent.systemPrompt();
    rows.push(
      row("system prompt with two small tools", prompt.length, "chars", {
        max: SMOLAGENTS_PROMPT_CHARS / 2,
        note: `smolagents' CodeAgent: ${SMOLAGENTS_PROMPT_CHARS} chars with two small tools`,
      }),
    );
    rows.push(row("system prompt, estimated tokens (chars / 4)", Math.ceil(prompt.length / 4), "tokens"));
    rows.push(row("system prompt relative to smolagents' 8,744 chars", prompt.length / SMOLAGENTS_PROMPT_CHARS, "x"));

    // ------------------------------------------------------------ loop overhead per step
    log("loop overhead per step (200-step runs)");
    const executor = track(new PyodideExecutor());
    await executor.start();
    await PyodideExecutor.prewarm(1); // let the pool's refill finish so it does not compete for CPU
    await executor.sendTools(TOOLS);
    await timeEach(300, () => executor.run(TRIVIAL)); // warm-up
    const steps = 200;
    const repeats = quick ? 3 : 7;
    const executorTimes = await timeEach(quick ? 300 : 1000, () => executor.run(TRIVIAL));
    const streamed = await loopRuns(executor, { steps, repeats, streamOutputs: true, executorTimes });
    const plain = await loopRuns(executor, { steps, repeats, streamOutputs: false, executorTimes });
    const breakdown = await loopRuns(executor, { steps, repeats, streamOutputs: false, timed: true, executorTimes });
    const bareStreamed = await loopRuns(executor, { steps, repeats, streamOutputs: true, bare: true, executorTimes });
    const barePlain = await loopRuns(executor, { steps, repeats, streamOutputs: false, bare: true, executorTimes });
    const executorP50 = median(executorTimes);
    const executorMean = executorTimes.reduce((total, time) => total + time, 0) / executorTimes.length;

    rows.push(
      row(`executor.run("x = 1") called directly, p50 (${executorTimes.length} runs, same sandbox, same bench run)`, executorP50, "ms", {
        note: `mean ${executorMean.toFixed(3)} ms, p99 ${percentile(executorTimes, 99).toFixed(3)} ms, max ${Math.max(...executorTimes).toFixed(1)} ms`,
      }),
    );
    for (const [label, result] of [
      ["streamOutputs true", streamed],
      ["streamOutputs false", plain],
    ]) {
      rows.push(
        row(`${steps}-step scripted run, time per step (${label}, median of ${repeats} runs)`, result.perStepMs, "ms", {
          note:
            `runs: ${result.runs.map((t) => t.toFixed(0)).join(", ")} ms; one step (step callback to step callback) p50 ${result.stepP50.toFixed(3)} ms, ` +
            `p50 of steps 1-20 ${result.early.toFixed(3)} ms, of steps ${steps - 19}-${steps} ${result.late.toFixed(3)} ms, slowest ${result.slowest.toFixed(1)} ms`,
        }),
      );
      rows.push(
        row(`loop overhead per step: time per step - executor p50 (${label})`, result.perStepMs - executorP50, "ms", {
          max: 0.5,
          note: `smolagents: ${SMOLAGENTS_STEP_MS} ms per step with logs off; step p50 - executor p50 = ${(result.stepP50 - executorP50).toFixed(3)} ms`,
        }),
      );
      rows.push(
        row(`loop overhead per step, paired: (agent run - ${steps} direct runs just before) / ${steps} (${label}, median)`, result.pairedMs, "ms"),
      );
    }
    const ownWork = breakdown.perStepMs - breakdown.executorMs - breakdown.modelMs;
    rows.push(
      row("loop time per step outside model and executor (streamOutputs false, mean)", ownWork, "ms", {
        note:
          `per step (mean over ${repeats} runs): total ${breakdown.perStepMs.toFixed(3)} ms = executor.run inside the loop ${breakdown.executorMs.toFixed(3)} ms ` +
          `+ ScriptedModel.generate ${breakdown.modelMs.toFixed(3)} ms + the rest ${ownWork.toFixed(3)} ms; ` +
          `ScriptedModel.generate p50 at steps 1-20 ${breakdown.modelEarly.toFixed(3)} ms, at steps ${steps - 19}-${steps} ${breakdown.modelLate.toFixed(3)} ms (it clones every request)`,
      }),
    );
    rows.push(row("ScriptedModel.generate per step, inside that loop time (mean)", breakdown.modelMs, "ms"));
    rows.push(
      row("loop overhead per step with a minimal Model (no request recording), streamOutputs true", bareStreamed.perStepMs - executorP50, "ms", {
        note:
          `time per step ${bareStreamed.perStepMs.toFixed(3)} ms (runs ${bareStreamed.runs.map((t) => t.toFixed(0)).join(", ")} ms); ` +
          `streamOutputs false: overhead ${(barePlain.perStepMs - executorP50).toFixed(3)} ms, time per step ${barePlain.perStepMs.toFixed(3)} ms; ` +
          `paired overhead ${bareStreamed.pairedMs.toFixed(3)} ms (stream) and ${barePlain.pairedMs.toFixed(3)} ms (no stream)`,
      }),
    );

    // ------------------------------------------------------------ tokens sent in a long run
    log("tokens sent in a 50-step run, without and with a context budget");
    const budget = 4000;
    const unbounded = await tokenRun(executor, {});
    const bounded = await tokenRun(executor, { contextBudget: budget });
    rows.push(
      row("50-step run (~1.8 KB printed per step), tokens sent, no budget", unbounded.inputTokens, "tokens", {
        note: `largest request ${unbounded.peakRequest} tokens; observation ~${unbounded.observationChars} chars a step; run ${unbounded.wallMs.toFixed(0)} ms`,
      }),
    );
    rows.push(
      row(`50-step run, tokens sent, contextBudget ${budget}`, bounded.inputTokens, "tokens", {
        note: `largest request ${bounded.peakRequest} tokens (budget ${budget}); run ${bounded.wallMs.toFixed(0)} ms`,
      }),
    );
    rows.push(row("50-step run, tokens sent: no budget / budget", unbounded.inputTokens / bounded.inputTokens, "x"));
    rows.push(row(`50-step run, largest request with contextBudget ${budget}`, bounded.peakRequest, "tokens"));
    rows.push(
      row(`50-step run, contextBudget ${budget}: share of request text a prompt cache can serve (repeats the previous request's start)`, bounded.cacheableShare * 100, "%", {
        note: `${(bounded.appendOnlyShare * 100).toFixed(0)}% of requests only append to the previous one; without a budget ${(unbounded.cacheableShare * 100).toFixed(0)}%`,
      }),
    );
    rows.push(row(`50-step run wall time, contextBudget ${budget} / no budget`, bounded.wallMs / unbounded.wallMs, "x"));

    // The same with 200 steps: what fitting the budget costs the loop once many steps are old.
    log("200-step printing runs, without and with the budget (the loop's cost of condensing)");
    const longUnbounded = await tokenRun(executor, { steps: 200 });
    const longBounded = await tokenRun(executor, { steps: 200, contextBudget: budget });
    rows.push(
      row(`200-step printing run, one step at steps 181-200, contextBudget ${budget} (p50)`, longBounded.lateStepMs, "ms", {
        note:
          `without a budget ${longUnbounded.lateStepMs.toFixed(2)} ms; steps 1-20 ${longBounded.earlyStepMs.toFixed(2)} ms with the budget; ` +
          `whole run ${longBounded.wallMs.toFixed(0)} ms with the budget, ${longUnbounded.wallMs.toFixed(0)} ms without; ` +
          `tokens sent ${longBounded.inputTokens} with, ${longUnbounded.inputTokens} without (${(longUnbounded.inputTokens / longBounded.inputTokens).toFixed(1)}x)`,
      }),
    );
    rows.push(row("200-step printing run, whole run, contextBudget / no budget", longBounded.wallMs / longUnbounded.wallMs, "x"));

    await executor.close();
    open.delete(executor);

    // ------------------------------------------------------------ tasks back to back
    // Each new task resets the sandbox, which now means a fresh one from the pool: this is what a
    // user waits for between tasks, with the pool's spare ready or still warming up.
    log("one-step tasks back to back on one agent (each resets: a fresh sandbox)");
    rows.push(...(await backToBackTasks(quick ? 3 : 6)));

    // ------------------------------------------------------------ 20 concurrent agents
    log("20 concurrent agents, each with its own sandbox");
    await PyodideExecutor.drainPool();
    const concurrent = await concurrentAgents(20, track);
    rows.push(
      row("20 concurrent agents (own sandbox each, 3 steps, 2 tool calls): finished right", concurrent.finished, "of 20", {
        min: 20,
        note: concurrent.failures.length > 0 ? `failures: ${concurrent.failures.slice(0, 3).join(" | ")}` : undefined,
      }),
    );
    rows.push(
      row("20 concurrent agents: wall time, start to all finished", concurrent.wallMs, "ms", {
        note:
          `sandbox up with tools (run-start): first ${Math.min(...concurrent.ready).toFixed(0)} ms, p50 ${median(concurrent.ready).toFixed(0)} ms, last ${Math.max(...concurrent.ready).toFixed(0)} ms; ` +
          `per agent run: p50 ${median(concurrent.durations).toFixed(0)} ms, max ${Math.max(...concurrent.durations).toFixed(0)} ms`,
      }),
    );
    if (concurrent.memory) {
      const memory = concurrent.memory;
      rows.push(
        row("20 concurrent agents: peak memory, host RSS + sandbox processes' RSS", memory.totalKb / 1024, "MB", {
          note:
            `at the peak: host ${(memory.hostKb / 1024).toFixed(0)} MB, ${memory.children} child processes (${memory.deno} deno) ${(memory.childrenKb / 1024).toFixed(0)} MB; ` +
            `largest host RSS ${(memory.maxHostKb / 1024).toFixed(0)} MB; most child processes ${memory.maxChildren}; ${memory.samples} samples`,
        }),
      );
      rows.push(row("20 concurrent agents: peak memory per agent", memory.totalKb / 1024 / 20, "MB"));
    } else {
      rows.push(row("20 concurrent agents: peak memory", NaN, "MB", { note: "needs Linux /proc" }));
    }
  } finally {
    await Promise.all([...open].map((closable) => closable.close()));
    open.clear();
    await PyodideExecutor.drainPool();
  }
  return rows;
}

/**
 * `repeats` runs (after one warm-up) of a `steps`-step scripted agent on `executor`, each step
 * trivial code and the last one `final_answer`. Before each run, `steps` direct
 * `executor.run("x = 1")` calls are timed (added to `executorTimes`), so each agent run has a
 * direct-run batch taken under the same machine conditions beside it. `timed` wraps the model and
 * the executor to time the calls into them (a thin delegate; not used for the headline figures).
 * `bare` uses {@link minimalModel} instead of ScriptedModel.
 */
async function loopRuns(executor, { steps, repeats, streamOutputs, executorTimes, timed = false, bare = false }) {
  const runs = [];
  const paired = [];
  const stepTimes = [];
  const modelCallTimes = [];
  let modelMs = 0;
  let executorMs = 0;
  for (let index = 0; index <= repeats; index++) {
    const direct = await timeEach(steps, () => executor.run(TRIVIAL));
    const replies = [...Array.from({ length: steps - 1 }, () => code(TRIVIAL)), code("final_answer(1)")];
    const scripted = new ScriptedModel(replies);
    const callTimes = [];
    let executorTime = 0;
    let model = bare ? minimalModel(replies) : scripted;
    let runExecutor = executor;
    if (timed) {
      model = {
        modelId: scripted.modelId,
        async generate(messages, options) {
          const start = now();
          try {
            return await scripted.generate(messages, options);
          } finally {
            callTimes.push(now() - start);
          }
        },
      };
      runExecutor = {
        language: executor.language,
        sendTools: (tools) => executor.sendTools(tools),
        sendVariables: (variables) => executor.sendVariables(variables),
        reset: () => executor.reset(),
        close: async () => {},
        async run(source, options) {
          const start = now();
          try {
            return await executor.run(source, options);
          } finally {
            executorTime += now() - start;
          }
        },
      };
    }
    const marks = [];
    const agent = new CodeAgent({
      model,
      tools: TOOLS,
      executor: runExecutor,
      maxSteps: steps,
      streamOutputs,
      stepCallbacks: { action: [() => void marks.push(now())] },
    });
    const start = now();
    // The agent is new, so its memory is empty: reset: false keeps the warm sandbox, so this
    // measures the loop, not the fresh sandbox a reset takes (measured on its own below).
    const result = await agent.run("Set x to 1, again and again, then answer 1.", { reset: false });
    const wall = now() - start;
    if (result.state !== "success" || result.output !== 1 || result.steps.filter((step) => step.type === "action").length !== steps) {
      throw new Error(`scripted ${steps}-step run ended ${result.state} with ${JSON.stringify(result.output)}`);
    }
    if (!bare && scripted.remaining !== 0) throw new Error(`scripted run left ${scripted.remaining} replies unused`);
    await agent.close();
    if (index === 0) continue; // warm-up
    executorTimes.push(...direct);
    runs.push(wall);
    paired.push((wall - direct.reduce((total, time) => total + time, 0)) / steps);
    stepTimes.push(marks.map((mark, step) => mark - (step === 0 ? start : marks[step - 1])));
    modelCallTimes.push(callTimes);
    modelMs += callTimes.reduce((total, time) => total + time, 0);
    executorMs += executorTime;
  }
  const allSteps = stepTimes.flat();
  const result = {
    runs,
    perStepMs: median(runs) / steps,
    pairedMs: median(paired),
    stepP50: median(allSteps),
    early: median(stepTimes.flatMap((times) => times.slice(0, 20))),
    late: median(stepTimes.flatMap((times) => times.slice(-20))),
    slowest: Math.max(...allSteps),
  };
  if (timed) {
    const total = runs.reduce((sum, time) => sum + time, 0);
    Object.assign(result, {
      perStepMs: total / (repeats * steps),
      modelMs: modelMs / (repeats * steps),
      executorMs: executorMs / (repeats * steps),
      modelEarly: median(modelCallTimes.flatMap((times) => times.slice(0, 20))),
      modelLate: median(modelCallTimes.flatMap((times) => times.slice(-20))),
    });
  }
  return result;
}

/**
 * The least a Model can do: hand out the next reply, with a fixed token count. Unlike
 * ScriptedModel it neither clones and keeps every request nor counts the characters sent, so a
 * loop run with it shows the agent's own overhead without the stand-in model's bookkeeping.
 */
function minimalModel(replies) {
  let next = 0;
  const usage = { inputTokens: 1, outputTokens: 1 };
  return {
    modelId: "minimal",
    async generate() {
      return { role: "assistant", content: replies[next++], tokenUsage: usage };
    },
    async *generateStream() {
      yield { content: replies[next++] };
      yield { tokenUsage: usage };
    },
  };
}

/**
 * A `steps`-step scripted run whose steps each print about 1.8 KB (45 lines, different every
 * step), the last one `final_answer`: the tokens it sends, summed over the model calls.
 */
async function tokenRun(executor, { steps = 50, contextBudget }) {
  const printing = (step) => code(`for i in range(45):\n    print(f"step ${step} row {i:02d}: value = {i * i * ${step}:>10} units")`);
  const replies = [...Array.from({ length: steps - 1 }, (_, index) => printing(index + 1)), code('final_answer("done")')];
  const scripted = new ScriptedModel(replies);
  const marks = [];
  const agent = new CodeAgent({
    model: scripted,
    tools: TOOLS,
    executor,
    maxSteps: steps,
    ...(contextBudget ? { contextBudget } : {}),
    stepCallbacks: { action: [() => void marks.push(now())] },
  });
  const start = now();
  const result = await agent.run("Print the table for each step, then answer done.", { reset: false }); // a new agent: measures the loop, not a fresh sandbox
  const wallMs = now() - start;
  await agent.close();
  if (result.state !== "success" || result.output !== "done") throw new Error(`token run ended ${result.state} with ${JSON.stringify(result.output)}`);
  const actions = result.steps.filter((step) => step.type === "action");
  const requests = actions.map((step) => step.tokenUsage?.inputTokens ?? 0);
  if (scripted.calls.length !== steps) throw new Error(`token run made ${scripted.calls.length} model calls, expected ${steps}`);
  const stepTimes = marks.map((mark, step) => mark - (step === 0 ? start : marks[step - 1]));
  // How much of each request repeats the previous one from its start: what a provider's prompt
  // cache can serve (characters of message text, a stand-in for tokens).
  const texts = scripted.calls.map((call) => call.messages.map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content))));
  let reusable = 0;
  let sent = 0;
  let appendOnly = 0;
  texts.forEach((messages, index) => {
    sent += messages.join("").length;
    if (index === 0) return;
    const previous = texts[index - 1];
    let same = 0;
    while (same < previous.length && same < messages.length && previous[same] === messages[same]) same++;
    if (same === previous.length) appendOnly++;
    reusable += messages.slice(0, same).join("").length;
  });
  return {
    cacheableShare: reusable / sent,
    appendOnlyShare: appendOnly / (texts.length - 1),
    inputTokens: result.tokenUsage.inputTokens,
    peakRequest: Math.max(...requests),
    observationChars: actions[0]?.observations?.length ?? 0,
    wallMs,
    earlyStepMs: median(stepTimes.slice(0, 20)),
    lateStepMs: median(stepTimes.slice(-20)),
  };
}

/**
 * `count` agents at once, each with its own sandbox (the default executor) and its own script:
 * weather, then a conversion, then a final answer built from both. Memory is sampled meanwhile.
 */
async function concurrentAgents(count, track) {
  const sampler = hasProc() ? startMemorySampler(100) : undefined;
  const agents = [];
  const durations = [];
  const ready = [];
  const failures = [];
  let finished = 0;
  let memory;
  let wallMs;
  const start = now();
  try {
    await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const city = `City${index}`;
        const amount = 100 + index;
        const model = new ScriptedModel([
          `Thought: the weather first.\n${code(`w = get_weather(city="${city}")\nprint(w)`)}`,
          `Thought: now the money.\n${code(`r = convert_currency(amount=${amount}, from_currency="EUR", to_currency="USD")\nprint(r)`)}`,
          `Thought: done.\n${code('final_answer(f"{w}; {r}")')}`,
        ]);
        const agent = track(new CodeAgent({ model, tools: TOOLS, maxSteps: 5 }));
        agents.push(agent);
        const expected = `Sunny, 21°C in ${city}; ${Math.round(amount * 108) / 100}`;
        const agentStart = now();
        try {
          let result;
          for await (const event of agent.stream(`What is the weather in ${city}, and ${amount} EUR in USD?`)) {
            // run-start comes once the agent's sandbox is up and has its tools.
            if (event.type === "run-start") ready.push(now() - start);
            if (event.type === "run-finish") result = event.result;
          }
          durations.push(now() - agentStart);
          if (result.state === "success" && result.output === expected) finished++;
          else failures.push(`agent ${index}: ${result.state} ${JSON.stringify(result.output).slice(0, 200)}`);
        } catch (error) {
          durations.push(now() - agentStart);
          failures.push(`agent ${index}: ${error?.message ?? error}`);
        }
      }),
    );
  } finally {
    wallMs = now() - start;
    memory = sampler?.stop();
  }
  await Promise.all(agents.map((agent) => agent.close()));
  return { finished, failures, wallMs, durations, ready, memory };
}

/**
 * `count` one-step tasks on one agent, back to back (each with the default reset), then the same
 * with a pause before each that lets the pool's spare get ready: the first is the worst case a
 * user meets, the second the usual one.
 */
async function backToBackTasks(count) {
  const agent = new CodeAgent({ model: new ScriptedModel(Array.from({ length: 2 * count + 1 }, () => code("final_answer(1)"))), tools: TOOLS });
  try {
    await agent.run("Answer 1.");
    const rushed = [];
    for (let index = 0; index < count; index++) {
      const start = now();
      await agent.run("Answer 1.");
      rushed.push(now() - start);
    }
    const paced = [];
    for (let index = 0; index < count; index++) {
      await PyodideExecutor.prewarm(1);
      const start = now();
      await agent.run("Answer 1.");
      paced.push(now() - start);
    }
    const list = (times) => times.map((time) => time.toFixed(0)).join(", ");
    return [
      row(`one-step task right after another (reset: a fresh sandbox; the spare may still be warming up), median of ${count}`, median(rushed), "ms", { note: `all: ${list(rushed)} ms` }),
      row(`one-step task after the pool's spare is ready (reset: a fresh sandbox), median of ${count}`, median(paced), "ms", { note: `all: ${list(paced)} ms` }),
    ];
  } finally {
    await agent.close();
  }
}
