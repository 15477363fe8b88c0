/**
 * The package as a user gets it: `npm pack` (which builds `dist/`), the tarball installed into an
 * empty project, then every entry point the README names loaded from ESM, from CommonJS and from
 * TypeScript, and the `codeagent` command run from the project's `node_modules/.bin`.
 *
 * The install runs offline from the npm cache that `npm ci` filled: the project gets a lock file
 * made from ours (the same versions, with each tarball's registry address so npm needs no package
 * metadata), and the same overrides for Monty's platform binaries that the registry here lacks.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface PackageJson {
  version: string;
  license: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  bin: Record<string, string>;
  engines: Record<string, string>;
  overrides: Record<string, string>;
  scripts: Record<string, string>;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

interface Packed {
  filename: string;
  integrity: string;
  files: { path: string }[];
}

const ours = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

/** The optional peer dependencies the user's project installs beside codeagent (Monty's entry point is tested). */
const OPTIONAL_PEERS_INSTALLED = ["@pydantic/monty"];

let project: string;
let packed: Packed;
let installLog: string;

/** Our lock file's runtime packages, as the lock of a project that depends on the tarball. */
function consumerLock(dependencies: Record<string, string>): unknown {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const packages: Record<string, LockEntry> = {
    "": { name: "consumer", dependencies },
    "node_modules/codeagent": {
      version: ours.version,
      resolved: `file:${packed.filename}`,
      integrity: packed.integrity,
      license: ours.license,
      dependencies: ours.dependencies,
      peerDependencies: ours.peerDependencies,
      peerDependenciesMeta: ours.peerDependenciesMeta,
      bin: ours.bin,
      engines: ours.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Our dev packages are not the user's, but for the optional peers the user's project installs too.
    if (path === "" || (entry.dev === true && !OPTIONAL_PEERS_INSTALLED.some((name) => path.startsWith(`node_modules/${name}`)))) continue;
    const { devOptional: _devOptional, ...runtime } = entry;
    if (runtime.resolved === undefined && runtime.integrity !== undefined && runtime.link !== true) {
      const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      runtime.resolved = `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${runtime.version}.tgz`;
    }
    packages[path] = runtime;
  }
  return { name: "consumer", lockfileVersion: 3, requires: true, packages };
}

async function node(file: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [file], { cwd: project, timeout: 60_000 });
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "codeagent-package-"));
  const { stdout } = await run(NPM, ["pack", "--json", "--pack-destination", project], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 << 20 });
  packed = (JSON.parse(stdout) as Packed[])[0]!;

  // The user's project: codeagent from the tarball, and zod, which codeagent expects beside it.
  const dependencies: Record<string, string> = { codeagent: `file:${packed.filename}`, zod: ours.devDependencies.zod! };
  for (const name of OPTIONAL_PEERS_INSTALLED) dependencies[name] = ours.devDependencies[name]!;
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, dependencies, overrides: ours.overrides }, null, 2));
  writeFileSync(join(project, "package-lock.json"), JSON.stringify(consumerLock(dependencies), null, 2));
  mkdirSync(join(project, "scripts"));
  cpSync(join(ROOT, "scripts", "unavailable-platform-package"), join(project, "scripts", "unavailable-platform-package"), { recursive: true });
  const install = await run(NPM, ["ci", "--offline", "--no-audit", "--no-fund", "--foreground-scripts"], { cwd: project, timeout: 180_000, maxBuffer: 16 << 20 });
  installLog = install.stdout + install.stderr;
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("the packed package", () => {
  test("ships dist, README and LICENSE; no sources, no source maps", () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts", "dist/executors/monty/index.js", "dist/executors/monty/index.d.ts", "dist/cli/main.js"]));
    expect(paths.filter((path) => path.endsWith(".map") || path.startsWith("src/") || path.includes(".test."))).toEqual([]);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
  });

  test("installing it runs none of its scripts (no prepare, no build)", () => {
    expect(installLog).not.toMatch(/codeagent@[^\s]+ (preinstall|install|postinstall|prepare)/);
    // zod is the user's: codeagent lists it as a peer, so one copy serves both.
    expect(ours.peerDependencies.zod).toMatch(/^\^4/);
    expect(ours.dependencies.zod).toBeUndefined();
  });

  test("every entry point loads from ESM, and a tool built with the project's zod works", async () => {
    writeFileSync(
      join(project, "check.mjs"),
      `import { CodeAgent, OpenAIModel, PyodideExecutor, QuickJsExecutor, ToolCallingAgent, ScriptedModel, tool, visitWebpageTool } from "codeagent";
import { MontyExecutor } from "codeagent/monty";
import { z } from "zod";
const double = tool({ name: "double", description: "Doubles a number.", inputSchema: z.object({ n: z.number() }), execute: ({ n }) => n * 2 });
const executor = new MontyExecutor();
const output = await executor.run("print(6 * 7)");
await executor.close();
console.log(JSON.stringify({ classes: [CodeAgent, OpenAIModel, PyodideExecutor, QuickJsExecutor, ToolCallingAgent, ScriptedModel, visitWebpageTool].map((f) => typeof f), tool: double.parameters, monty: output.logs.trim() }));
`,
    );
    const result = JSON.parse((await node("check.mjs")).stdout) as { classes: string[]; tool: unknown; monty: unknown };
    expect(result.classes.every((kind) => kind === "function")).toBe(true);
    expect(result.tool).toMatchObject({ type: "object", properties: { n: { type: "number" } } });
    expect(result.monty).toBe("42");
  });

  test("importing codeagent loads no optional package and hooks nothing on the process; the other entry points load", async () => {
    writeFileSync(
      join(project, "light.mjs"),
      `const before = process.listenerCount("exit");
const codeagent = await import("codeagent");
const after = process.listenerCount("exit");
const { LocalPythonExecutor } = await import("codeagent/local-python");
const executor = new LocalPythonExecutor();
const output = await executor.run("print(6 * 7)");
await executor.close();
console.log(JSON.stringify({ hooks: after - before, names: codeagent.executorNames(), python: output.logs.trim() }));
`,
    );
    const result = JSON.parse((await node("light.mjs")).stdout) as { hooks: number; names: string[]; python: string };
    expect(result.hooks).toBe(0);
    expect(result.names).toEqual(expect.arrayContaining(["pyodide", "quickjs", "monty", "local-python"]));
    expect(result.python).toBe("42");
    // The vendors' SDKs are optional peers: not installed here, and codeagent loaded without them.
    for (const name of ["dockerode", "e2b", "modal", "@blaxel/core", "vitest", "@anthropic-ai/sdk", "@huggingface/inference", "node-llama-cpp", "bullmq", "ioredis"]) {
      expect(existsSync(join(project, "node_modules", name))).toBe(false);
    }
  });

  test("codeagent/testing needs no test framework: a scripted agent runs in QuickJS; the contract suite says it needs Vitest", async () => {
    writeFileSync(
      join(project, "scripted.mjs"),
      `import { CodeAgent } from "codeagent";
import { ScriptedModel } from "codeagent/testing";
const model = new ScriptedModel(["Thought: compute.\\n<code>\\nconst days = [31, 29, 31].reduce((a, b) => a + b)\\nfinal_answer(days)\\n</code>"]);
const agent = new CodeAgent({ model, tools: [], executor: "quickjs" });
const result = await agent.run("How many days in Jan-Mar 2024?");
const contract = await import("codeagent/testing/contract").then(() => "loaded", (error) => error.message);
console.log(JSON.stringify({ state: result.state, output: result.output, contract }));
process.exit(0);
`,
    );
    const result = JSON.parse((await node("scripted.mjs")).stdout) as { state: string; output: unknown; contract: string };
    expect(result).toMatchObject({ state: "success", output: 91 });
    expect(result.contract).toMatch(/Cannot find package 'vitest'/);
  });

  test("the vendor entry points load without their SDKs, and a run says what to install", async () => {
    writeFileSync(
      join(project, "vendors.mjs"),
      `const results = {};
for (const [name, exported, env] of [["docker", "DockerExecutor", {}], ["e2b", "E2BExecutor", { E2B_API_KEY: "k" }], ["modal", "ModalExecutor", { MODAL_TOKEN_ID: "i", MODAL_TOKEN_SECRET: "s" }], ["blaxel", "BlaxelExecutor", { BL_API_KEY: "k", BL_WORKSPACE: "w" }]]) {
  Object.assign(process.env, env);
  const module = await import("codeagent/" + name);
  const executor = new module[exported]();
  results[name] = await executor.run("1").then(() => "ran", (error) => error.name + ": " + error.message);
  await executor.close();
}
console.log(JSON.stringify(results));
`,
    );
    const results = JSON.parse((await node("vendors.mjs")).stdout) as Record<string, string>;
    expect(results["docker"]).toMatch(/^MissingPackageError: .*npm install dockerode$/);
    expect(results["e2b"]).toMatch(/^MissingPackageError: .*npm install e2b@\^2$/);
    expect(results["modal"]).toMatch(/^MissingPackageError: .*npm install modal@0\.11\.1$/);
    expect(results["blaxel"]).toMatch(/^MissingPackageError: .*npm install @blaxel\/core@\^0\.3$/);
  });

  test("codeagent/jobs loads without bullmq and ioredis, and connecting says what to install", async () => {
    writeFileSync(
      join(project, "jobs.mjs"),
      `const { AgentQueue, AgentWorker } = await import("codeagent/jobs");
const attempt = (work) => work.then(() => "ran", (error) => error.name + ": " + error.message);
console.log(JSON.stringify({
  queue: await attempt(new AgentQueue({ redis: "redis://127.0.0.1:1", queue: "q" }).enqueue("task")),
  worker: await attempt(AgentWorker.start({ redis: "redis://127.0.0.1:1", queue: "q", agent: { model: null } })),
}));
`,
    );
    const results = JSON.parse((await node("jobs.mjs")).stdout) as Record<string, string>;
    expect(results["queue"]).toMatch(/^MissingPackageError: .*npm install bullmq@\^6\.7 ioredis@\^6$/);
    expect(results["worker"]).toMatch(/^MissingPackageError: .*npm install bullmq@\^6\.7 ioredis@\^6$/);
  });

  test("the model adapters load without their SDKs, and a call says what to install", async () => {
    writeFileSync(
      join(project, "models.mjs"),
      `import { AnthropicModel, HfInferenceModel, modelFromString } from "codeagent";
const { LlamaCppModel } = await import("codeagent/llama-cpp");
const attempt = (model) => model.generate([{ role: "user", content: "hi" }]).then(() => "ran", (error) => error.name + ": " + error.message);
console.log(JSON.stringify({
  anthropic: await attempt(new AnthropicModel({ modelId: "claude-sonnet-4-5", apiKey: "k" })),
  hf: await attempt(new HfInferenceModel({ modelId: "Qwen/Qwen2.5-Coder-32B-Instruct", token: "hf_k" })),
  llama: await attempt(new LlamaCppModel({ modelPath: "/nowhere.gguf" })),
  gguf: await attempt(modelFromString("gguf:/nowhere.gguf")),
}));
`,
    );
    const results = JSON.parse((await node("models.mjs")).stdout) as Record<string, string>;
    expect(results["anthropic"]).toMatch(/^MissingPackageError: .*npm install @anthropic-ai\/sdk/);
    expect(results["hf"]).toMatch(/^MissingPackageError: .*npm install @huggingface\/inference/);
    expect(results["llama"]).toMatch(/npm install node-llama-cpp|does not exist|nowhere\.gguf/);
    expect(results["gguf"]).toMatch(/npm install node-llama-cpp|nowhere\.gguf/);
  });

  test("every entry point loads from CommonJS with require()", async () => {
    writeFileSync(
      join(project, "check.cjs"),
      `const { CodeAgent, OpenAIModel, tool } = require("codeagent");
const { MontyExecutor } = require("codeagent/monty");
console.log(JSON.stringify([CodeAgent, OpenAIModel, tool, MontyExecutor].map((f) => typeof f)));
`,
    );
    const { stdout, stderr } = await node("check.cjs");
    expect(JSON.parse(stdout)).toEqual(["function", "function", "function", "function"]);
    expect(stderr).toBe("");
  });

  test("TypeScript finds the types of both entry points, and a tool from the project's zod type-checks", async () => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ["check.ts"] }),
    );
    writeFileSync(
      join(project, "check.ts"),
      `import { tool, type Tool, type CodeAgentOptions } from "codeagent";
import { MontyExecutor } from "codeagent/monty";
import { z } from "zod";
const double: Tool<{ n: number }, number> = tool({ name: "double", description: "Doubles.", inputSchema: z.object({ n: z.number() }), outputSchema: z.number(), execute: ({ n }) => n * 2 });
const options: Partial<CodeAgentOptions> = { tools: [double as Tool] };
export const executor: MontyExecutor = new MontyExecutor();
export { options };
`,
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    await expect(run(process.execPath, [tsc, "-p", project], { cwd: project, timeout: 120_000 })).resolves.toBeDefined();
  });

  test("the sandboxes' types need none of the optional SDKs' typings (no skipLibCheck)", async () => {
    mkdirSync(join(project, "strict"), { recursive: true });
    writeFileSync(
      join(project, "strict", "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["check.ts"] }),
    );
    writeFileSync(
      join(project, "strict", "check.ts"),
      `import { CodeAgent, ScriptedModel, type CodeAgentOptions } from "codeagent";
import { DockerExecutor, type DockerExecutorOptions } from "codeagent/docker";
import { E2BExecutor } from "codeagent/e2b";
import { ModalExecutor } from "codeagent/modal";
import { BlaxelExecutor } from "codeagent/blaxel";
import { LocalPythonExecutor } from "codeagent/local-python";
import { LlamaCppModel } from "codeagent/llama-cpp";
import { AnthropicModel, HfInferenceModel, AiSdkModel } from "codeagent";
import { AgentQueue, AgentWorker, type AgentWorkerOptions, type DurableRunStatus } from "codeagent/jobs";
export const queued: [AgentQueue, typeof AgentWorker, AgentWorkerOptions["agent"] | undefined, DurableRunStatus | undefined] = [new AgentQueue({ redis: "redis://127.0.0.1:6379", queue: "q" }), AgentWorker, undefined, undefined];
export const models = [new AnthropicModel({ modelId: "claude-sonnet-4-5", apiKey: "k" }), new HfInferenceModel({ modelId: "m", token: "hf_k" }), new LlamaCppModel({ modelPath: "m.gguf" }), AiSdkModel];
const docker: DockerExecutorOptions = { image: "python:3.12-slim", network: false, connection: { socketPath: "/var/run/docker.sock" } };
const options: CodeAgentOptions<"docker"> = { model: new ScriptedModel([]), tools: [], executor: "docker", executorOptions: docker };
export const made = [new CodeAgent(options), new DockerExecutor(docker), new E2BExecutor(), new ModalExecutor(), new BlaxelExecutor(), new LocalPythonExecutor()];
`,
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const checked = await run(process.execPath, [tsc, "-p", join(project, "strict")], { cwd: project, timeout: 120_000 }).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    expect(checked.split("\n").filter((line) => line.includes("codeagent/dist"))).toEqual([]);
  });

  test("the codeagent command runs from node_modules/.bin", async () => {
    const bin = join(project, "node_modules", ".bin", "codeagent");
    const help = await run(bin, ["--help"], { cwd: project, timeout: 30_000 });
    expect(help.stdout).toContain("Usage:");
    const exec = await run(bin, ["exec", "print(6 * 7)"], { cwd: project, timeout: 120_000 });
    expect(exec.stdout.trim()).toBe("42");
  });
});
