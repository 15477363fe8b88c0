import { expect, test } from "vitest";

import { downloadProgressWriter } from "./download-progress.js";

test("in a log, a line every tenth of the way and at the end", () => {
  const lines: string[] = [];
  const write = downloadProgressWriter({ write: (text) => lines.push(text) });
  for (let bytes = 0; bytes <= 2_000_000_000; bytes += 50_000_000) write({ downloadedBytes: bytes, totalBytes: 2_000_000_000, resumedFromBytes: 0 });
  expect(lines).toHaveLength(11);
  expect(lines[0]).toBe("Downloading the model: 0% of 2.00 GB\n");
  expect(lines.at(-1)).toBe("Downloading the model: 100% of 2.00 GB\n");
});

test("in a terminal, one line redrawn at most five times a second, ended with a newline; a resumed download says so", () => {
  let clock = 0;
  const out: string[] = [];
  const write = downloadProgressWriter({ write: (text) => out.push(text), isTTY: true }, () => clock);
  write({ downloadedBytes: 1_000_000_000, totalBytes: 2_000_000_000, resumedFromBytes: 1_000_000_000 });
  clock = 100;
  write({ downloadedBytes: 1_100_000_000, totalBytes: 2_000_000_000, resumedFromBytes: 1_000_000_000 });
  clock = 300;
  write({ downloadedBytes: 2_000_000_000, totalBytes: 2_000_000_000, resumedFromBytes: 1_000_000_000 });
  expect(out).toEqual(["\r\u001b[2KDownloading the model (resuming at 1.00 GB): 50% of 2.00 GB", "\r\u001b[2KDownloading the model: 100% of 2.00 GB\n"]);
});
