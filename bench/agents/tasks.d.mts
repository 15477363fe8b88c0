// Types of tasks.mjs, for TypeScript callers (the test).

export type TaskCategory = "arithmetic" | "lookup" | "aggregation";

/** One benchmark task: the prompt, its answer, and the tolerant check of an agent's output. */
export interface BenchmarkTask {
  readonly id: string;
  readonly category: TaskCategory;
  /** The prompt the agent gets. */
  readonly task: string;
  /** The right answer, computed from the world. */
  readonly answer: number | string | string[];
  /** Whether an agent's final answer is right (numbers within a tolerance, text ignoring case and spacing). */
  check(output: unknown): boolean;
}

export declare const TASKS: readonly BenchmarkTask[];

/** The tasks with these ids, in that order (all when `ids` is undefined); throws on an unknown id. */
export declare function selectTasks(ids?: readonly string[]): BenchmarkTask[];
