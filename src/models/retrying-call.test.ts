import { describe, expect, test } from "vitest";

import { ModelCallError } from "../errors.js";
import { callWithRetries, retryAfterMs, retryDelay } from "./retrying-call.js";

const timeoutError = () => new ModelCallError("timed out", { retryable: true });

describe("callWithRetries", () => {
  test("retries what classify allows, up to maxRetries, then throws the last error", async () => {
    let attempts = 0;
    const failing = callWithRetries(
      async () => {
        attempts++;
        throw new Error(`attempt ${attempts}`);
      },
      { maxRetries: 2, timeoutMs: 1_000, classify: () => ({ retryable: true, retryAfterMs: 0 }), timeoutError },
    );
    await expect(failing).rejects.toThrow("attempt 3");
    expect(attempts).toBe(3);
  });

  test("does not retry what classify refuses", async () => {
    let attempts = 0;
    const failing = callWithRetries(
      async () => {
        attempts++;
        throw new Error("bad request");
      },
      { maxRetries: 5, timeoutMs: 1_000, classify: () => ({ retryable: false }), timeoutError },
    );
    await expect(failing).rejects.toThrow("bad request");
    expect(attempts).toBe(1);
  });

  test("an attempt past its time limit is aborted and retried; the time-out error ends it", async () => {
    const signals: AbortSignal[] = [];
    const failing = callWithRetries(
      (signal) => {
        signals.push(signal);
        return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
      },
      { maxRetries: 1, timeoutMs: 20, classify: () => ({ retryable: false }), timeoutError },
    );
    await expect(failing).rejects.toThrow("timed out");
    expect(signals).toHaveLength(2);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  test("a server that asks to wait longer than a minute is not waited for: the error is thrown at once", async () => {
    let attempts = 0;
    const failing = callWithRetries(
      async () => {
        attempts++;
        throw new Error("rate limited for an hour");
      },
      { maxRetries: 3, timeoutMs: 1_000, classify: () => ({ retryable: true, retryAfterMs: 3_600_000 }), timeoutError },
    );
    await expect(failing).rejects.toThrow("rate limited for an hour");
    expect(attempts).toBe(1);
  });

  test("the caller's abort ends the call with its reason, also while waiting to retry", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const failing = callWithRetries(
      async () => {
        setTimeout(() => controller.abort(reason), 10);
        throw new Error("rate limited");
      },
      { maxRetries: 3, timeoutMs: 1_000, signal: controller.signal, classify: () => ({ retryable: true, retryAfterMs: 30_000 }), timeoutError },
    );
    await expect(failing).rejects.toBe(reason);
  });
});

test("retryDelay follows Retry-After, else backs off exponentially with jitter", () => {
  expect(retryDelay(0, 1_500)).toBe(1_500);
  expect(retryDelay(3, 10_000_000)).toBe(60_000);
  const third = retryDelay(2, undefined);
  expect(third).toBeGreaterThan(1_500);
  expect(third).toBeLessThanOrEqual(2_000);
});

test("retryAfterMs reads seconds, milliseconds and dates", () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);
  expect(retryAfterMs(headers({ "retry-after": "2" }))).toBe(2_000);
  expect(retryAfterMs(headers({ "retry-after-ms": "150", "retry-after": "9" }))).toBe(150);
  expect(retryAfterMs(headers({ "retry-after": new Date(Date.now() + 60_000).toUTCString() }))).toBeGreaterThan(50_000);
  expect(retryAfterMs(headers({}))).toBeUndefined();
  expect(retryAfterMs(headers({ "retry-after": "soon" }))).toBeUndefined();
});
