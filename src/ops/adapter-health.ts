// Adapters that can go deaf while the process looks alive (Telegram's long polling ended by a 409, Discord's gateway
// gone for minutes) say so here, and /readyz turns 503 naming them: an orchestrator restarts or alerts instead of
// trusting a bot that hears nothing. src/ never imports adapters; each adapter registers a plain callback.

/** Says why the adapter cannot serve users now, or undefined when it can. Must be cheap and never throw. */
export type HealthCheck = () => string | undefined;

export class AdapterHealth {
  readonly #checks = new Map<string, HealthCheck>();

  /** Registers (or replaces) the check under `name`; the returned function removes it (an adapter that stopped). */
  watch(name: string, check: HealthCheck): () => void {
    this.#checks.set(name, check);
    return () => {
      if (this.#checks.get(name) === check) this.#checks.delete(name);
    };
  }

  /** Every registered adapter's reason, as `name: reason`; empty when all of them serve. */
  problems(): string[] {
    const found: string[] = [];
    for (const [name, check] of this.#checks) {
      let reason: string | undefined;
      try {
        reason = check();
      } catch (error) {
        reason = `health check failed (${error instanceof Error ? error.message : String(error)})`;
      }
      if (reason !== undefined) found.push(`${name}: ${reason}`);
    }
    return found;
  }
}
