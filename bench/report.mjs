// Rows, the printed table and bench/results.json. A benchmark module returns rows built with
// `row(...)`; run.mjs collects them and hands them to `printTable` and `writeResults`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

/**
 * One measured figure. `max` / `min` make it a target (`value <= max`, `value >= min`); without
 * either it is informational (`target: null`, `met: null`). `note` is printed after the table.
 */
export function row(metric, value, unit, { max, min, note } = {}) {
  let target = null;
  let met = null;
  const valid = typeof value === "number" && Number.isFinite(value);
  if (max !== undefined) {
    target = `<= ${max} ${unit}`.trim();
    met = valid && value <= max;
  } else if (min !== undefined) {
    target = `>= ${min} ${unit}`.trim();
    met = valid && value >= min;
  }
  const result = { metric, value: valid ? round(value) : null, unit, target, met };
  if (note) result.note = note;
  return result;
}

function round(value) {
  if (Number.isInteger(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.01 ? 4 : 6;
  return Number(value.toFixed(digits));
}

export function machineInfo() {
  const list = cpus();
  return {
    node: process.version,
    cpus: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

function formatValue(result) {
  if (result.value === null) return "n/a";
  return `${result.value}${result.unit ? ` ${result.unit}` : ""}`;
}

/**
 * The figures of the previous run (what bench/results.json held before this run), keyed by suite
 * and metric, so a table can show each figure beside the one it replaces.
 */
export function readPreviousResults(path) {
  const previous = new Map();
  if (!existsSync(path)) return previous;
  try {
    const document = JSON.parse(readFileSync(path, "utf8"));
    for (const result of document.results ?? []) previous.set(`${result.suite}\u0000${result.metric}`, result);
  } catch {
    // An unreadable file only means there is nothing to compare with.
  }
  return previous;
}

export function printTable(results, write = (line) => console.log(line), previous = new Map()) {
  const header = ["metric", "before", "value", "target", "ok?"];
  const lines = results.map((result) => {
    const before = previous.get(`${result.suite}\u0000${result.metric}`);
    return [
      result.metric,
      before ? formatValue(before) : "-",
      formatValue(result),
      result.target ?? "-",
      result.met === null ? "info" : result.met ? "yes" : "NO",
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  write(format(header));
  write(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const line of lines) write(format(line));
  const notes = results.filter((result) => result.note);
  if (notes.length > 0) {
    write("");
    for (const result of notes) write(`* ${result.metric}: ${result.note}`);
  }
}

export function writeResults(path, results) {
  const document = { machine: machineInfo(), results };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return document;
}
