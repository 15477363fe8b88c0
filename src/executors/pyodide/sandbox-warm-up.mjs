// V8 starts wasm in its baseline tier and compiles hot functions (the interpreter loop first) with
// its optimising compiler in the background; a call already running keeps the baseline code.
// Until that is done Python runs 3-6 times slower. A pool spare pays for it before reporting
// ready, with CPU-bound Python run until it is clearly fast (or a few seconds have passed), so
// the code it is handed computes at full speed from its first run.

import { intrinsics } from "./sandbox-intrinsics.mjs";

const { monotonicNow } = intrinsics;

// What typical code does: module-level loops over growing integers and floats, calls, strings,
// lists, dicts, sets, comprehensions, sorting, exceptions.
const WARM_UP_CODE = `
def _mix(count):
    total, scale, table, parts, seen = 0, 0.5, {}, [], set()
    for index in range(count):
        total += index * index
        scale = scale * 1.0001 + index / 7
        key = "k" + str(index % 97)
        table[key] = table.get(key, 0) + 1
        parts.append(f"{index}:{scale:.2f}")
        seen.add(index % 13)
        try:
            if index % 50 == 0:
                raise ValueError(key)
        except ValueError as error:
            total -= len(str(error))
    words = sorted(part.split(":")[0] for part in parts[:2000])
    return total + len(words) + len(seen) + sum(len(k) for k in table)
warm_total = _mix(8_000)
warm_sum = 0
for warm_index in range(300_000):
    warm_sum += warm_index
warm_squares = [value * value for value in range(20_000) if value % 3]
`;

// Stops once the mix runs this much faster than at first, after enough rounds for the functions
// compiled last to be in use too (measured: the first 10^6-addition loop then costs about 2x
// python3's CPU time, against 3.5-4x without the warm-up).
const WARM_UP_SPEEDUP = 3;
const WARM_UP_MIN_ROUNDS = 10;
const WARM_UP_LIMIT_MS = 5_000;

/** Runs the mix through the runtime's own `run`, so parsing, compiling and reporting warm up too. */
export function warmUp(runPython) {
  const deadline = monotonicNow() + WARM_UP_LIMIT_MS;
  let first = 0;
  for (let round = 1; ; round++) {
    const started = monotonicNow();
    runPython(WARM_UP_CODE, "");
    const elapsed = monotonicNow() - started;
    if (round === 1) first = elapsed;
    const fast = first >= WARM_UP_SPEEDUP * elapsed;
    if ((fast && round >= WARM_UP_MIN_ROUNDS) || monotonicNow() > deadline) break;
  }
}
