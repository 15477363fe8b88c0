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
