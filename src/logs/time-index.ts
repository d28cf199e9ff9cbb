// When each part of a log file was written, for the lines muster wrote while it ran: a bounded
// ring of (end offset, time) pairs, one per write (writes in the same millisecond share one).
// The log file keeps the bytes unchanged, so this is how `muster logs` can merge several files in
// time order without a timestamp in each line. Memory: at most CAPACITY pairs per instance.

const CAPACITY = 512;

export class WriteTimeIndex {
  private offsets = new Float64Array(16);
  private times = new Float64Array(16);
  private start = 0;
  private count = 0;
  /** Once entries were dropped, the oldest one's start is unknown. */
  private evicted = false;

  /** `openedAt`: the file's size when muster opened it; older bytes were written before. */
  constructor(private readonly openedAt: number) {}

  /** The file now ends at `endOffset`, written at `time` (ms since the epoch). */
  record(endOffset: number, time: number): void {
    if (this.count > 0) {
      const last = (this.start + this.count - 1) % this.offsets.length;
      if (this.times[last] === time) {
        this.offsets[last] = endOffset;
        return;
      }
    }
    if (this.count === this.offsets.length) {
      if (this.count < CAPACITY) this.grow();
      else {
        this.start = (this.start + 1) % this.offsets.length;
        this.count--;
        this.evicted = true;
      }
    }
    const at = (this.start + this.count) % this.offsets.length;
    this.offsets[at] = endOffset;
    this.times[at] = time;
    this.count++;
  }

  /** When the byte before `endOffset` was written, or null when that is older than the index. */
  timeOf(endOffset: number): number | null {
    if (this.count === 0 || endOffset <= this.openedAt) return null;
    const first = this.start;
    // The write that covers it is the first whose end is at or after it. After an eviction the
    // oldest entry's start is unknown, so it vouches for nothing.
    if (this.evicted && endOffset <= this.offsets[first]!) return null;
    let lo = 0;
    let hi = this.count - 1;
    if (endOffset > this.offsets[(first + hi) % this.offsets.length]!) return null;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[(first + mid) % this.offsets.length]! >= endOffset) hi = mid;
      else lo = mid + 1;
    }
    return this.times[(first + lo) % this.offsets.length]!;
  }

  private grow(): void {
    const size = Math.min(CAPACITY, this.offsets.length * 2);
    const offsets = new Float64Array(size);
    const times = new Float64Array(size);
    for (let k = 0; k < this.count; k++) {
      offsets[k] = this.offsets[(this.start + k) % this.offsets.length]!;
      times[k] = this.times[(this.start + k) % this.offsets.length]!;
    }
    this.offsets = offsets;
    this.times = times;
    this.start = 0;
  }
}
