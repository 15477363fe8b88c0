// The JavaScript built-ins the sandbox's own code calls, captured when the process starts, before
// any Python runs. Python can reach JavaScript objects through Pyodide's runtime and replace any
// method on a shared prototype (`Uint8Array.prototype.subarray`, `JSON.stringify`, ...); a hook
// there would see every line the sandbox writes to the host, protocol token included. The
// functions below are the originals, bound so that calling one looks nothing up at call time.
// Methods that create arrays through `Symbol.species` (typed-array `subarray`, `slice`, `map`) are
// left out on purpose: species reads `constructor` from the prototype, which Python can replace.

const uncurry = Function.prototype.bind.bind(Function.prototype.call);

// The sandbox runs with V8's `gc` exposed so it can hand the memory of the snapshot it restored
// from back at once; the global is emptied here, before any Python exists, so only this code can.
const exposedCollector = typeof globalThis.gc === "function" ? globalThis.gc : () => undefined;
try {
  Object.defineProperty(globalThis, "gc", { value: undefined, writable: false });
} catch {
  // not exposed
}

const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);

export const intrinsics = Object.freeze({
  Uint8Array,
  ArrayBuffer,
  SharedArrayBuffer,
  Int32Array,
  Float64Array,
  isArray: Array.isArray,
  jsonParse: JSON.parse,
  jsonStringify: JSON.stringify,
  /** encode(text) with one captured TextEncoder. */
  encode: ((encoder, method) => (text) => method(encoder, text))(new TextEncoder(), uncurry(TextEncoder.prototype.encode)),
  TextDecoder,
  /** decode(decoder, bytes, options) */
  decode: uncurry(TextDecoder.prototype.decode),
  typedSet: uncurry(typedArrayPrototype.set),
  typedIndexOf: uncurry(typedArrayPrototype.indexOf),
  typedFill: uncurry(typedArrayPrototype.fill),
  typedLength: uncurry(Object.getOwnPropertyDescriptor(typedArrayPrototype, "length").get),
  stringSlice: uncurry(String.prototype.slice),
  stringIndexOf: uncurry(String.prototype.indexOf),
  atomicsLoad: Atomics.load,
  atomicsStore: Atomics.store,
  atomicsAdd: Atomics.add,
  atomicsWait: Atomics.wait,
  atomicsNotify: Atomics.notify,
  atomicsCompareExchange: Atomics.compareExchange,
  monotonicNow: performance.now.bind(performance),
  dateNow: Date.now,
  /** A full garbage collection, now. */
  collectGarbage: () => exposedCollector(),
  max: Math.max,
  min: Math.min,
});
