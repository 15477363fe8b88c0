// The backstop under every allocation the QuickJS worker's glue makes in QuickJS's memory.
//
// quickjs-emscripten copies a text into WebAssembly memory with `_malloc` and never checks the
// pointer, and its C side returns each value in a block from `malloc` that it does not check
// either. When the code has filled the memory, either can be 0, and the text or the value is then
// written at address 0, over QuickJS's own data: every later run is quietly wrong. So the worker's
// own copies are made with the cap lifted (see `lift` in worker-memory.mjs), `_malloc` is wrapped
// to retry after giving back a small reserve, and a 0 that still comes back from anything ends the
// thread: its state is lost, and the host says so and starts a fresh one.

/** What the worker keeps back, to give up when one of its own copies finds no room. */
const RESERVE_BYTES = 256 * 1024;
/** Room on top of each copy for the allocator's own bookkeeping. */
const SLACK_BYTES = 64 * 1024;

/**
 * The FFI functions that return a value block (or a text) that is never 0 when there is memory.
 * QTS_ResolveException is not among them: 0 is its "no exception".
 */
const CHECKED = [
  "QTS_Throw",
  "QTS_NewError",
  "QTS_DupValuePointer",
  "QTS_NewObject",
  "QTS_NewObjectProto",
  "QTS_NewArray",
  "QTS_NewArrayBuffer",
  "QTS_NewString",
  "QTS_GetString",
  "QTS_NewSymbol",
  "QTS_GetSymbolDescriptionOrKey",
  "QTS_ExecutePendingJob",
  "QTS_GetProp",
  "QTS_GetPropNumber",
  "QTS_Call",
  "QTS_Eval",
  "QTS_GetGlobalObject",
  "QTS_NewPromiseCapability",
  "QTS_PromiseResult",
  "QTS_NewFunction",
];

/**
 * Guards the allocations of `quickjs` (a QuickJSWASMModule). `memoryCap`: from createMemoryCap.
 * `exhausted(message)` must end the thread and not return. Returns `refill()`, which takes the
 * reserve back after it was given up (call it between runs).
 */
export function guardAllocations(quickjs, memoryCap, exhausted) {
  const { module, ffi } = quickjs;
  const malloc = module._malloc;
  const free = module._free;
  const allocate = (bytes) => memoryCap.lift(bytes + SLACK_BYTES, () => malloc(bytes));
  let reserve = allocate(RESERVE_BYTES);

  module._malloc = (bytes) => {
    let pointer = allocate(bytes);
    if (pointer === 0 && reserve !== 0) {
      free(reserve);
      reserve = 0;
      pointer = allocate(bytes);
    }
    if (pointer === 0) exhausted(`${bytes.toLocaleString("en-US")} bytes for a value the host handed it`);
    return pointer;
  };
  for (const name of CHECKED) {
    const call = ffi[name];
    if (typeof call !== "function") continue;
    ffi[name] = (...args) => {
      const pointer = call(...args);
      if (pointer === 0) exhausted(`a value block (${name})`);
      return pointer;
    };
  }
  return function refill() {
    if (reserve === 0) reserve = allocate(RESERVE_BYTES);
  };
}
