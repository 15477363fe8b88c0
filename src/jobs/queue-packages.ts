/**
 * BullMQ and ioredis are optional peers, loaded when a queue or worker connects: `codeagent/jobs`
 * imports without them, and a missing one is a `MissingPackageError` with the install line.
 */
import { importOptional } from "../executors/import-optional.js";

/** The BullMQ module. */
export type BullMq = typeof import("bullmq");
/** The ioredis module. */
export type IoRedis = typeof import("ioredis");

const INSTALL = "npm install bullmq@^6.7 ioredis@^6";

/** Loads BullMQ, or throws `MissingPackageError` with the install line. */
export function loadBullMq(): Promise<BullMq> {
  return importOptional<BullMq>({ specifier: "bullmq", installCommand: INSTALL, purpose: "Durable runs (codeagent/jobs)" });
}

/** Loads ioredis, or throws `MissingPackageError` with the install line. */
export function loadIoRedis(): Promise<IoRedis> {
  return importOptional<IoRedis>({ specifier: "ioredis", installCommand: INSTALL, purpose: "Durable runs (codeagent/jobs)" });
}
