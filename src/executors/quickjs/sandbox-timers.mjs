// Timers for the QuickJS sandbox, which has none of its own. Like sandbox-values.mjs,
// `sandboxTimers` is evaluated inside QuickJS from its source text and must be self-contained.
//
// Timers run on the run's own clock: when the code awaits nothing else, the worker sleeps until
// the next one is due (waking at once for an interrupt) and fires it. Timers left when the run
// ends are dropped, so nothing of one run fires during another. Like the rest of the sandbox's own
// code it calls only built-ins captured up front, and its lists and records have no prototype.

/** Builds setTimeout, setInterval, clearTimeout/clearInterval, queueMicrotask, and the worker's controls. */
export function sandboxTimers() {
  "use strict";
  const { freeze, setPrototypeOf } = Object;
  const apply = Reflect.apply;
  const now = Date.now;
  const { max } = Math;
  const NumberOf = Number;
  const TypeErrorConstructor = TypeError;
  const list = () => setPrototypeOf([], null);
  let timers = list();
  let nextTimerId = 1;

  function addTimer(callback, delay, args, repeat) {
    if (typeof callback !== "function") throw new TypeErrorConstructor("The callback must be a function.");
    const id = nextTimerId++;
    const wait = max(0, NumberOf(delay) || 0);
    timers[timers.length] = { __proto__: null, id, callback, args, due: now() + wait, repeat: repeat ? max(1, wait) : 0 };
    return id;
  }

  /**
   * Runs `callback` in a promise job. `await` reaches the job queue directly; `then` would look up
   * `constructor` and `Symbol.species`, which the code can replace.
   */
  async function later(callback) {
    await undefined;
    callback();
  }

  function clearTimer(id) {
    const kept = list();
    for (let index = 0; index < timers.length; index++) if (timers[index].id !== id) kept[kept.length] = timers[index];
    timers = kept;
  }

  function earliestTimer() {
    let earliest;
    for (let index = 0; index < timers.length; index++) {
      if (earliest === undefined || timers[index].due < earliest.due) earliest = timers[index];
    }
    return earliest;
  }

  return freeze({
    __proto__: null,
    setTimeout: (callback, delay, ...args) => addTimer(callback, delay, args, false),
    setInterval: (callback, delay, ...args) => addTimer(callback, delay, args, true),
    clearTimer,
    queueMicrotask: (callback) => {
      if (typeof callback !== "function") throw new TypeErrorConstructor("The callback must be a function.");
      later(callback);
    },
    clearAll() {
      timers = list();
    },
    /** Milliseconds until the next timer is due, or -1 when none is set. */
    nextTimerDelay() {
      const timer = earliestTimer();
      return timer === undefined ? -1 : max(0, timer.due - now());
    },
    /** Runs the earliest timer if it is due. Its exception, if any, is the run's exception. */
    fireTimer() {
      const timer = earliestTimer();
      if (timer === undefined || timer.due > now()) return;
      if (timer.repeat > 0) timer.due = now() + timer.repeat;
      else clearTimer(timer.id);
      apply(timer.callback, undefined, timer.args);
    },
  });
}
