import { expect, test } from "vitest";

import { Semaphore } from "./semaphore.js";

test("at most `capacity` holders at once, released places go to waiters in order", async () => {
  const semaphore = new Semaphore(2);
  const order: string[] = [];
  const first = await semaphore.acquire();
  const second = await semaphore.acquire();
  const third = semaphore.acquire().then((release) => (order.push("third"), release));
  const fourth = semaphore.acquire().then((release) => (order.push("fourth"), release));
  await Promise.resolve();
  expect(order).toEqual([]);
  first();
  first(); // releasing twice frees one place only
  (await third)();
  second();
  (await fourth)();
  expect(order).toEqual(["third", "fourth"]);
});

test("a waiter whose signal aborts leaves the queue; the place goes to the next one", async () => {
  const semaphore = new Semaphore(1);
  const held = await semaphore.acquire();
  const controller = new AbortController();
  const aborted = semaphore.acquire(controller.signal);
  const next = semaphore.acquire();
  controller.abort(new Error("stop waiting"));
  await expect(aborted).rejects.toThrow("stop waiting");
  held();
  const release = await next;
  release();
  // Every place is back: two acquires in a row succeed at once.
  (await semaphore.acquire())();
});
