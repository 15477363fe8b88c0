/**
 * `codeagent "<task>" --otel`: a real run (local OpenAI-compatible model server, QuickJS sandbox)
 * whose spans arrive over OTLP/HTTP at a receiver this test starts, as at a collector.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect, test } from "vitest";

import { runCli } from "../src/cli/run-cli.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";
import { capture } from "./fixtures/cli/run-cli-captured.js";

const modelServer = modelServerForThisFile();

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
}
interface OtlpSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

/** What a collector received: the path and JSON body of each POST. */
const received: { path: string; contentType: string | undefined; body: OtlpExport }[] = [];
let collector: Server;
let collectorUrl: string;

beforeAll(async () => {
  collector = createServer((request, response) => {
    let text = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", contentType: request.headers["content-type"], body: JSON.parse(text) as OtlpExport });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
});

function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((candidate) => candidate.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
}

test("--otel sends the run's spans to OTEL_EXPORTER_OTLP_ENDPOINT before the command ends", async () => {
  modelServer().enqueue(
    { kind: "reply", text: "<code>\nconsole.log(6 * 7);\n</code>" },
    { kind: "reply", text: "<code>\nfinal_answer(42);\n</code>" },
  );
  const run = capture({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_SERVICE_NAME: "otel-test" });
  const code = await runCli(["What is 6 x 7?", "--otel", "--executor", "quickjs", "--model", "openai:test-model", "--base-url", modelServer().baseURL], run.io);
  expect(run.stderr()).toBe("");
  expect(code).toBe(0);

  expect(received.length).toBeGreaterThan(0);
  expect(received.every((post) => post.path === "/v1/traces" && post.contentType?.startsWith("application/json"))).toBe(true);
  const resources = received.flatMap((post) => post.body.resourceSpans);
  expect(resources[0]!.resource.attributes.find((entry) => entry.key === "service.name")?.value.stringValue).toBe("otel-test");
  const spans = resources.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
  expect(spans.map((span) => span.name).sort()).toEqual(["CodeAgent", "code execution", "code execution", "model call", "model call", "step 1", "step 2"]);

  const root = spans.find((span) => span.name === "CodeAgent")!;
  expect(root.parentSpanId ?? "").toBe("");
  expect(attribute(root, "openinference.span.kind")).toBe("AGENT");
  expect(attribute(root, "output.value")).toBe("42");
  const steps = spans.filter((span) => span.name.startsWith("step "));
  expect(steps.every((step) => step.parentSpanId === root.spanId)).toBe(true);
  const modelCalls = spans.filter((span) => span.name === "model call");
  expect(modelCalls.every((call) => steps.some((step) => step.spanId === call.parentSpanId))).toBe(true);
  expect(attribute(modelCalls[0]!, "llm.model_name")).toBe("test-model");
  expect(attribute(modelCalls[0]!, "llm.output_messages.0.message.content")).toContain("console.log(6 * 7)");
});

test("without --otel nothing is sent; a collector that is not there is reported, and the run still succeeds", async () => {
  const before = received.length;
  modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer(1);\n</code>" });
  const quiet = capture({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl });
  expect(await runCli(["One.", "--executor", "quickjs", "--base-url", modelServer().baseURL], quiet.io)).toBe(0);
  expect(received.length).toBe(before);

  // A port nothing listens on: a server closed just now.
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
  const deadUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
  await new Promise((resolve) => gone.close(resolve));
  modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer(2);\n</code>" });
  const unheard = capture({ OTEL_EXPORTER_OTLP_ENDPOINT: deadUrl });
  const unheardCode = await runCli(["Two.", "--otel", "--executor", "quickjs", "--base-url", modelServer().baseURL], unheard.io);
  expect(unheardCode).toBe(0);
  expect(unheard.stderr()).toContain(`--otel: the spans could not be sent to ${deadUrl}/v1/traces`);
  expect(unheard.stderr()).toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
  expect(unheard.stderr().match(/--otel:/g)).toHaveLength(1);
  expect(unheard.stderr()).not.toContain("The run failed");
});

test("mcp-server --otel traces each run_agent call and sends the spans when the server stops", async () => {
  const before = received.length;
  modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('served');\n</code>" });
  const controller = new AbortController();
  const run = capture({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl }, { signal: controller.signal });
  const exit = runCli(["mcp-server", "--otel", "--port", "0", "--token", "otel-secret", "--executor", "quickjs", "--base-url", modelServer().baseURL], run.io);
  try {
    let url: string | undefined;
    for (const deadline = Date.now() + 30_000; url === undefined && Date.now() < deadline; ) {
      url = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(run.stderr())?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const client = new Client({ name: "test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url!), { requestInit: { headers: { Authorization: "Bearer otel-secret" } } }));
    const reply = await client.callTool({ name: "run_agent", arguments: { task: "Answer through MCP." } });
    expect(reply.structuredContent).toMatchObject({ output: "served", state: "success" });
    await client.close();
  } finally {
    controller.abort();
  }
  expect(await exit).toBe(130);
  const spans = received.slice(before).flatMap((post) => post.body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)));
  const runSpan = spans.find((span) => span.name === "CodeAgent");
  expect(runSpan && attribute(runSpan, "input.value")).toBe("Answer through MCP.");
  expect(spans.filter((span) => span.name === "code execution")).toHaveLength(1);
});

test("--otel is a flag of a task and of mcp-server only", async () => {
  const run = capture();
  expect(await runCli(["exec", "--otel", "1"], run.io)).toBe(2);
  expect(run.stderr()).toContain("--otel does not apply to exec");
});
