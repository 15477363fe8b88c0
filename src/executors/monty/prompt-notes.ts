/**
 * For the system prompt of an agent whose code runs in `MontyExecutor`: what this Python lacks,
 * so the model does not spend steps finding out. At most 600 characters.
 */
export const MONTY_PROMPT_NOTES =
  "This sandbox runs Monty, a subset of Python. Do not use: class (use dicts), decorators, yield/generators, match, del, " +
  "eval/exec, str.format() or % (use f-strings), print(file=...), open() or any file, network or OS access. " +
  "The only modules are math, json, re, datetime, typing, asyncio and sys. Call tools as plain functions, without await. " +
  "Between steps, plain data (as copies: a list held by a name and inside another value becomes two), imports, top-level def functions and " +
  "`name = lambda ...` are kept; other objects (functions returned by calls, iterators, regex matches) must be made again.";
