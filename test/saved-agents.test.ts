/**
 * Saved agents: `agent.save(dir)` writes a folder that `CodeAgent.load(dir)` and
 * `codeagent run --agent dir` restore; tools are found by name, never by evaluating the file.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { SavedAgentError } from "../src/agents/agent-file.js";
import { CodeAgent } from "../src/agents/code-agent.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { builtInTool } from "../src/tools/builtin/built-in-tools.js";
import { tool } from "../src/tools/tool.js";
import { runCaptured } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";
import { TOOLS_SERVER } from "./support/mcp-servers/start-http-server.js";

const modelServer = modelServerForThisFile();
const folders: string[] = [];
const ENV = { env: { OPENAI_API_KEY: "sk-test" } };

function freshFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "saved-agent-"));
  folders.push(folder);
  return folder;
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const shout = tool({
  name: "shout",
  description: "The text in capitals.",
  inputSchema: z.object({ text: z.string() }),
  execute: ({ text }) => text.toUpperCase(),
});

function writeAgentJson(contents: unknown): string {
  const dir = freshFolder();
  writeFileSync(join(dir, "agent.json"), typeof contents === "string" ? contents : JSON.stringify(contents));
  return dir;
}

const MINIMAL = { version: 1, model: "openai:gpt-4o-mini", language: "python" };

describe("save, then load", () => {
  test("gives an agent with the same system prompt and settings", async () => {
    const original = new CodeAgent({
      model: new ScriptedModel([]),
      tools: [shout, builtInTool("wikipedia_search")!],
      name: "writer",
      description: "Writes loudly.",
      instructions: "Answer in one line.",
      maxSteps: 7,
      planningInterval: 3,
      contextBudget: Number.POSITIVE_INFINITY,
      generateOptions: { temperature: 0.3 },
      executor: "quickjs",
      executorOptions: { timeoutMs: 1234 },
      authorizedImports: ["math"],
      modules: { helpers: { source: "export function twice(x) { return 2 * x; }" } },
      promptTemplates: { system: "You shout.\n{{tools}}\n{{instructions}}", finalAnswer: "Now answer {{task}}." },
    });
    const dir = freshFolder();
    await original.save(dir, { model: "openai:gpt-4o-mini" });

    const loaded = await CodeAgent.load(dir, { tools: [shout], modelOptions: ENV });
    expect(loaded.language).toBe("javascript");
    expect(loaded.name).toBe("writer");
    expect(loaded.description).toBe("Writes loudly.");
    expect(loaded.contextBudget).toBeUndefined();
    expect(loaded.model.modelId).toBe("gpt-4o-mini");
    expect(loaded.tools.map((each) => each.name)).toEqual(["shout", "wikipedia_search"]);
    expect(loaded.systemPrompt()).toBe(original.systemPrompt());
    expect(loaded.systemPrompt()).toContain("twice");
    expect(loaded.systemPrompt()).toContain("Answer in one line.");
    const settings = (loaded as unknown as { options: Record<string, unknown> }).options;
    expect(settings).toMatchObject({ maxSteps: 7, planningInterval: 3, generateOptions: { temperature: 0.3 }, executor: "quickjs", executorOptions: { timeoutMs: 1234 }, authorizedImports: ["math"] });
    expect(readFileSync(join(dir, "prompts/final-answer.md"), "utf8")).toBe("Now answer {{task}}.");
    expect(readFileSync(join(dir, "modules/helpers.js"), "utf8")).toContain("twice");
    expect(JSON.parse(readFileSync(join(dir, "agent.json"), "utf8"))).toMatchObject({ version: 1, tools: ["shout", "wikipedia_search"], modules: { helpers: "modules/helpers.js" } });
    await loaded.close();
  });

  test("with the same tools, the system prompts are equal, and a loaded agent saves again without its model string", async () => {
    const original = new CodeAgent({ model: new ScriptedModel([]), tools: [shout], instructions: "Be brief.", maxSteps: 4 });
    const first = freshFolder();
    await original.save(first, { model: "anthropic:claude-sonnet-4-5" });
    const loaded = await CodeAgent.load(first, { tools: [shout], modelOptions: { env: { ANTHROPIC_API_KEY: "sk-ant-test" } } });
    expect(loaded.systemPrompt()).toBe(original.systemPrompt());

    const second = freshFolder();
    await loaded.save(second);
    expect(readFileSync(join(second, "agent.json"), "utf8")).toBe(readFileSync(join(first, "agent.json"), "utf8"));
    expect(readdirNames(second)).not.toContain(".tmp");
  });

  test("managed agents are saved as sub-folders and loaded with their manager", async () => {
    const model = new ScriptedModel([]);
    const helper = new CodeAgent({ model, name: "researcher", description: "Finds things.", instructions: "Cite sources." });
    const manager = new CodeAgent({ model, managedAgents: [helper] });
    const dir = freshFolder();
    await manager.save(dir, { model: "openai:gpt-4o-mini" });
    expect(existsSync(join(dir, "agents/researcher/agent.json"))).toBe(true);

    const loaded = await CodeAgent.load(dir, { modelOptions: ENV });
    expect(loaded.systemPrompt()).toBe(manager.systemPrompt());
    expect(loaded.managedAgents[0]!.systemPrompt()).toBe(helper.systemPrompt());
    // A managed agent saved with the manager's model shares the manager's model again.
    expect(loaded.managedAgents[0]!.model).toBe(loaded.model);
    await loaded.close();
  });
});

function readdirNames(dir: string): string {
  return JSON.stringify(readdirSync(dir, { recursive: true }));
}

describe("save refuses what it cannot restore", () => {
  test.each([
    [{}, /model string: agent.save\(dir, \{ model: /],
    [{ finalAnswerChecks: [() => undefined] }, /finalAnswerChecks are functions/],
    [{ executorOptions: { onSomething: () => 1 } as never }, /executorOptions\.onSomething is a function/],
  ])("%#", async (extra, message) => {
    const agent = new CodeAgent({ model: new ScriptedModel([]), ...extra });
    const saveOptions = "finalAnswerChecks" in extra || "executorOptions" in extra ? { model: "openai:x" } : {};
    const dir = freshFolder();
    await expect(agent.save(dir, saveOptions)).rejects.toThrow(message);
    expect(existsSync(join(dir, "agent.json"))).toBe(false);
  });

  test("an executor object", async () => {
    const { ScriptedExecutor } = await import("../src/executors/scripted-executor.js");
    const agent = new CodeAgent({ model: new ScriptedModel([]), executor: new ScriptedExecutor([]) });
    await expect(agent.save(freshFolder(), { model: "openai:x" })).rejects.toThrow(/executor object.*Name the sandbox/);
  });
});

describe("malformed files give errors naming the file and the field", () => {
  test.each([
    ["no file", undefined, /agent\.json does not exist: give the folder/],
    ["not JSON", "{ version: 1", /agent\.json is not valid JSON/],
    ["another version", { ...MINIMAL, version: 2 }, /version: must be 1/],
    ["a wrong type", { ...MINIMAL, maxSteps: "ten" }, /maxSteps: /],
    ["an unknown field", { ...MINIMAL, maxStep: 3 }, /maxStep/],
    ["no model", { version: 1, language: "python" }, /model: /],
    ["a template outside the folder", { ...MINIMAL, promptTemplates: { system: "../secret.md" } }, /promptTemplates\.system: must be a path inside the agent's folder/],
    ["an absolute module path", { ...MINIMAL, modules: { utils: "/etc/passwd" } }, /modules\.utils: must be a path inside/],
    ["a sandbox of another language", { ...MINIMAL, executor: "quickjs" }, /quickjs sandbox runs javascript, not python/],
    ["a missing template file", { ...MINIMAL, promptTemplates: { system: "prompts/system.md" } }, /promptTemplates\.system names prompts\/system\.md, which cannot be read/],
  ])("%s", async (_name, contents, message) => {
    const dir = contents === undefined ? freshFolder() : writeAgentJson(contents);
    const loading = CodeAgent.load(dir, { modelOptions: ENV });
    await expect(loading).rejects.toThrow(SavedAgentError);
    await expect(loading).rejects.toThrow(message);
    await expect(loading).rejects.toThrow(join(dir, "agent.json"));
  });
});

describe("tools are found by name", () => {
  test("built in, passed in (which wins over a built-in name), and a missing one listing the known ones", async () => {
    const dir = writeAgentJson({ ...MINIMAL, tools: ["wikipedia_search", "shout"] });
    const loaded = await CodeAgent.load(dir, { tools: [shout], modelOptions: ENV });
    expect(loaded.tools.map((each) => each.description.slice(0, 12))).toEqual(["Searches Wik", "The text in "]);

    const mine = tool({ name: "wikipedia_search", description: "my own", inputSchema: z.object({}), execute: () => "" });
    const overridden = await CodeAgent.load(dir, { tools: [shout, mine], modelOptions: ENV });
    expect(overridden.tools[0]!.description).toBe("my own");

    await expect(CodeAgent.load(dir, { modelOptions: ENV })).rejects.toThrow(
      /names tool 'shout', which is neither built in nor from its MCP servers\. Pass it: CodeAgent\.load\(dir, \{ tools: \[\.\.\.\] \}\)[\s\S]*Built in: visit_webpage, web_search, wikipedia_search, user_input\. Passed in: none/,
    );
  });

  test("from the MCP servers the file names, started by load and ended by close", async () => {
    const original = new CodeAgent({ model: new ScriptedModel([]), tools: [shout] });
    const dir = freshFolder();
    await original.save(dir, { model: "openai:gpt-4o-mini", mcpServers: [{ command: process.execPath, args: [TOOLS_SERVER, "normal"], toolPrefix: "w_" }] });
    // The file names a tool of the server too: it is found there.
    const file = JSON.parse(readFileSync(join(dir, "agent.json"), "utf8")) as { tools: string[] };
    writeFileSync(join(dir, "agent.json"), JSON.stringify({ ...file, tools: ["w_get_weather", ...file.tools] }));
    const loaded = await CodeAgent.load(dir, { tools: [shout], modelOptions: ENV, allowHostCommands: true });
    try {
      expect(loaded.tools[0]!.name).toBe("w_get_weather");
      expect(loaded.tools[1]!.name).toBe("shout");
      expect(loaded.tools.map((each) => each.name)).toContain("w_add_numbers");
      expect(await loaded.tools[0]!.execute({ city: "Paris" }, {} as never)).toContain("Sunny in Paris");
    } finally {
      await loaded.close();
    }
    await expect(loaded.tools[0]!.execute({ city: "Paris" }, {} as never)).rejects.toThrow();
  });

  test("nothing in the file is evaluated: a tool name that is code is only an unknown name, a template's ${...} stays text", async () => {
    const marker = "__savedAgentEvaluated";
    const code = `globalThis.${marker} = require('child_process').execSync('id')`;
    const dir = writeAgentJson({ ...MINIMAL, tools: [code], promptTemplates: { system: "prompts/system.md" } });
    mkdirSync(join(dir, "prompts"));
    writeFileSync(join(dir, "prompts/system.md"), "${globalThis.__savedAgentEvaluated = 1} `${process.exit(3)}` {{tools}}");
    await expect(CodeAgent.load(dir, { modelOptions: ENV })).rejects.toThrow(`names tool '${code}'`);

    writeFileSync(join(dir, "agent.json"), JSON.stringify({ ...MINIMAL, promptTemplates: { system: "prompts/system.md" } }));
    const loaded = await CodeAgent.load(dir, { modelOptions: ENV });
    expect(loaded.systemPrompt()).toContain("${globalThis.__savedAgentEvaluated = 1} `${process.exit(3)}`");
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });
});

describe("what a file may start or read on this machine", () => {
  test("stdio MCP servers and a host interpreter are refused, listing the commands, unless allowed", async () => {
    const dir = freshFolder();
    const marker = join(dir, "ran");
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.env)); process.exit(1)`;
    writeFileSync(join(dir, "agent.json"), JSON.stringify({ ...MINIMAL, mcpServers: [{ command: process.execPath, args: ["-e", script], env: { GIVEN: "yes" } }] }));
    const refused = CodeAgent.load(dir, { modelOptions: ENV });
    await expect(refused).rejects.toThrow(SavedAgentError);
    await expect(refused).rejects.toThrow(/would start this program on this machine:\n {2}GIVEN="yes" .*node.* "-e" .*\(MCP server\)\n[\s\S]*allowHostCommands: true/);
    expect(existsSync(marker)).toBe(false);

    // Allowed, the server starts with the safe variables and the file's env, not the whole environment.
    process.env.SAVED_AGENT_SECRET = "sk-should-not-leak";
    try {
      await expect(CodeAgent.load(dir, { modelOptions: ENV, allowHostCommands: true })).rejects.toThrow();
    } finally {
      delete process.env.SAVED_AGENT_SECRET;
    }
    const seen = JSON.parse(readFileSync(marker, "utf8")) as Record<string, string>;
    expect(seen.GIVEN).toBe("yes");
    expect(seen.PATH).toBeDefined();
    expect(seen.SAVED_AGENT_SECRET).toBeUndefined();

    const python = writeAgentJson({ ...MINIMAL, executor: "local-python", executorOptions: { python: "/bin/echo" } });
    await expect(CodeAgent.load(python, { modelOptions: ENV })).rejects.toThrow(/\/bin\/echo \(the local-python executor/);
  });

  test("a managed agent's stdio server is refused too, and the CLI refuses it without --allow-host-commands", async () => {
    const dir = writeAgentJson({ ...MINIMAL, managedAgents: ["agents/helper"] });
    mkdirSync(join(dir, "agents/helper"), { recursive: true });
    writeFileSync(join(dir, "agents/helper/agent.json"), JSON.stringify({ ...MINIMAL, name: "helper", description: "helps", mcpServers: [{ command: "touch", args: ["/tmp/never"] }] }));
    await expect(CodeAgent.load(dir, { modelOptions: ENV })).rejects.toThrow(/touch "\/tmp\/never" \(MCP server\)/);

    const output = await runCaptured(["run", "--agent", dir, "Go.", "--base-url", modelServer().baseURL]);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('touch "/tmp/never"');
    expect(output.stderr).toContain("--allow-host-commands");
  });

  test("paths that leave the folder: an MCP cwd, and links to files or folders outside", async () => {
    await expect(CodeAgent.load(writeAgentJson({ ...MINIMAL, mcpServers: [{ command: "true", cwd: "../.." }] }), { modelOptions: ENV, allowHostCommands: true })).rejects.toThrow(
      /mcpServers\.0\.cwd: must be a path inside the agent's folder/,
    );

    const outside = freshFolder();
    writeFileSync(join(outside, "secret.md"), "TOP SECRET");
    mkdirSync(join(outside, "agent"));
    writeFileSync(join(outside, "agent/agent.json"), JSON.stringify(MINIMAL));
    const dir = writeAgentJson({ ...MINIMAL, promptTemplates: { system: "system.md" } });
    symlinkSync(join(outside, "secret.md"), join(dir, "system.md"));
    await expect(CodeAgent.load(dir, { modelOptions: ENV })).rejects.toThrow(/system\.md is outside/);

    writeFileSync(join(dir, "agent.json"), JSON.stringify({ ...MINIMAL, modules: { notes: "system.md" } }));
    await expect(CodeAgent.load(dir, { modelOptions: ENV })).rejects.toThrow(/system\.md is outside/);

    symlinkSync(join(outside, "agent"), join(dir, "elsewhere"));
    writeFileSync(join(dir, "agent.json"), JSON.stringify({ ...MINIMAL, managedAgents: ["elsewhere"] }));
    await expect(CodeAgent.load(dir, { modelOptions: ENV })).rejects.toThrow(/elsewhere is outside/);

    // A link that stays inside the folder is fine.
    writeFileSync(join(dir, "inside.md"), "Inside {{tools}}");
    symlinkSync(join(dir, "inside.md"), join(dir, "linked.md"));
    writeFileSync(join(dir, "agent.json"), JSON.stringify({ ...MINIMAL, promptTemplates: { system: "linked.md" } }));
    expect((await CodeAgent.load(dir, { modelOptions: ENV })).systemPrompt()).toContain("Inside");
  });

  test("a folder that manages itself, a link cycle, and nesting too deep are errors", async () => {
    await expect(CodeAgent.load(writeAgentJson({ ...MINIMAL, managedAgents: ["."] }), { modelOptions: ENV })).rejects.toThrow(/is a managed agent of itself/);

    const cycle = writeAgentJson({ ...MINIMAL, managedAgents: ["loop"] });
    symlinkSync(cycle, join(cycle, "loop"));
    await expect(CodeAgent.load(cycle, { modelOptions: ENV })).rejects.toThrow(/is a managed agent of itself/);

    const deep = freshFolder();
    let folder = deep;
    for (let level = 0; level <= 9; level++) {
      writeFileSync(join(folder, "agent.json"), JSON.stringify({ ...MINIMAL, name: `a${level}`, description: "nested", managedAgents: level < 9 ? ["sub"] : [] }));
      folder = join(folder, "sub");
      mkdirSync(folder);
    }
    await expect(CodeAgent.load(deep, { modelOptions: ENV })).rejects.toThrow(/levels deep; saved agents may nest at most 8 levels/);
  });
});

describe("codeagent run --agent", () => {
  test("runs the saved agent with a local model server; flags change its settings", async () => {
    const agent = new CodeAgent({ model: new ScriptedModel([]), tools: [], instructions: "Saved instructions here.", maxSteps: 5 });
    const dir = freshFolder();
    await agent.save(dir, { model: "openai:saved-model" });
    const before = modelServer().requests.length;
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer(6 * 7)\n</code>" });
    const output = await runCaptured(["run", "--agent", dir, "What is six times seven?", "--base-url", modelServer().baseURL, "--temperature", "0.5", "--json"]);
    expect(output.stderr).toBe("");
    expect(output.code).toBe(0);
    const events = output.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; output?: unknown });
    expect(events.find((event) => event.type === "final-answer")?.output).toBe(42);
    const body = modelServer().requests[before]!.body as { model: string; temperature: number; messages: { content: unknown }[] };
    expect(body.model).toBe("saved-model");
    expect(body.temperature).toBe(0.5);
    expect(JSON.stringify(body.messages[0])).toContain("Saved instructions here.");

    // --model and --instructions win over the file's.
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('ok')\n</code>" });
    const overridden = await runCaptured(["--agent", dir, "Go.", "--model", "openai:flag-model", "--instructions", "Flag instructions.", "--base-url", modelServer().baseURL, "--json"]);
    expect(overridden.code).toBe(0);
    const second = modelServer().requests.at(-1)!.body as { model: string; messages: { content: unknown }[] };
    expect(second.model).toBe("flag-model");
    expect(JSON.stringify(second.messages[0])).toContain("Flag instructions.");
    expect(JSON.stringify(second.messages[0])).not.toContain("Saved instructions here.");
  });

  test("sandbox flags, a missing folder and a missing tool are usage errors", async () => {
    const dir = freshFolder();
    await new CodeAgent({ model: new ScriptedModel([]), tools: [shout] }).save(dir, { model: "openai:saved-model" });
    const flags = await runCaptured(["run", "--agent", dir, "Go.", "--executor", "quickjs"]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain("--executor cannot change a saved agent's sandbox");

    const noTask = await runCaptured(["run", "--agent", dir]);
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toContain("Give the task in quotes after run");

    const missing = await runCaptured(["run", "--agent", join(dir, "nowhere"), "Go.", "--base-url", modelServer().baseURL]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("agent.json does not exist");

    const requests = modelServer().requests.length;
    const noTool = await runCaptured(["run", "--agent", dir, "Go.", "--base-url", modelServer().baseURL]);
    expect(noTool.code).toBe(2);
    expect(noTool.stderr).toMatch(/names tool 'shout'[\s\S]*--tools/);
    expect(modelServer().requests.length).toBe(requests);
  });

  test("existing commands still parse: a task that is just the word run", async () => {
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('ran')\n</code>" });
    const output = await runCaptured(["run", "--base-url", modelServer().baseURL, "--json"]);
    expect(output.code).toBe(0);
    expect(output.stdout).toContain('"ran"');
  });
});

test("an agent whose model came from modelFromString is saved without { model }: the string is remembered", async () => {
  const { modelFromString } = await import("../src/models/model-string.js");
  const dir = join(freshFolder(), "from-string");
  const agent = new CodeAgent({ model: modelFromString("openai:gpt-4o-mini", ENV), executor: "quickjs" });
  try {
    await agent.save(dir);
    expect(JSON.parse(readFileSync(join(dir, "agent.json"), "utf8")).model).toBe("openai:gpt-4o-mini");
  } finally {
    await agent.close();
  }
});
