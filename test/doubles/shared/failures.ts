interface Rule<C, F> {
  match: (call: C) => boolean;
  remaining: number;
  failure: F;
}

/** Failures a test arms before acting: each rule answers the next `times` matching calls, then disarms. */
export class FailurePlan<C, F> {
  #rules: Rule<C, F>[] = [];

  add(match: (call: C) => boolean, times: number, failure: F): void {
    if (!Number.isInteger(times) || times < 1) throw new Error(`failure times must be a positive integer`);
    this.#rules.push({ match, remaining: times, failure });
  }

  take(call: C): F | undefined {
    const rule = this.#rules.find((candidate) => candidate.remaining > 0 && candidate.match(call));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.failure;
  }

  get pending(): number {
    return this.#rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  clear(): void {
    this.#rules = [];
  }
}
