/**
 * Hostile JavaScript against the QuickJS sandbox. Each probe tries one way out (or one way to hang
 * or crash the host) and must fail. The assertions check the host side: the secret file's content
 * and the secret environment variable never appear in what a run returned, the local HTTP server
 * saw no connection, no marker file appeared, the host's Object.prototype and globals are
 * untouched, tools only ever received plain JSON data, and after each hang or crash the next run
 * works.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    "await eval(\"import('fs')\")",
    "await new Function(\"return import('child_process')\")()",
    "require('fs').readFileSync('/etc/passwd', 'utf8')",
    `require('child_process').execSync('touch ${MARKER}')`,
    "import fs from 'fs'\nfs.readFileSync('/etc/passwd')",
    "export const leak = 1",
  ])("no module can be loaded: %s", async (code) => {
    await expectFailure(code, ["ImportError"]);
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
