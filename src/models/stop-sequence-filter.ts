/**
 * Stop sequences applied to a stream of text deltas, for servers that ignore or reject `stop`.
 * A stop string may arrive split across deltas, so the filter holds back any tail that could be
 * the start of one until the next delta shows whether it is.
 */

/** What {@link StopSequenceFilter.push} lets through. */
export interface StopSequenceStep {
  /** Text that is safe to emit now (may be empty). */
  text: string;
  /** True once a stop sequence appeared: emit `text`, then stop reading the stream. */
  stopped: boolean;
}

/**
 * Cuts a streamed text before the first stop sequence, across delta boundaries.
 * Feed it with {@link push}, emit what it returns, and call {@link flush} when the stream ends.
 */
export class StopSequenceFilter {
  private readonly stopSequences: string[];
  private pending = "";
  private done = false;

  constructor(stopSequences: readonly string[] | undefined) {
    this.stopSequences = (stopSequences ?? []).filter((stop) => stop !== "");
  }

  /** Takes the next delta; returns the text that can be emitted and whether a stop was reached. */
  push(delta: string): StopSequenceStep {
    if (this.done) return { text: "", stopped: true };
    if (this.stopSequences.length === 0) return { text: delta, stopped: false };
    this.pending += delta;
    const stopAt = this.firstStopIndex();
    if (stopAt >= 0) {
      const text = this.pending.slice(0, stopAt);
      this.pending = "";
      this.done = true;
      return { text, stopped: true };
    }
    const keep = this.longestPossibleStopStart();
    const text = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return { text, stopped: false };
  }

  /** The held-back tail, once the stream ended without completing a stop sequence. */
  flush(): string {
    const text = this.done ? "" : this.pending;
    this.pending = "";
    return text;
  }

  private firstStopIndex(): number {
    let first = -1;
    for (const stop of this.stopSequences) {
      const index = this.pending.indexOf(stop);
      if (index >= 0 && (first < 0 || index < first)) first = index;
    }
    return first;
  }

  /** Length of the longest suffix of the pending text that is a proper prefix of a stop sequence. */
  private longestPossibleStopStart(): number {
    let longest = 0;
    for (const stop of this.stopSequences) {
      const limit = Math.min(stop.length - 1, this.pending.length);
      for (let length = limit; length > longest; length--) {
        if (this.pending.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
