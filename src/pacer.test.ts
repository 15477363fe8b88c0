import { afterEach, expect, test, vi } from "vitest";

import { Pacer } from "./pacer.js";

afterEach(() => vi.useRealTimers());

test("callers waiting together are let through one interval apart, in order", async () => {
  vi.useFakeTimers();
  const pacer = new Pacer(1000);
  const released: number[] = [];
  const waits = [0, 1, 2].map((index) => pacer.wait().then(() => released.push(index)));
  await vi.advanceTimersByTimeAsync(0);
  expect(released).toEqual([0]);
  await vi.advanceTimersByTimeAsync(999);
  expect(released).toEqual([0]);
  await vi.advanceTimersByTimeAsync(1);
  expect(released).toEqual([0, 1]);
  await vi.advanceTimersByTimeAsync(1000);
  await Promise.all(waits);
  expect(released).toEqual([0, 1, 2]);
});

test("a caller after a quiet spell goes at once; an abort ends a wait with its reason", async () => {
  let now = 0;
  const pacer = new Pacer(1000, () => now);
  await pacer.wait();
  now = 5000;
  await pacer.wait();
  const controller = new AbortController();
  const waiting = pacer.wait(controller.signal);
  controller.abort(new Error("stop"));
  await expect(waiting).rejects.toThrow("stop");
});

test("callers that give up while waiting leave the queue: the next goes when the interval has passed", async () => {
  vi.useFakeTimers();
  const pacer = new Pacer(1000);
  await pacer.wait();
  const controller = new AbortController();
  const abandoned = Array.from({ length: 10 }, () => pacer.wait(controller.signal).catch(() => "gave up"));
  controller.abort(new Error("stop"));
  expect(await Promise.all(abandoned)).toEqual(Array(10).fill("gave up"));
  let released = false;
  const next = pacer.wait().then(() => (released = true));
  await vi.advanceTimersByTimeAsync(1000);
  expect(released).toBe(true);
  await next;
});
