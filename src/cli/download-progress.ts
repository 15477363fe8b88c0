/**
 * The progress of a model file's one-time download (`--model gguf:hf:...`), on stderr: one line
 * redrawn in a terminal, a line every tenth of the way otherwise, so a log is not flooded.
 */

/** What a download reports as it goes. */
export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number | undefined;
  resumedFromBytes: number;
}

/** A progress callback that draws on `stderr`. */
export function downloadProgressWriter(stderr: { write(text: string): unknown; isTTY?: boolean }, now: () => number = Date.now): (progress: DownloadProgress) => void {
  let lastDrawn = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  let started = false;
  return (progress) => {
    const { downloadedBytes, totalBytes, resumedFromBytes } = progress;
    const done = totalBytes !== undefined && downloadedBytes >= totalBytes;
    const share = totalBytes ? downloadedBytes / totalBytes : undefined;
    const text =
      `Downloading the model${!started && resumedFromBytes > 0 ? ` (resuming at ${size(resumedFromBytes)})` : ""}: ` +
      (share === undefined ? size(downloadedBytes) : `${Math.floor(share * 100)}% of ${size(totalBytes!)}`);
    started = true;
    if (stderr.isTTY) {
      if (!done && now() - lastDrawn < 200) return;
      lastDrawn = now();
      stderr.write(`\r\u001b[2K${text}${done ? "\n" : ""}`);
      return;
    }
    const tenth = share === undefined ? Math.floor(downloadedBytes / 100_000_000) : Math.floor(share * 10);
    if (tenth === lastTenth && !done) return;
    lastTenth = tenth;
    stderr.write(`${text}\n`);
  };
}

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.round(bytes / 1e3)} KB`;
}
