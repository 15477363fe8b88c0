/**
 * Hostile JavaScript against the QuickJS sandbox. Each probe tries one way out (or one way to hang
 * or crash the host, to send more than the limits let through, or to act in a later run) and must
 * fail. The assertions check the host side: the secret file's content and the secret environment
 * variable never appear in what a run returned, the local HTTP server saw no connection, no marker
 * file appeared, the host's Object.prototype and globals are untouched, tools only ever received
 * plain JSON data (and, after a run tampered with the sandbox's built-ins, exactly what a later run
 * passed), and after each hang or crash the next run works.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import type { CodeOutput } from "../src/executors/executor.js";
import { QuickJsExecutor } from "../src/executors/quickjs/quickjs-executor.js";
import { tool } from "../src/tools/tool.js";

// ------------------------------------------------------------------ host-side secrets and traps

const FILE_SECRET = `file-secret-${randomBytes(16).toString("hex")}`;
const ENV_NAME = "CODEAGENT_QUICKJS_ESCAPE_SECRET";
const ENV_SECRET = `env-secret-${randomBytes(16).toString("hex")}`;
process.env[ENV_NAME] = ENV_SECRET;
const TRAP_DIR = mkdtempSync(join(tmpdir(), "codeagent-quickjs-escape-"));
const SECRET_FILE = join(TRAP_DIR, "secret.txt");
writeFileSync(SECRET_FILE, `${FILE_SECRET}\n`);
const MARKER = join(TRAP_DIR, "marker");

const serverHits: string[] = [];
let server: Server;
let serverPort = 0;

/** Every value the tools received, to check that only plain data crossed. */
const received: unknown[] = [];
const record = tool({
  name: "record",
  description: "Records its argument on the host.",
  inputSchema: z.object({ value: z.unknown() }),
  execute: ({ value }) => {
    received.push(value);
    return "recorded";
  },
});
const echo = tool({
  name: "echo",
  description: "Returns its argument.",
  inputSchema: z.object({ value: z.unknown() }),
  execute: ({ value }) => {
    received.push(value);
    return { echoed: value };
  },
});
const fail = tool({
  name: "fail",
  description: "Always throws a host error.",
  inputSchema: z.object({}),
  execute: () => {
    throw new Error("host failure");
  },
});

const hostErrors: string[] = [];
const onHostError = (error: unknown) => hostErrors.push(String(error));
const objectPrototypeKeys = Reflect.ownKeys(Object.prototype).map(String).sort();
const arrayPrototypeKeys = Reflect.ownKeys(Array.prototype).map(String).sort();
const hostGlobalKeys = new Set(Reflect.ownKeys(globalThis).map(String));

/** The sandbox's global names: the ECMAScript built-ins QuickJS has, and the sandbox's own. */
const SANDBOX_GLOBALS = new Set(
  (
    "Error EvalError RangeError ReferenceError SyntaxError TypeError URIError InternalError AggregateError Array Object " +
    "Function Iterator parseInt parseFloat isNaN isFinite decodeURI decodeURIComponent encodeURI encodeURIComponent escape " +
    "unescape Infinity NaN undefined eval Number Boolean String Math Reflect Symbol globalThis BigInt Date RegExp JSON Proxy " +
    "Map Set WeakMap WeakSet ArrayBuffer SharedArrayBuffer Uint8ClampedArray Int8Array Uint8Array Int16Array Uint16Array " +
    "Int32Array Uint32Array BigInt64Array BigUint64Array Float16Array Float32Array Float64Array DataView Promise WeakRef " +
    "FinalizationRegistry console final_answer setTimeout setInterval clearTimeout clearInterval queueMicrotask require " +
    "__codeagent record echo fail"
  ).split(" "),
);

let sandbox: QuickJsExecutor;
let limited: QuickJsExecutor;

beforeAll(async () => {
  server = createServer((request, response) => {
    serverHits.push(`${request.method} ${request.url}`);
    response.end("reached the host");
  });
  server.on("connection", () => serverHits.push("connection"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverPort = (server.address() as AddressInfo).port;
  process.on("uncaughtException", onHostError);
  process.on("unhandledRejection", onHostError);
  sandbox = new QuickJsExecutor({ timeoutMs: 2_000, memoryLimitMb: 64 });
  limited = new QuickJsExecutor({ timeoutMs: 300, memoryLimitMb: 64 });
  await Promise.all([sandbox.sendTools([record, echo, fail]), limited.sendTools([])]);
});

afterAll(async () => {
  await Promise.all([sandbox?.close(), limited?.close()]);
  await QuickJsExecutor.drainPool();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  process.off("uncaughtException", onHostError);
  process.off("unhandledRejection", onHostError);
  delete process.env[ENV_NAME];
  rmSync(TRAP_DIR, { recursive: true, force: true });
});

afterEach(async () => {
  // Probes tamper with the sandbox's own built-ins; each starts from a clean one.
  await sandbox.reset();
  expect(serverHits).toEqual([]);
  expect(existsSync(MARKER)).toBe(false);
  expect(Reflect.ownKeys(Object.prototype).map(String).sort()).toEqual(objectPrototypeKeys);
  expect(Reflect.ownKeys(Array.prototype).map(String).sort()).toEqual(arrayPrototypeKeys);
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  expect(Reflect.ownKeys(globalThis).map(String).filter((key) => !hostGlobalKeys.has(key) && /pwned|polluted/i.test(key))).toEqual([]);
  expect(hostErrors).toEqual([]);
  for (const value of received) expect(isPlainData(value), `a tool received ${String(value)}`).toBe(true);
});

/** Only JSON-like data: no functions, no class instances, no prototypes other than the host's own. */
function isPlainData(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype && value.every(isPlainData);
  if (typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (prototype === Object.prototype || prototype === null) && Object.values(value as object).every(isPlainData);
}

async function probe(code: string, target = sandbox): Promise<CodeOutput> {
  const result = await target.run(code);
  const text = JSON.stringify(result);
  expect(text).not.toContain(FILE_SECRET);
  expect(text).not.toContain(ENV_SECRET);
  return result;
}

async function expectFailure(code: string, types: string[], target = sandbox): Promise<CodeOutput> {
  const result = await probe(code, target);
  expect(types, `${code} => ${JSON.stringify(result)}`).toContain(result.error?.type);
  return result;
}

// ------------------------------------------------------------------ escapes

describe("the sandbox has no way out", () => {
  test("its globals are the ECMAScript built-ins and its own, nothing of Node", async () => {
    const names = (await probe("Object.getOwnPropertyNames(globalThis)")).output as string[];
    expect(names.filter((name) => !SANDBOX_GLOBALS.has(name))).toEqual([]);
    const types = await probe(
      "[typeof process, typeof Buffer, typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof WebAssembly, typeof Deno, " +
        "typeof Bun, typeof std, typeof os, typeof print, typeof scriptArgs, typeof postMessage, typeof self, typeof module, typeof Atomics]",
    );
    expect(new Set(types.output as string[])).toEqual(new Set(["undefined"]));
  });

  test.each([
    "this.constructor.constructor('return process')()",
    "({}).constructor.constructor('return process')().env",
    "final_answer.constructor.constructor('return process')()",
    "console.log.constructor.constructor('return require')()('fs')",
    "(async () => {}).constructor('return process')()",
    "Function('return this')().process.mainModule.require('fs')",
  ])("constructor chains reach only the sandbox: %s", async (code) => {
    await expectFailure(code, ["ReferenceError", "ImportError", "TypeError"]);
  });

  test("a host error reaches the code as a sandbox error with nothing of the host behind it", async () => {
    const result = await probe(
      "let caught\ntry { fail() } catch (error) { caught = error };\n" +
        "[caught instanceof Error, caught.constructor === Error, caught.message, typeof caught.stack, String(caught.stack).includes('node:'), " +
        "(() => { try { return caught.constructor.constructor('return process')() } catch (error) { return error.name } })()]",
    );
    expect(result.output).toEqual([true, true, "fail() failed: host failure", "string", false, "ReferenceError"]);
  });

  test("a value from a tool is a copy made of the sandbox's own objects", async () => {
    const result = await probe(
      "const bridged = echo({ nested: { list: [1] } }).echoed;\n" +
        "[Object.getPrototypeOf(bridged) === Object.prototype, bridged.nested.list instanceof Array, " +
        "(() => { try { return bridged.constructor.constructor('return process')() } catch (error) { return error.name } })()]",
    );
    expect(result.output).toEqual([true, true, "ReferenceError"]);
  });

  test("tool functions are frozen, with no prototype and nothing to climb", async () => {
    const result = await probe(
      "[Object.getPrototypeOf(record), Object.isFrozen(record), typeof record.constructor, typeof record.call, " +
        "(() => { try { record.x = 1; return record.x } catch (error) { return error.name } })()]",
    );
    expect(result.output).toEqual([null, true, "undefined", "undefined", null]);
  });

  test("Error.prepareStackTrace and captureStackTrace give nothing", async () => {
    const result = await probe(
      "Error.prepareStackTrace = (error, frames) => frames.map((frame) => frame.getThis());\n" +
        "[typeof new Error('x').stack, typeof Error.captureStackTrace, String(new Error('x').stack).includes('node:')]",
    );
    expect(result.output).toEqual(["string", "undefined", false]);
    expect((await probe("try { fail() } catch (error) { error.stack }")).error).toBeUndefined();
  });

  test.each([
    "await import('fs')",
    "await import('node:child_process')",
    "await import('qjs:std')",
    "await import('os')",

    "require('fs').readFileSync('/etc/passwd', 'utf8')",
    `require('child_process').execSync('touch ${MARKER}')`,
    "import fs from 'fs'\nfs.readFileSync('/etc/passwd')",
    "import * as os from 'os'\nos.platform()",
  ])("no module can be loaded: %s", async (code) => {
    await expectFailure(code, ["ImportError"]);
  });

  test("code cannot define a module of its own, nor load modules again", async () => {
    const result = await expectFailure(
      "__codeagent.nameModules({})\n__codeagent.defineModule('fs.js', {}, function (i, n, e) { e('x', () => 1); })",
      ["Error"],
    );
    expect(result.error?.message).toMatch(/already/);
    const stillNone = await expectFailure("import { x } from 'fs'", ["ImportError"]);
    expect(stillNone.error?.message).toMatch(/The module 'fs' cannot be loaded/);
  });

  test.each([
    "await eval(\"import('fs')\")",
    "await new Function(\"return import('child_process')\")()",
  ])("QuickJS itself refuses an import() the code built at run time: %s", async (code) => {
    const result = await expectFailure(code, ["ReferenceError"]);
    expect(result.error?.message).toMatch(/^could not load module '(fs|child_process)'/);
  });

  test.each([
    `std.loadFile(${JSON.stringify(SECRET_FILE)})`,
    `os.readdir(${JSON.stringify(TRAP_DIR)})`,
    `process.env.${ENV_NAME}`,
    `Deno.readTextFileSync(${JSON.stringify(SECRET_FILE)})`,
    `fetch('http://127.0.0.1:PORT/')`,
    `new XMLHttpRequest().open('GET', 'http://127.0.0.1:PORT/')`,
    `new WebSocket('ws://127.0.0.1:PORT/')`,
    "postMessage({ type: 'tool-call', callId: 1, name: 'record', args: '[\"forged\"]' })",
    "self.postMessage('forged')",
  ])("no file, environment, network or host channel: %s", async (code) => {
    await expectFailure(code.replaceAll("PORT", String(serverPort)), ["ReferenceError"]);
  });

  test("replacing the sandbox's JSON or the prototypes does not change what the bridge sends or reads", async () => {
    const result = await probe(
      "JSON.stringify = () => '[\"forged\"]'\nJSON.parse = () => ({ ok: true, value: 'forged' })\n" +
        "Array.prototype[Symbol.iterator] = function* () { yield 'forged' }\nObject.prototype.toJSON = undefined\n" +
        "echo({ value: [1, 2] })",
    );
    expect(result.output).toEqual({ echoed: [1, 2] });
    expect(received.at(-1)).toEqual([1, 2]);
  });

  test("Proxy traps run in the sandbox; the host gets a plain copy", async () => {
    const result = await probe(
      "const trap = new Proxy({}, { ownKeys: () => ['value'], getOwnPropertyDescriptor: () => ({ value: 'proxied', enumerable: true, configurable: true }), get: (target, key) => key === 'value' ? { deep: 'proxied' } : undefined })\n" +
        "echo(trap)",
    );
    expect(result.output).toEqual({ echoed: { deep: "proxied" } });
    await expectFailure("record(new Proxy({}, { ownKeys() { throw new Error('trap') } }))", ["TypeError"]);
  });

  test("Symbol.species and subclassed arrays cross as plain arrays", async () => {
    const result = await probe(
      "class Evil extends Array { static get [Symbol.species]() { return function () { return { evil: true } } } }\n" +
        "const evil = Evil.from([1, 2])\necho([evil, evil.map((x) => x)])",
    );
    expect(result.output).toEqual({ echoed: [[1, 2], { 0: 1, 1: 2, evil: true }] });
  });

  test.each([
    "echo(JSON.parse('{\"__proto__\": {\"polluted\": \"yes\"}}'))",
    "echo({ ['__proto__']: { polluted: 'yes' }, constructor: { prototype: { polluted: 'yes' } } })",
    "final_answer(JSON.parse('{\"__proto__\": {\"polluted\": \"yes\"}, \"constructor\": {\"prototype\": {\"polluted\": \"yes\"}}}'))",
    "Object.prototype.polluted = 'yes'\nArray.prototype.polluted = 'yes'\necho({ a: [1] })",
    "({ ['__proto__']: { polluted: 'yes' } })",
  ])("prototype pollution does not cross the bridge: %s", async (code) => {
    const result = await probe(code);
    if (result.output !== null && typeof result.output === "object") {
      expect(Object.getPrototypeOf(result.output)).toBe(Object.prototype);
    }
  });

  test("functions and symbols passed to tools arrive as text", async () => {
    await probe("record(() => process)\nrecord(Symbol('s'))\nrecord(globalThis)");
    expect(received.slice(-3).slice(0, 2)).toEqual(["[Function (anonymous)]", "Symbol(s)"]);
  });

  test("tampering with require or the helpers lasts one run at most", async () => {
    await probe(
      "Object.defineProperty(globalThis, 'require', { value: () => ({ readFileSync: () => 'fake' }) })\n" +
        "Object.defineProperty(globalThis, '__codeagent', { value: { rethrow() {} } })\nconsole = { log() {} }",
    );
    await expectFailure("require('fs')", ["ImportError"]);
    expect((await probe("try { final_answer('kept') } catch {}")).isFinalAnswer).toBe(true);
    expect((await probe("console.log('back')")).logs).toBe("back\n");
  });
});

// ------------------------------------------------------------------ hangs and crashes

describe("hangs and crashes end cleanly and the next run works", () => {
  test.each([
    ["an infinite loop", "while (true) {}", ["TimeoutError"]],
    ["an endless promise chain", "for (;;) await null", ["TimeoutError"]],
    ["catastrophic regex backtracking", "/(a+)+$/.test('a'.repeat(40) + 'b')", ["TimeoutError"]],
    ["a comparator that never returns", "[3, 1, 2].sort(() => { while (true) {} })", ["TimeoutError"]],
    ["a timer that never stops", "setInterval(() => {}, 0)\nawait new Promise(() => setTimeout(() => {}, 1e9))", ["TimeoutError"]],
    ["a long native operation", "new Array(1e9).join('x').length", ["TimeoutError"]],
    ["quadratic native work on a deep structure", "let deep = []\nfor (let i = 0; i < 1e5; i++) deep = [deep]\nJSON.stringify(deep).length", ["TimeoutError"]],
  ])("%s", async (_name, code, types) => {
    await limited.run("const survivor = 1");
    const started = Date.now();
    await expectFailure(code as string, types as string[], limited);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await limited.run("1 + 1")).output).toBe(2);
  });

  test.each([
    ["deep recursion", "function down(n) { return down(n + 1) }\ndown(0)", ["InternalError"]],
    ["recursion through a getter", "const loop = { get x() { return this.x } }\nloop.x", ["InternalError"]],
    ["recursion through toString", "const text = { toString() { return '' + text } }\n'' + text", ["InternalError"]],
    ["deeply nested JSON", "JSON.parse('['.repeat(1e5))", ["SyntaxError"]],
    ["deeply nested code", "eval('['.repeat(1e5))", ["SyntaxError"]],
    ["a regex with too many groups", "new RegExp('('.repeat(5000) + 'a' + ')'.repeat(5000))", ["SyntaxError"]],
    ["a memory bomb of small objects", "const hoard = new Map()\nfor (;;) hoard.set(Math.random(), {})", ["InternalError"]],
    ["a memory bomb of strings", "const strings = []\nfor (;;) strings.push('x'.repeat(1e6))", ["InternalError"]],
    ["a string doubled until it breaks", "let doubled = 'x'\nwhile (true) doubled += doubled", ["InternalError", "RangeError"]],
    ["one huge allocation", "'x'.repeat(2 ** 29).length", ["InternalError", "RangeError"]],
    ["a huge buffer", "new ArrayBuffer(2 ** 31)", ["RangeError", "InternalError"]],
  ])("%s keeps the state", async (_name, code, types) => {
    await sandbox.run("const survivor = 'kept'");
    await expectFailure(code as string, types as string[]);
    await sandbox.run("hoard = null\nstrings = null\ndoubled = null");
    expect((await sandbox.run("survivor")).output).toBe("kept");
  });

  test("a promise nothing can settle ends the run instead of hanging", async () => {
    const result = await probe("await new Promise(() => {})");
    expect(result.error?.message).toMatch(/nothing can settle/);
  });
});

// ------------------------------------------------------------------ what crosses the boundary

const SOURCE = fileURLToPath(new URL("../src/", import.meta.url));
const VITE_NODE = fileURLToPath(new URL("../node_modules/vite-node/vite-node.mjs", import.meta.url));

/**
 * Runs in a child process (so that a crash cannot take the test runner with it): 300 MB through
 * every way out of the sandbox, with a memory limit large enough to build them. Prints one JSON
 * line per probe.
 */
const HUGE_VALUES_SCRIPT = `
import { z } from "zod";
import { QuickJsExecutor } from ${JSON.stringify(join(SOURCE, "executors/quickjs/quickjs-executor.ts"))};
import { tool } from ${JSON.stringify(join(SOURCE, "tools/tool.ts"))};

const echo = tool({ name: "echo", description: "Returns its argument.", inputSchema: z.object({ value: z.unknown() }), execute: ({ value }) => value });
const huge = tool({ name: "huge", description: "Returns 300 MB.", inputSchema: z.object({}), execute: () => "x".repeat(3e8) });
const executor = new QuickJsExecutor({ memoryLimitMb: 1024, timeoutMs: 120_000 });
await executor.sendTools([echo, huge]);
const probes = {
  argument: "let caught\\ntry { echo({ value: 'x'.repeat(3e8) }) } catch (error) { caught = [error.name, error.message] }\\ncaught",
  toolResult: "try { huge() } catch (error) { caught = [error.name, error.message] }\\ncaught",
  finalAnswer: "try { final_answer('x'.repeat(3e8)) } catch (error) { caught = [error.name, error.message] }\\ncaught",
  result: "'x'.repeat(3e8)",
  log: "console.log('x'.repeat(3e8))\\n'logged'",
  error: "throw new Error('x'.repeat(3e8))",
  moduleName: "globalThis.name = 'x'.repeat(3e8)\\ntry { await eval('import(globalThis.name)') } catch (error) { caught = [error.name, error.message.length] }\\ncaught",
  after: "echo({ value: 'still here' })",
};
for (const [name, code] of Object.entries(probes)) {
  const result = await executor.run(code);
  const error = result.error && { type: result.error.type, message: result.error.message.slice(0, 500), length: result.error.message.length };
  console.log(JSON.stringify({ name, output: result.output, error, logsLength: result.logs.length }));
}
await executor.close();
`;

describe("nothing crossing the boundary can hurt the host", () => {
  test("300 MB arguments, tool results, answers, results, logs and errors are refused, and the host process lives", async () => {
    const script = join(TRAP_DIR, "huge-values.ts");
    writeFileSync(script, HUGE_VALUES_SCRIPT);
    const child = spawn(process.execPath, [VITE_NODE, script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, `the host process died:\n${stderr.slice(0, 3000)}`).toBe(0);
    const results = Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { name: string; output: unknown; error?: { type: string; message: string; length: number }; logsLength: number })
        .map((result) => [result.name, result]),
    );
    // Building 300 MB of JSON inside the sandbox may itself exhaust its 1 GB: that is an error too.
    const refusal = /is 300,000,0\d\d characters, more than the sandbox lets out \(maxValueChars: 1,000,000\)|out of memory/;
    for (const name of ["argument", "finalAnswer"]) {
      expect(results[name]?.output).toEqual([expect.stringMatching(/^(RangeError|TypeError|InternalError)$/), expect.stringMatching(refusal)]);
    }
    expect(results["toolResult"]?.output).toEqual(["RangeError", expect.stringMatching(/huge\(\)'s result is 300,000,002 characters.*maxValueChars: 1,000,000/)]);
    expect(results["result"]?.error?.message).toMatch(refusal);
    expect(results["log"]).toMatchObject({ output: "logged" });
    expect(results["log"]?.logsLength).toBeLessThan(51_000);
    expect(results["error"]?.error?.type).toBe("Error");
    expect(results["error"]?.error?.length).toBeLessThan(20_000);
    expect(results["moduleName"]?.output).toEqual([expect.stringMatching(/^(ReferenceError|InternalError)$/), expect.any(Number)]);
    expect((results["moduleName"]?.output as [string, number])[1]).toBeLessThan(1000);
    expect(results["after"]?.output).toBe("still here");
  }, 300_000);
});

describe("values leaving the sandbox are capped by maxValueChars, logs by maxOutputChars", () => {
  const big = tool({
    name: "big",
    description: "Returns 5,000 characters.",
    inputSchema: z.object({}),
    execute: () => "y".repeat(5000),
  });
  const verbose = tool({
    name: "verbose",
    description: "Fails with a 50,000-character message.",
    inputSchema: z.object({}),
    execute: () => {
      throw new Error("z".repeat(50_000));
    },
  });
  let capped: QuickJsExecutor;
  beforeAll(async () => {
    capped = new QuickJsExecutor({ maxValueChars: 1000, maxOutputChars: 500 });
    await capped.sendTools([record, big, verbose]);
  });
  afterAll(() => capped.close());

  test("a tool call's arguments: a RangeError the code can catch, and the tool is not called", async () => {
    const before = received.length;
    const result = await probe(
      "let caught\ntry { record({ value: 'x'.repeat(2000) }) } catch (error) { caught = [error instanceof RangeError, error.message] }\ncaught",
      capped,
    );
    expect(result.output).toEqual([true, expect.stringMatching(/The JSON of record\(\)'s arguments is 2,0\d\d characters.*maxValueChars: 1,000\)\. Pass or return less/)]);
    expect(received.length).toBe(before);
    expect((await probe("record({ value: 'x'.repeat(900) })", capped)).output).toBe("recorded");
  });

  test("a tool's result: a RangeError the code can catch", async () => {
    const result = await probe("let caught\ntry { big() } catch (error) { caught = [error instanceof RangeError, error.message] }\ncaught", capped);
    expect(result.output).toEqual([true, expect.stringMatching(/The JSON of big\(\)'s result is 5,002 characters.*maxValueChars: 1,000/)]);
  });

  test("a tool's over-long error message is cut", async () => {
    const result = await probe("let caught\ntry { verbose() } catch (error) { caught = error.message }\n[caught.length, caught.slice(0, 21), caught.slice(-32)]", capped);
    expect(result.output).toEqual([10_050, "verbose() failed: zzz", "... [40,000 more characters cut]"]);
  });

  test("final_answer: a RangeError the code can catch, and a smaller answer still ends the run", async () => {
    const result = await probe(
      "try { final_answer(Array(500).fill('ab')) } catch (error) { console.log(error.name, error.message) }\nfinal_answer('short')",
      capped,
    );
    expect(result.logs).toMatch(/^RangeError The JSON of the value given to final_answer\(\) is 2,501 characters/);
    expect(result).toMatchObject({ output: "short", isFinalAnswer: true });
  });

  test("the run's result: an error that gives the size, the limit and what to do", async () => {
    const result = await probe("const items = Array(500).fill('ab')\nitems", capped);
    expect(result.error).toEqual({
      type: "RangeError",
      message: expect.stringMatching(/^The JSON of the last line's value is 2,501 characters, more than the sandbox lets out \(maxValueChars: 1,000\)\. Pass or return less/),
    });
    expect((await probe("items.length", capped)).output).toBe(500);
  });

  test("a 20 MB result under the default limits is refused, not returned whole", async () => {
    const defaults = new QuickJsExecutor();
    try {
      const result = await probe("'x'.repeat(2e7)", defaults);
      expect(result.output).toBeNull();
      expect(result.error?.message).toMatch(/is 20,000,002 characters.*maxValueChars: 1,000,000/);
    } finally {
      await defaults.close();
    }
  });

  test("one long line of output is cut at maxOutputChars", async () => {
    const result = await probe("console.log('x'.repeat(1e6))\nconsole.log('more')", capped);
    expect(result.logs.length).toBeLessThan(700);
    expect(result.logs).toMatch(/output truncated: 99\d,\d*|output truncated: \d+ more characters/);
  });
});

// ------------------------------------------------------------------ one run cannot act in the next

describe("nothing of one run acts in a later one", () => {
  /** Runs `code`; a run refused because the sandbox had to be replaced is run once more. */
  async function runAfterLeftovers(code: string, target = sandbox): Promise<CodeOutput> {
    const result = await probe(code, target);
    if (result.error?.type !== "SandboxCrash") return result;
    expect(result.error.message).toMatch(/promise jobs.*gone/s);
    return probe(code, target);
  }

  test.each([
    [
      "2,000 promise chains of 500 steps",
      "for (let chain = 0; chain < 2000; chain++) (async () => { for (let step = 0; step < 500; step++) await null; record({ value: 'leaked' }) })()",
    ],
    [
      "a microtask that queues itself for ever",
      "let turns = 0\nconst again = () => { if (++turns % 100000 === 0) record({ value: 'leaked' }); queueMicrotask(again) }\nagain()",
    ],
    [
      "then-chains that outlive the run",
      "let chain = Promise.resolve()\nfor (let step = 0; step < 120000; step++) chain = chain.then(() => null)\nchain.then(() => record({ value: 'leaked' }))",
    ],
    [
      "a final answer and logs from a leftover chain",
      "(async () => { for (let step = 0; step < 300000; step++) await null; console.log('leaked'); final_answer('leaked') })()",
    ],
    [
      "finalization callbacks",
      "try { const registry = new FinalizationRegistry(() => record({ value: 'leaked' }))\nfor (let i = 0; i < 1000; i++) registry.register({}, i) } catch {}",
    ],
  ])("%s", async (_name, code) => {
    // The answer ends run 1 at once, with its jobs still queued.
    expect((await probe(`${code}\nfinal_answer('run 1 is over')`)).isFinalAnswer).toBe(true);
    const afterRunOne = received.length;
    const result = await runAfterLeftovers(
      "for (let i = 0; i < 1e5; i++) ({ i })\nawait new Promise((resolve) => setTimeout(resolve, 20))\nrecord({ value: 'mine' })\n'run 2'",
    );
    const later = await probe("await new Promise((resolve) => setTimeout(resolve, 20))\n'run 3'", sandbox);
    expect(result).toMatchObject({ output: "run 2", logs: "", isFinalAnswer: false });
    expect(later).toMatchObject({ output: "run 3", logs: "", isFinalAnswer: false });
    expect(received.slice(afterRunOne).filter((value) => value !== "mine")).toEqual([]);
    expect(received.at(-1)).toBe("mine");
  });

  test("chains left by a run that timed out never run later", async () => {
    await expectFailure(
      "for (let chain = 0; chain < 1000; chain++) (async () => { for (;;) await null })()\nwhile (true) {}",
      ["TimeoutError"],
      limited,
    );
    expect((await runAfterLeftovers("1 + 1", limited)).output).toBe(2);
  });

  /** Code the run after each of these makes: a tool call, logs, an answer; all must come out exactly. */
  const LATER_RUN =
    "record({ value: [1, { a: 'b', list: [true, null] }, 'text'] })\n" +
    "console.log('log %s and %d%%', 'this', 42, [1, 2], { a: 1 }, 'quote\\'s')\n" +
    "final_answer({ answer: ['x', 1, { deep: true }], count: 2 })";

  test.each([
    [
      "accessors on Array.prototype's indices",
      "for (let index = 0; index < 8; index++) Object.defineProperty(Array.prototype, index, { get() { return 'forged' }, set(value) {}, configurable: true })",
    ],
    ["a toJSON on Object.prototype", "Object.prototype.toJSON = function () { return 'forged' }\nArray.prototype.toJSON = function () { return 'forged' }"],
    [
      "accessors on Object.prototype",
      "for (const key of ['value', 'ok', 'error', 'type', 'message', 'frames', 'id', 'callback', 'due', 'args', 'name', 'done', 'writable', 'enumerable', 'configurable', 'get', 'set'])\n" +
        "  Object.defineProperty(Object.prototype, key, { get() { return () => 'forged' }, set(value) {}, configurable: true })",
    ],
    [
      "iterators",
      "Array.prototype[Symbol.iterator] = function* () { yield 'forged' }\nObject.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true })\n" +
        "String.prototype[Symbol.iterator] = function* () { yield 'forged' }\nMap.prototype.entries = Set.prototype.values = () => [][Symbol.iterator]()",
    ],
    [
      "Function.prototype's apply, call and bind, and Reflect",
      "Function.prototype.call = function () { return 'forged' }\nFunction.prototype.apply = function () { return 'forged' }\n" +
        "Function.prototype.bind = function () { return () => 'forged' }\nReflect.apply = () => 'forged'\nReflect.construct = () => ({})",
    ],
    ["JSON", "JSON.stringify = () => '[\"forged\"]'\nJSON.parse = () => ({ ok: true, value: 'forged' })"],
    [
      "String and RegExp methods",
      "for (const key of Reflect.ownKeys(String.prototype)) if (key !== 'constructor' && key !== 'length') String.prototype[key] = function () { return 'forged' }\n" +
        "for (const key of Reflect.ownKeys(RegExp.prototype)) if (key !== 'constructor') Object.defineProperty(RegExp.prototype, key, { value: () => 'forged', configurable: true })",
    ],
    [
      "Object's functions",
      "Object.keys = () => ['forged']\nObject.create = () => ({ forged: true })\nObject.freeze = (value) => value\nObject.getPrototypeOf = () => null\n" +
        "Object.getOwnPropertyNames = () => ['forged']\nObject.setPrototypeOf = (value) => value\nArray.isArray = () => false\nObject.getOwnPropertyDescriptor = () => ({ value: 'forged' })\n" +
        "Object.defineProperty = () => {}",
    ],
    [
      "Math, Number, String and Date",
      "Math.max = () => 1e9\nMath.trunc = () => 7\nNumber = () => 7\nString = () => 'forged'\nDate.now = () => 0\nisFinite = () => false\nNumber.isFinite = () => false",
    ],
    [
      "Set, Map, WeakSet and Promise",
      "Set.prototype.add = Set.prototype.has = Set.prototype.delete = () => true\nWeakSet.prototype.has = () => true\nWeakSet.prototype.add = () => {}\n" +
        "Promise.prototype.then = function () { return 'forged' }\nObject.defineProperty(Promise, Symbol.species, { get() { throw new Error('forged') } })\n" +
        "Object.defineProperty(Promise.prototype, 'constructor', { get() { throw new Error('forged') } })",
    ],
    ["the error constructors", "Error = TypeError = RangeError = function () { return { forged: true } }\nSymbol = () => 'forged'"],
  ])("a run that tampers with %s changes nothing of what a later run sends, prints or answers", async (_name, tamper) => {
    await probe(tamper);
    const result = await probe(LATER_RUN);
    expect(received.at(-1)).toEqual([1, { a: "b", list: [true, null] }, "text"]);
    expect(result.logs).toBe("log this and 42% [ 1, 2 ] { a: 1 } quote's\n");
    expect(result).toMatchObject({ output: { answer: ["x", 1, { deep: true }], count: 2 }, isFinalAnswer: true });
    expect(result.error).toBeUndefined();
    const failed = await probe("const list = [1]\nnull.missing");
    expect(failed.error?.type).toBe("TypeError");
    expect(failed.error?.message).toMatch(/line 2 at top level: null\.missing/);
    expect((await probe("({ numbers: [1, 2, 3], nested: { text: 'a' } })")).output).toEqual({ numbers: [1, 2, 3], nested: { text: "a" } });
  });
});

describe("a tool or variable sent later cannot be taken over", () => {
  test("a permanent global planted under a tool's name ends the sandbox; the tool goes to a fresh one", async () => {
    const later = tool({ name: "later_tool", description: "Returns its argument.", inputSchema: z.object({ value: z.unknown() }), execute: ({ value }) => ({ later: value }) });
    const planted = new QuickJsExecutor();
    try {
      await planted.sendTools([record]);
      await probe(
        "Object.defineProperty(globalThis, 'later_tool', { get() { return (args) => record({ value: ['hijacked', args] }) }, configurable: false })\n" +
          "Object.defineProperty(globalThis, 'console', { get() { return { log() {} } }, configurable: false })",
        planted,
      );
      const before = received.length;
      await planted.sendTools([record, later]);
      let result = await probe("later_tool({ value: 'secret' })", planted);
      if (result.error?.type === "SandboxCrash") result = await probe("later_tool({ value: 'secret' })", planted);
      expect(result.output).toEqual({ later: "secret" });
      expect(received.slice(before)).toEqual([]);
    } finally {
      await planted.close();
    }
  });

  test("a permanent global planted under a variable's name ends the sandbox; the variable goes to a fresh one", async () => {
    const planted = new QuickJsExecutor();
    try {
      await probe("Object.defineProperty(globalThis, 'task_input', { get() { return 'forged' }, set(value) {}, configurable: false })", planted);
      await planted.sendVariables({ task_input: "real" });
      let result = await probe("task_input", planted);
      if (result.error?.type === "SandboxCrash") result = await probe("task_input", planted);
      expect(result.output).toBe("real");
    } finally {
      await planted.close();
    }
  });
});

describe("reset() gives a pristine interpreter", () => {
  test("nothing task 1 defined, wrapped, patched or queued acts in task 2; tools stay", async () => {
    const pristine = (await probe("[Reflect.ownKeys(Object.prototype).length, Reflect.ownKeys(Array.prototype).length, Reflect.ownKeys(globalThis).length]")).output;
    await probe(
      "Object.defineProperty(Array.prototype, 0, { get() { return 'forged' }, set(value) {}, configurable: true })\n" +
        "Object.prototype.toJSON = function () { return 'forged' }\nObject.prototype.planted = 1\nglobalThis.leftover = 1\n" +
        "const original = JSON.stringify\nJSON.stringify = (...args) => original(...args)\nObject.freeze(Object.prototype)\n" +
        "setInterval(() => record({ value: 'leaked' }), 0)\n" +
        "for (let chain = 0; chain < 2000; chain++) (async () => { for (let step = 0; step < 500; step++) await null; record({ value: 'leaked' }) })()\n" +
        "final_answer('task 1 is over')",
    );
    const afterTaskOne = received.length;
    await sandbox.reset();
    const result = await probe(
      "record({ value: [1, 'two'] })\nawait new Promise((resolve) => setTimeout(resolve, 20));\n" +
        "[[Reflect.ownKeys(Object.prototype).length, Reflect.ownKeys(Array.prototype).length, Reflect.ownKeys(globalThis).length], " +
        "typeof leftover, Object.isFrozen(Object.prototype), JSON.stringify.name, typeof record]",
    );
    expect(result.output).toEqual([pristine, "undefined", false, "stringify", "function"]);
    expect(received.slice(afterTaskOne)).toEqual([[1, "two"]]);
  });
});

describe("every limit is kept outside the code's reach", () => {
  test("code that replaces the built-ins the sandbox's own code uses cannot lift a limit", async () => {
    const strict = new QuickJsExecutor({ timeoutMs: 500, memoryLimitMb: 32, maxOutputChars: 200, maxValueChars: 500 });
    try {
      await strict.sendTools([record]);
      await probe(
        "String.prototype.slice = function () { return String(this) }\nMath.max = Math.min = () => Infinity\n" +
          "JSON.stringify = () => 'x'\nArray.prototype.join = function () { return '' }\nNumber = () => Infinity\n" +
          "Date.now = () => 0\nArrayBuffer = function () {}\nObject.freeze = (value) => value\nReflect.apply = () => undefined",
        strict,
      );
      expect((await probe("console.log('x'.repeat(1e5))", strict)).logs.length).toBeLessThan(400);
      expect((await probe("'x'.repeat(1e4)", strict)).error?.type).toBe("RangeError");
      const before = received.length;
      const refused = "let refused\ntry { CALL } catch (error) { refused = error.name }\nrefused";
      expect((await probe(refused.replace("CALL", "record({ value: 'x'.repeat(1e4) })"), strict)).output).toBe("RangeError");
      expect(received.length).toBe(before);
      expect((await probe(refused.replace("CALL", "final_answer('x'.repeat(1e4))"), strict)).output).toBe("RangeError");
      const started = Date.now();
      await expectFailure("while (true) {}", ["TimeoutError"], strict);
      expect(Date.now() - started).toBeLessThan(5_000);
      await expectFailure("const hoard = []\nfor (;;) hoard.push('x'.repeat(1e5) + hoard.length)", ["InternalError"], strict);
      await strict.run("hoard = null");
      await expectFailure("function deeper() { return deeper() }\ndeeper()", ["InternalError"], strict);
      expect((await probe("1 + 1", strict)).output).toBe(2);
    } finally {
      await strict.close();
    }
  });
});

// ------------------------------------------------------------------ what a later run reports is its own

describe("a later run's result, errors and tool calls are its own", () => {
  /** Runs `tamper`, then checks that later runs report exactly what they did, and call nothing. */
  async function expectUntouched(tamper: string): Promise<void> {
    await probe(tamper);
    const before = received.length;
    expect(await probe("const report = { numbers: [1, 2, 3], total: 6 }\nreport")).toEqual({ output: { numbers: [1, 2, 3], total: 6 }, logs: "", isFinalAnswer: false });
    expect((await probe("[1, 2, 3]")).output).toEqual([1, 2, 3]);
    expect((await probe("await null;\n({ a: 1 })")).output).toEqual({ a: 1 });
    expect((await probe("if (report.total > 1) return { early: true }\n'late'")).output).toEqual({ early: true });
    expect((await probe("async function total() { return 6 }\ntotal()")).output).toBe(6);
    expect((await probe("Promise.resolve(7)")).output).toBe(7);
    const failed = await probe("const data = null\ndata.items.length");
    expect(failed.error?.type).toBe("TypeError");
    expect(failed.error?.message).toMatch(/^cannot read property 'items' of null\nStack/);
    const missing = await probe("notDefinedAnywhere + 1");
    expect(missing.error?.type).toBe("ReferenceError");
    expect(missing.error?.message).toMatch(/^'notDefinedAnywhere' is not defined/);
    const rejected = await probe("async function broken() { throw new RangeError('real') }\nbroken()");
    expect(rejected.error).toMatchObject({ type: "RangeError", message: expect.stringMatching(/^real/) });
    expect((await probe("echo({ value: new TypeError('real message') })")).output).toEqual({ echoed: "TypeError: real message" });
    expect((await probe("console.log(new RangeError('real'), [new Error('inner')])")).logs).toBe("RangeError: real [ Error: inner ]\n");
    expect((await probe("throw { code: 1 }")).error?.message).toMatch(/^Uncaught \{ code: 1 \}/);
    expect(received.slice(before)).toEqual(["TypeError: real message"]);
  }

  test.each([
    [
      "a then accessor on Object.prototype",
      "Object.defineProperty(Object.prototype, 'then', { configurable: true, get() {\n" +
        "  if (this === Object.prototype) return undefined\n" +
        "  return (resolve) => { record({ value: 'called from run 1' }); resolve('FORGED by run 1') } } })",
    ],
    [
      "a then accessor that gives the final answer",
      "Object.defineProperty(Object.prototype, 'then', { configurable: true, get() {\n" +
        "  if (this !== Object.prototype) { record({ value: 'called from run 1' }); final_answer('FORGED final answer') }\n  return undefined } })",
    ],
    ["a then method on Object.prototype and Array.prototype", "Object.prototype.then = Array.prototype.then = function (resolve) { record({ value: 'called' }); resolve('FORGED') }"],
    [
      "a replaced Promise.prototype.then",
      "const realThen = Promise.prototype.then\n" +
        "Promise.prototype.then = function (ok, bad) { return realThen.call(this, () => { record({ value: 'called' }); ok('FORGED promise result') }, bad) }",
    ],
    [
      "a then getter on Promise.prototype and Promise's species",
      "const realThen = Promise.prototype.then\n" +
        "Object.defineProperty(Promise.prototype, 'then', { configurable: true, get() { record({ value: 'called' }); return function (ok, bad) { return realThen.call(this, () => ok('FORGED'), bad) } } })\n" +
        "Object.defineProperty(Promise, Symbol.species, { configurable: true, get() { record({ value: 'species' }); return Promise } })",
    ],
    [
      "name and message getters on the error prototypes",
      "for (const C of [TypeError, ReferenceError, RangeError, SyntaxError, InternalError, Error])\n" +
        "  for (const key of ['name', 'message', 'stack'])\n" +
        "    Object.defineProperty(C.prototype, key, { configurable: true, get() { record({ value: 'run 1 code during a later run' }); return 'AllGood' }, set(value) {} })",
    ],
    ["names written on the error prototypes", "TypeError.prototype.name = 'AllGood'\nReferenceError.prototype.name = 'AllGood'\nRangeError.prototype.name = 'AllGood'\nError.prototype.name = 'AllGood'\nError.prototype.message = 'forged'"],
    [
      "Symbol.toPrimitive, toString and valueOf on the prototypes",
      "for (const P of [Object.prototype, Error.prototype, TypeError.prototype, String.prototype, Array.prototype, Function.prototype, Symbol.prototype]) {\n" +
        "  P[Symbol.toPrimitive] = function () { record({ value: 'toPrimitive' }); return 'forged' }\n" +
        "  P.toString = function () { record({ value: 'toString' }); return 'forged' }\n" +
        "  P.valueOf = function () { record({ value: 'valueOf' }); return 'forged' } }",
    ],
    [
      "Symbol.toStringTag and constructor getters",
      "for (const P of [Object.prototype, Error.prototype, TypeError.prototype, Array.prototype]) {\n" +
        "  Object.defineProperty(P, Symbol.toStringTag, { configurable: true, get() { record({ value: 'tag' }); return 'Forged' } })\n" +
        "  Object.defineProperty(P, 'constructor', { configurable: true, get() { record({ value: 'constructor' }); return { name: 'Forged' } } }) }",
    ],
  ])("%s planted in one run forges nothing in later ones", async (_name, tamper) => {
    await expectUntouched(tamper);
  });

  test("thenables in the result are data: nothing in them is called", async () => {
    const before = received.length;
    const result = await probe("[{ then(resolve) { record({ value: 'called' }); resolve(1) } }, { nested: { then: () => final_answer('forged') } }]");
    expect(result).toEqual({ output: [{ then: "[Function: then]" }, { nested: { then: "[Function: then]" } }], logs: "", isFinalAnswer: false });
    expect(received.length).toBe(before);
  });

  test("code that converting a result or describing an error runs can call no tool and give no answer", async () => {
    await probe(
      "class Report { toJSON() { try { record({ value: 'from toJSON' }) } catch {} try { final_answer('forged') } catch {} return 'report' } }\n" +
        "class Loud extends Error { get name() { try { record({ value: 'from name' }) } catch {} try { final_answer('forged') } catch {} return 'Loud' } }",
    );
    const before = received.length;
    expect(await probe("new Report()")).toEqual({ output: "report", logs: "", isFinalAnswer: false });
    const failed = await probe("throw new Loud('real')");
    expect(failed.isFinalAnswer).toBe(false);
    expect(failed.error?.message).toMatch(/^real/);
    expect(received.length).toBe(before);
  });
});

// ------------------------------------------------------------------ memory full when the host sends something

describe("what the host sends while the sandbox's memory is full is never written out of place", () => {
  let full: QuickJsExecutor;
  let size = 20_000;
  const page = tool({ name: "page", description: "Returns a page.", inputSchema: z.object({}), execute: () => "Z".repeat(size) });

  beforeAll(async () => {
    full = new QuickJsExecutor({ memoryLimitMb: 32, timeoutMs: 20_000 });
    await full.sendTools([page]);
  });
  afterAll(() => full?.close());
  afterEach(() => full.reset());

  /** Fills the memory with small objects and frees a few, so that only small blocks are left. */
  const FILL = "var hoard = []\ntry { for (;;) hoard.push({ a: 1, b: 2, c: 3 }) } catch (error) {}\nhoard.length -= 100\n";

  /** The next runs come out exactly right, or the first says plainly that the sandbox was replaced. */
  async function expectExactAfter(): Promise<void> {
    let result = await probe("hoard = null\n1 + 1", full);
    if (result.error?.type === "SandboxCrash") {
      expect(result.error.message).toMatch(/out of memory.*gone/s);
      result = await probe("1 + 1", full);
    }
    expect(result).toEqual({ output: 2, logs: "", isFinalAnswer: false });
    expect(await probe("1 + 1", full)).toEqual({ output: 2, logs: "", isFinalAnswer: false });
    expect(await probe("console.log('hello', [1, 2])\nfinal_answer({ answer: 42 })", full)).toEqual({ output: { answer: 42 }, logs: "hello [ 1, 2 ]\n", isFinalAnswer: true });
    expect(await probe("let caught\ntry { null.f } catch (error) { caught = error.message }\ncaught", full)).toMatchObject({ output: "cannot read property 'f' of null" });
  }

  test.each([20_000, 60_000, 300_000])("a tool's reply of %i characters", async (characters) => {
    size = characters;
    const result = await probe(`${FILL}var got\ntry { got = page().length } catch (error) { got = error.name }\nhoard = null\ngot`, full);
    // The host's reply may grow the memory past the cap: its size is already bounded by maxValueChars.
    expect(result).toEqual({ output: characters, logs: "", isFinalAnswer: false });
    await expectExactAfter();
  });

  test("code that keeps the tool's replies cannot climb past the limit by them", async () => {
    size = 300_000;
    const result = await probe("var hoard = []\ntry { for (;;) hoard.push(page()) } catch (error) {}\nhoard.length", full);
    if (result.error?.type !== "SandboxCrash") expect(result.output as number).toBeLessThan((40 * 1024 * 1024) / size);
    await expectExactAfter();
  });

  test.each([2_000, 20_000, 300_000])("variables of %i characters", async (characters) => {
    await probe(FILL, full);
    await full.sendVariables({ big: "V".repeat(characters) });
    expect(await probe("big.length", full)).toEqual({ output: characters, logs: "", isFinalAnswer: false });
    await expectExactAfter();
  });

  test.each([20_000, 300_000])("a script of %i characters", async (characters) => {
    await probe(FILL, full);
    expect(await probe(`const probe = 1 /*${"A".repeat(characters)}*/;\nhoard = null\nprobe`, full)).toEqual({ output: 1, logs: "", isFinalAnswer: false });
    await expectExactAfter();
  });
});
