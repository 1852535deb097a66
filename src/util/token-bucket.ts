/** A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`; time comes from `now` (ms). */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.refilledAt = now();
  }

  /** Whole seconds until a token is available (0 when one is). */
  retryAfter(): number {
    this.refill();
    if (this.tokens >= 1 - 1e-9) return 0; // tolerate floating-point drift in the refill
    return Math.max(1, Math.ceil((1 - this.tokens) / this.refillPerSecond - 1e-9));
  }

  /** Take a token if one is available. */
  take(): boolean {
    if (this.retryAfter() > 0) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Give back a token taken for something that did not happen. */
  refund(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Full again (nothing taken recently): the bucket can be forgotten. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.capacity - 1e-9;
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.refilledAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerSecond);
    this.refilledAt = Math.max(t, this.refilledAt);
  }
}
