/**
 * Tracing from events: real runs (QuickJS sandbox, scripted models) recorded by an in-memory
 * exporter, then read back as a tree of spans with their OpenInference attributes.
 */
import { SemanticConventions as SC } from "@arizeai/openinference-semantic-conventions";
import { SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, expect, test } from "vitest";
import { z } from "zod";

import { CodeAgent } from "../src/agents/code-agent.js";
import { messageText } from "../src/models/model.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { instrumentAgent } from "../src/telemetry/index.js";
import { messageDelta } from "../src/telemetry/new-messages.js";
import { inputMessages, MAX_INPUT_MESSAGES, OMITTED_INPUT_MESSAGES } from "../src/telemetry/openinference-attributes.js";
import { tool } from "../src/tools/tool.js";

const capitalOf = tool({
  name: "capital_of",
  description: "The capital city of a country.",
  inputSchema: z.object({ country: z.string() }),
  execute: ({ country }) => ({ France: "Paris", Italy: "Rome" })[country] ?? "unknown",
});

const toClose: CodeAgent[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((agent) => agent.close()));
});

function recorder(): { tracer: Tracer; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer("test"), spans: () => exporter.getFinishedSpans() };
}

function agent(options: ConstructorParameters<typeof CodeAgent>[0]): CodeAgent {
  const created = new CodeAgent({ executor: "quickjs", ...options });
  toClose.push(created);
  return created;
}

/** The tree of spans as names, children indented under their parent, in start order. */
function outline(spans: ReadableSpan[]): string[] {
  const byStart = [...spans].sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
  const lines: string[] = [];
  const visit = (parentId: string | undefined, indent: string) => {
    for (const span of byStart.filter((candidate) => candidate.parentSpanContext?.spanId === parentId)) {
      lines.push(`${indent}${span.name}`);
      visit(span.spanContext().spanId, `${indent}  `);
    }
  };
  visit(undefined, "");
  return lines;
}

function hrMs([seconds, nanos]: [number, number]): number {
  return seconds * 1e3 + nanos / 1e6;
}

function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
}

test("a run is a tree: run > steps > model call and code execution > tool calls, with OpenInference attributes", async () => {
  const { tracer, spans } = recorder();
  const model = new ScriptedModel(
    [
      '<code>\nconst city = capital_of({ country: "France" });\nconsole.log(city);\nnull.oops;\n</code>',
      '<code>\nfinal_answer(capital_of({ country: "Italy" }));\n</code>',
    ],
    { tokenUsage: () => ({ inputTokens: 120, outputTokens: 30, cacheReadTokens: 100 }) },
  );
  const capitals = agent({ model, tools: [capitalOf], name: "capitals", description: "Knows capitals." });
  instrumentAgent(capitals, { tracer });

  const result = await capitals.run("Capitals of France and Italy?");
  expect(result.output).toBe("Rome");

  const recorded = spans();
  expect(outline(recorded)).toEqual([
    "capitals",
    "  step 1",
    "    model call",
    "    code execution",
    "      capital_of",
    "  step 2",
    "    model call",
    "    code execution",
    "      capital_of",
  ]);
  const run = only(recorded, "capitals");
  expect(run.attributes[SC.OPENINFERENCE_SPAN_KIND]).toBe("AGENT");
  expect(run.attributes[SC.INPUT_VALUE]).toBe("Capitals of France and Italy?");
  expect(run.attributes[SC.OUTPUT_VALUE]).toBe("Rome");
  expect(run.attributes[SC.LLM_TOKEN_COUNT_PROMPT]).toBe(240);
  expect(run.status.code).toBe(SpanStatusCode.OK);

  const [firstCall] = recorded.filter((span) => span.name === "model call");
  expect(firstCall!.attributes[SC.OPENINFERENCE_SPAN_KIND]).toBe("LLM");
  expect(firstCall!.attributes[SC.LLM_MODEL_NAME]).toBe(model.modelId);
  expect(firstCall!.attributes[`${SC.LLM_OUTPUT_MESSAGES}.0.${SC.MESSAGE_ROLE}`]).toBe("assistant");
  expect(String(firstCall!.attributes[`${SC.LLM_OUTPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`])).toContain('capital_of({ country: "France" })');
  expect(firstCall!.attributes[SC.LLM_TOKEN_COUNT_PROMPT]).toBe(120);
  // What the model was sent: the system prompt, then the task; the second call also sees the first step's error.
  expect(firstCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_ROLE}`]).toBe("system");
  expect(firstCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`]).toBe(capitals.systemPrompt());
  expect(firstCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.1.${SC.MESSAGE_ROLE}`]).toBe("user");
  expect(firstCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.1.${SC.MESSAGE_CONTENT}`]).toContain("Capitals of France and Italy?");
  const secondCall = recorded.filter((span) => span.name === "model call")[1]!;
  const secondInput = Object.entries(secondCall.attributes).filter(([key]) => key.startsWith(SC.LLM_INPUT_MESSAGES)).map(([, value]) => String(value));
  expect(secondInput.join("\n")).toContain("TypeError");
  // Only what the first call had not sent: its reply and what the code did.
  expect(secondInput.length).toBe(2 * (model.calls[1]!.messages.length - model.calls[0]!.messages.length));
  expect(secondCall.attributes[OMITTED_INPUT_MESSAGES]).toBe(model.calls[0]!.messages.length);
  expect(firstCall!.attributes[OMITTED_INPUT_MESSAGES]).toBeUndefined();
  expect(firstCall!.attributes[SC.LLM_TOKEN_COUNT_COMPLETION]).toBe(30);
  expect(firstCall!.attributes[SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ]).toBe(100);

  const [france, italy] = recorded.filter((span) => span.name === "capital_of");
  expect(france!.attributes[SC.OPENINFERENCE_SPAN_KIND]).toBe("TOOL");
  expect(france!.attributes[SC.TOOL_NAME]).toBe("capital_of");
  expect(JSON.parse(String(france!.attributes[SC.INPUT_VALUE]))).toEqual({ args: [{ country: "France" }], kwargs: {} });
  expect(france!.attributes[SC.OUTPUT_VALUE]).toBe("Paris");
  expect(italy!.attributes[SC.OUTPUT_VALUE]).toBe("Rome");

  // The first step's code failed after printing: the error is on its code execution, the logs an event there.
  const [failedCode, answerCode] = recorded.filter((span) => span.name === "code execution");
  expect(failedCode!.attributes[SC.INPUT_VALUE]).toContain("null.oops");
  expect(failedCode!.status.code).toBe(SpanStatusCode.ERROR);
  expect(failedCode!.status.message).toMatch(/null/i);
  expect(failedCode!.events.find((event) => event.name === "exception")?.attributes?.["exception.type"]).toBe("TypeError");
  expect(failedCode!.events.find((event) => event.name === "logs")?.attributes?.["codeagent.logs"]).toContain("Paris");
  expect(answerCode!.status.code).toBe(SpanStatusCode.UNSET);
  // Every span ended inside its parent's time.
  for (const span of recorded) expect(span.ended).toBe(true);
});

test("a managed agent's run nests under the manager's tool call that started it", async () => {
  const { tracer, spans } = recorder();
  const researcher = agent({
    model: new ScriptedModel(['<code>\nfinal_answer(capital_of({ country: "France" }));\n</code>']),
    tools: [capitalOf],
    name: "researcher",
    description: "Looks up capitals.",
  });
  const manager = agent({
    model: new ScriptedModel(['<code>\nfinal_answer(researcher({ task: "Capital of France?" }));\n</code>']),
    managedAgents: [researcher],
    name: "manager",
    description: "Delegates.",
  });
  instrumentAgent(manager, { tracer });

  expect(await manager.run("Ask the researcher.")).toMatchObject({ state: "success", output: "Paris" });
  const recorded = spans();
  expect(outline(recorded)).toEqual([
    "manager",
    "  step 1",
    "    model call",
    "    code execution",
    "      researcher",
    "        researcher",
    "          step 1",
    "            model call",
    "            code execution",
    "              capital_of",
  ]);
  const [call, nestedRun] = recorded.filter((span) => span.name === "researcher").sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
  expect(call!.attributes[SC.OPENINFERENCE_SPAN_KIND]).toBe("TOOL");
  expect(nestedRun!.attributes[SC.OPENINFERENCE_SPAN_KIND]).toBe("AGENT");
  expect(nestedRun!.attributes[SC.INPUT_VALUE]).toBe("Capital of France?");
  // The researcher's own model call shows what it was sent, though its events came through the manager.
  const [managerCall, researcherCall] = recorded.filter((span) => span.name === "model call").sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
  expect(String(managerCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.1.${SC.MESSAGE_CONTENT}`])).toContain("Ask the researcher.");
  expect(String(researcherCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.1.${SC.MESSAGE_CONTENT}`])).toContain("Capital of France?");
  expect(researcherCall!.attributes[`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`]).toBe(researcher.systemPrompt());
  expect(call!.attributes[SC.OUTPUT_VALUE]).toBe("Paris");
  // One trace for the whole run.
  expect(new Set(recorded.map((span) => span.spanContext().traceId)).size).toBe(1);
});

test("a run that throws (its model cannot answer) ends every open span with the error", async () => {
  const { tracer, spans } = recorder();
  const silent = agent({ model: new ScriptedModel([]) });
  instrumentAgent(silent, { tracer });

  await expect(silent.run("Say something.")).rejects.toThrow();
  const recorded = spans();
  expect(outline(recorded)).toEqual(["CodeAgent", "  step 1"]);
  for (const span of recorded) {
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.some((event) => event.name === "exception")).toBe(true);
  }
});

test("a run that runs out of steps is an error on its span; stopping the listener stops recording", async () => {
  const { tracer, spans } = recorder();
  const wandering = agent({ model: new ScriptedModel(["<code>\n1 + 1\n</code>", "My best guess."]), maxSteps: 1 });
  const stop = instrumentAgent(wandering, { tracer });

  expect((await wandering.run("Think.")).state).toBe("max_steps_error");
  const run = only(spans(), "CodeAgent");
  expect(run.status).toMatchObject({ code: SpanStatusCode.ERROR, message: "The run ran out of steps." });
  expect(outline(spans())).toEqual(["CodeAgent", "  step 1", "    model call", "    code execution", "  final answer", "    model call"]);

  stop();
  const before = spans().length;
  const again = agent({ model: new ScriptedModel(["<code>\nfinal_answer(1)\n</code>"]) });
  instrumentAgent(again, { tracer })();
  await again.run("Once more.");
  expect(spans()).toHaveLength(before);
});

test("without a tracer provider a run starts one span that records nothing, and nothing else", async () => {
  let started = 0;
  const noop = trace.getTracer("codeagent-test");
  const counting: Tracer = {
    startSpan: (...args: Parameters<Tracer["startSpan"]>) => (started++, noop.startSpan(...args)),
    startActiveSpan: noop.startActiveSpan.bind(noop),
  };
  const quiet = agent({ model: new ScriptedModel(['<code>\nfinal_answer(capital_of({ country: "Italy" }));\n</code>']), tools: [capitalOf] });
  instrumentAgent(quiet, { tracer: counting });
  instrumentAgent(quiet);

  expect((await quiet.run("Capital of Italy?")).output).toBe("Rome");
  expect(started).toBe(1);
});

test("a refused approval is an event on the tool call's span, which ends with the refusal as its error", async () => {
  const { tracer, spans } = recorder();
  const removeFile = tool({
    name: "remove_file",
    description: "Removes a file.",
    inputSchema: z.object({ path: z.string() }),
    needsApproval: true,
    execute: () => "removed",
  });
  const careful = agent({
    model: new ScriptedModel(['<code>\nlet outcome;\ntry { outcome = remove_file({ path: "/etc/hosts" }); } catch (error) { outcome = String(error); }\nfinal_answer(outcome);\n</code>']),
    tools: [removeFile],
    onApproval: () => "not that file",
  });
  instrumentAgent(careful, { tracer });

  expect(String((await careful.run("Tidy up.")).output)).toContain("not that file");
  const call = only(spans(), "remove_file");
  expect(call.events.map((event) => event.name)).toEqual(["approval requested", "approval decided", "exception"]);
  expect(call.events[1]!.attributes).toMatchObject({ "codeagent.approval.approved": false, "codeagent.approval.reason": "not that file" });
  expect(call.status.code).toBe(SpanStatusCode.ERROR);
  expect(call.status.message).toContain("not that file");
});

test("a listener that throws in any hook never changes a run: it succeeds, streams to the end, or fails with its own error", async () => {
  const broken = {
    onEvent: () => {
      throw new Error("listener broke on an event");
    },
    onFailure: () => {
      throw new Error("listener broke on a failure");
    },
    onModelRequest: () => {
      throw new Error("listener broke on a model request");
    },
  };
  const answering = agent({ model: new ScriptedModel(['<code>\nconsole.log("hi");\nfinal_answer(1);\n</code>']) });
  answering.addRunListener(broken);
  const result = await answering.run("Answer.");
  expect(result.state).toBe("success");
  expect(result.output).toBe(1);

  const streaming = agent({ model: new ScriptedModel(["<code>\nfinal_answer(2);\n</code>"]) });
  streaming.addRunListener(broken);
  const types: string[] = [];
  for await (const event of streaming.stream("Answer.")) types.push(event.type);
  expect(types.at(-1)).toBe("run-finish");

  const silent = agent({ model: new ScriptedModel([]) });
  silent.addRunListener(broken);
  await expect(silent.run("Say something.")).rejects.not.toThrow(/listener broke/);
});

test("a tracer whose startSpan or span.end throws does not break the run", async () => {
  const real = recorder().tracer;
  for (const where of ["start", "end"] as const) {
    const tracer = {
      startSpan: (...args: Parameters<Tracer["startSpan"]>) => {
        if (where === "start") throw new Error("tracer broke on startSpan");
        const span = real.startSpan(...args);
        span.end = () => {
          throw new Error("span processor broke on end");
        };
        return span;
      },
      startActiveSpan: real.startActiveSpan.bind(real),
    } as Tracer;
    const answering = agent({ model: new ScriptedModel(["<code>\nfinal_answer(3);\n</code>"]) });
    instrumentAgent(answering, { tracer });
    expect((await answering.run("Answer.")).output).toBe(3);

    const silent = agent({ model: new ScriptedModel([]) });
    instrumentAgent(silent, { tracer });
    await expect(silent.run("Say something.")).rejects.not.toThrow(/broke/);
  }
});

test("each attribute value is bounded, with a marker saying how much was cut", async () => {
  const { tracer, spans } = recorder();
  const huge = tool({ name: "huge", description: "A long text.", inputSchema: z.object({}), execute: () => "x".repeat(100_000) });
  const model = new ScriptedModel(['<code>\nconst text = huge({});\nconsole.log("y".repeat(100000));\nfinal_answer(text.length);\n</code>']);
  const long = agent({ model, tools: [huge], instructions: "z".repeat(50_000) });
  instrumentAgent(long, { tracer });
  expect((await long.run("Go.")).output).toBe(100_000);

  const recorded = spans();
  const toolSpan = only(recorded, "huge");
  const result = toolSpan.attributes[SC.OUTPUT_VALUE] as string;
  expect(result.length).toBeLessThan(33_000);
  expect(result).toMatch(/… \[67232 more characters cut by codeagent's tracing\]$/);
  const system = only(recorded, "model call").attributes[`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`] as string;
  expect(system.length).toBeLessThan(33_000);
  expect(system).toContain("more characters cut");
  const logs = only(recorded, "code execution").events.find((event) => event.name === "logs")!.attributes!["codeagent.logs"] as string;
  expect(logs.length).toBeLessThan(33_000);
  expect(logs).toContain("more characters cut");
});

/** A model call's `llm.input_messages` as role: text lines, in index order. */
function inputMessagesOf(span: ReadableSpan): string[] {
  const lines: string[] = [];
  for (let index = 0; span.attributes[`${SC.LLM_INPUT_MESSAGES}.${index}.${SC.MESSAGE_ROLE}`] !== undefined; index++) {
    lines.push(`${span.attributes[`${SC.LLM_INPUT_MESSAGES}.${index}.${SC.MESSAGE_ROLE}`]}: ${span.attributes[`${SC.LLM_INPUT_MESSAGES}.${index}.${SC.MESSAGE_CONTENT}`]}`);
  }
  return lines;
}

test("a run's first model call records every message; later calls only the messages added since the call before, saying how many they leave out", async () => {
  const { tracer, spans } = recorder();
  const model = new ScriptedModel([
    '<code>\nconsole.log("one");\n</code>',
    '<code>\nconsole.log("two");\n</code>',
    "<code>\nfinal_answer(3);\n</code>",
    "<code>\nfinal_answer(4);\n</code>",
  ]);
  const counting = agent({ model });
  instrumentAgent(counting, { tracer });
  await counting.run("Count.");
  // A second run that continues the first: its first call is recorded whole again.
  await counting.run("Once more.", { reset: false });

  const calls = spans().filter((span) => span.name === "model call").sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
  expect(calls).toHaveLength(4);
  const sent = model.calls.map((call) => call.messages.map((message) => `${message.role}: ${messageText(message.content)}`));
  expect(inputMessagesOf(calls[0]!)).toEqual(sent[0]);
  expect(inputMessagesOf(calls[1]!)).toEqual(sent[1]!.slice(sent[0]!.length));
  expect(inputMessagesOf(calls[1]!).join("\n")).toContain("one");
  expect(inputMessagesOf(calls[1]!)).toHaveLength(2);
  expect(calls[1]!.attributes[OMITTED_INPUT_MESSAGES]).toBe(sent[0]!.length);
  expect(inputMessagesOf(calls[2]!)).toEqual(sent[2]!.slice(sent[1]!.length));
  expect(calls[2]!.attributes[OMITTED_INPUT_MESSAGES]).toBe(sent[1]!.length);
  expect(inputMessagesOf(calls[3]!)).toEqual(sent[3]);
  expect(calls[3]!.attributes[OMITTED_INPUT_MESSAGES]).toBeUndefined();
  // Summed over the run, the spans hold each message once, not the history once per call.
  const recordedCount = calls.slice(0, 3).reduce((total, call) => total + inputMessagesOf(call).length, 0);
  expect(recordedCount).toBe(sent[2]!.length);
});

test("messages that do not begin with the previous call's (memory rewritten) are all recorded", () => {
  const system = { role: "system", content: "You are an agent." } as const;
  const task = { role: "user", content: "Task." } as const;
  const reply = { role: "assistant", content: "Thinking." } as const;
  const summary = { role: "user", content: "Summary of earlier steps." } as const;
  expect(messageDelta(undefined, [system, task])).toEqual({ omitted: 0, added: [system, task] });
  expect(messageDelta([system, task], [system, { ...task }, reply])).toEqual({ omitted: 2, added: [reply] });
  expect(messageDelta([system, task, reply], [system, summary])).toEqual({ omitted: 0, added: [system, summary] });
  expect(messageDelta([system, task], [system, summary, reply])).toEqual({ omitted: 0, added: [system, summary, reply] });
});

test("a model call lists at most its newest 100 messages, counting the others as omitted", () => {
  const messages = Array.from({ length: MAX_INPUT_MESSAGES + 30 }, (_, index) => ({ role: "user" as const, content: `message ${index}` }));
  const attributes = inputMessages(messages, 5);
  expect(attributes[`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`]).toBe("message 30");
  expect(attributes[`${SC.LLM_INPUT_MESSAGES}.${MAX_INPUT_MESSAGES - 1}.${SC.MESSAGE_CONTENT}`]).toBe(`message ${MAX_INPUT_MESSAGES + 29}`);
  expect(attributes[`${SC.LLM_INPUT_MESSAGES}.${MAX_INPUT_MESSAGES}.${SC.MESSAGE_CONTENT}`]).toBeUndefined();
  expect(attributes[OMITTED_INPUT_MESSAGES]).toBe(35);
  expect(inputMessages(messages.slice(0, 2))[OMITTED_INPUT_MESSAGES]).toBeUndefined();
});
