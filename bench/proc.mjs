// Linux /proc helpers for the benchmarks: the process tree under this host and resident memory.
import { readdirSync, readFileSync, statSync } from "node:fs";

/** Whether /proc can be read (Linux). */
export function hasProc() {
  try {
    statSync("/proc/self/status");
    return true;
  } catch {
    return false;
  }
}

/** pid -> parent pid for every process we can see. */
export function processParents() {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may contain spaces and parentheses: fields resume after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  return parents;
}

/** Every process below `root` (children, grandchildren, ...). */
export function descendants(root) {
  const parents = processParents();
  const found = new Set();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!found.has(pid) && (parent === root || found.has(parent))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return found;
}

export function commandName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** A `Field:   123 kB` line of a /proc status-like file, in kB (0 when absent or gone). */
export function readKb(path, field) {
  try {
    const match = readFileSync(path, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples, every `intervalMs`, this process's RSS plus the RSS of every process below it, and
 * keeps the largest total seen. `stop()` takes a last sample and returns the peak.
 */
export function startMemorySampler(intervalMs = 100) {
  const peak = { totalKb: 0, hostKb: 0, childrenKb: 0, children: 0, deno: 0, samples: 0 };
  let maxHostKb = 0;
  let maxChildren = 0;
  const sample = () => {
    const hostKb = Math.round(process.memoryUsage().rss / 1024);
    let childrenKb = 0;
    let children = 0;
    let deno = 0;
    for (const pid of descendants(process.pid)) {
      const kb = readKb(`/proc/${pid}/status`, "VmRSS");
      if (kb === 0) continue;
      childrenKb += kb;
      children++;
      if (commandName(pid) === "deno") deno++;
    }
    peak.samples++;
    maxHostKb = Math.max(maxHostKb, hostKb);
    maxChildren = Math.max(maxChildren, children);
    if (hostKb + childrenKb > peak.totalKb) Object.assign(peak, { totalKb: hostKb + childrenKb, hostKb, childrenKb, children, deno });
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak, maxHostKb, maxChildren };
    },
  };
}
