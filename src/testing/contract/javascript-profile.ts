import type { LanguageProfile } from "./language-profile.js";

/**
 * The contract in JavaScript, written the way models write it: top-level `const` redeclared in
 * later runs, tools called with one object of named arguments, `await` where it is not needed.
 * JavaScript has no imports in the sandbox, so "importThenUse" brings a built-in's members into
 * scope instead, and the import probes expect the sandbox's ImportError (or a ReferenceError for
 * Node.js globals that do not exist there).
 */
export const javascriptProfile: LanguageProfile = {
  undefinedNameError: "ReferenceError",
  assignX: "const x = 41",
  readX: "x + 1",
  defineFunction: "function double(n) {\n  return n * 2\n}",
  useFunction: "double(21)",
  defineClass: "class Box {\n  constructor(v) {\n    this.v = v\n  }\n}",
  useClass: "new Box(42).v",
  importThenUse: ["const { floor } = Math", "floor(2.7)"],
  readBeforeAndValue: "[before, value]",
  readName: (name) => name,
  assignName: (name, value) => `let ${name} = ${value}`,
  statementOnly: "const y = 5",
  conversions: "({ d: { k: 1 }, l: [1, 2], t: [3, 4], n: undefined, s: 'é', b: true, i: 7, f: 1.5 })",
  reprFallback: { code: "new Set([1, 2, 3])", output: "Set(3) { 1, 2, 3 }" },
  printBoth: { code: "console.log('one')\nconsole.error('two')\nconsole.log('three\\nfour')", logs: "one\ntwo\nthree\nfour\n" },
  raiseOnLineThree: {
    code: "const before = 'ran'\nlet value = 1\nvalue = value.missing.deeper\nconst after = 'ran'",
    errorTypes: ["TypeError"],
    lineText: "value = value.missing.deeper",
  },
  syntaxError: "const never = 'ran'\nif (true console.log('x')",
  raiseValueError: "throw new RangeError('boom')",
  finalAnswer: "const answer = 6 * 7\nfinal_answer({ answer })",
  finalAnswerInsideCatchAll: [
    "try {\n  final_answer('kept')\n} catch (error) {}",
    "try {\n  final_answer('kept')\n} catch {\n  console.log('swallowed')\n}",
    "try {\n  final_answer('kept')\n} catch ({ message }) {\n  message\n} finally {\n  console.log('cleanup')\n}",
    "await Promise.resolve().then(() => final_answer('kept')).catch(() => 'swallowed')",
    "const finish = async () => final_answer('kept')\ntry {\n  await finish()\n} catch (error) {}\n'swallowed'",
  ],
  toolPositional: "get_weather('Paris')",
  bytesThroughTool:
    "const r = echo_bytes({ data: new Uint8Array([1, 2, 3]) });\n" +
    "[r.data instanceof Uint8Array, [...r.data], r.picture.type, r.picture.mediaType, r.picture.data instanceof Uint8Array, r.picture]",
  readBytesVariable: "[payload instanceof Uint8Array, payload.length, payload[0]]",
  imageFromCode: "({ type: 'image', mediaType: 'image/png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) })",
  hugeBytes: { code: "new Uint8Array(900_000)", errorTypes: ["RangeError"] },
  forgedBytesTag: "({ __bytes__: 'not base64!' })",
  forgedBytesTagToTool: { code: "echo_bytes({ data: { __bytes__: 'not base64!' } })", errorTypes: ["TypeError"] },
  toolKeyword: "await get_weather({ city: 'Oslo', unit: 'f' })",
  toolsInLoopAndFunction:
    "function total(n) {\n  let sum = 0\n  for (let i = 0; i < n; i++) sum += add({ a: i, b: i })\n  return sum\n}\n" +
    "const results = ['A', 'B', 'C'].map((city) => get_weather(city));\n[total(10), results.length]",
  toolWrongArgument: "try {\n  add({ a: 'x', b: 1 })\n} catch (error) {\n  console.log('caught:', error.message)\n}",
  toolMissingArgument: { code: "add({ a: 1 })", errorTypes: ["TypeError"] },
  toolThatThrows: "explode()",
  unauthorizedImport: { code: "const fs = require('fs')", errorTypes: ["ImportError"] },
  indirectImports: {
    codes: [
      "await import('fs')",
      "import fs from 'fs'",
      "eval(\"import('child_process')\")",
      "new Function('return import(\"os\")')()",
      "this.constructor.constructor('return require')()('fs')",
      "globalThis.constructor.constructor('return process')().env",
      "process.binding('fs')",
      "module.require('fs')",
      "fetch('http://127.0.0.1/')",
    ],
    errorTypes: ["ImportError", "ReferenceError"],
  },
  builtinsTampering: {
    codes: [
      "globalThis.require = () => ({})\ndelete globalThis.require\nObject.defineProperty(globalThis, 'require', { value: () => ({}) })",
      "require('fs')",
    ],
    errorTypes: ["ImportError"],
  },
  infiniteLoop: "let counter = 0\nwhile (true) {\n  counter += 1\n}",
  longSleep: "await new Promise((resolve) => setTimeout(resolve, 100_000))",
  memoryBomb: { code: "const hog = []\nwhile (true) {\n  hog.push('x'.repeat(1_000_000))\n}", errorTypes: ["InternalError"] },
  releaseMemoryBomb: "hog = null",
  hugeString: { code: "'a'.repeat(2 ** 31)", errorTypes: ["RangeError", "InternalError"] },
  recursion: { code: "function down(n) {\n  return down(n + 1)\n}\ndown(0)", errorTypes: ["InternalError"] },
  floodOutput: "for (let i = 0; i < 20000; i++) {\n  console.log('line', i)\n}",
  bigInteger: "2n ** 64n",
  onePlusOne: "1 + 1",
  twoPlusTwo: "2 + 2",
};
