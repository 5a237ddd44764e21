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
    return this.states().flatMap(({ name, reason }) => (reason === undefined ? [] : [`${name}: ${reason}`]));
  }

  /** Each registered adapter with its reason (undefined: it serves), for /readyz and the `dimoo_adapter_up` gauge. */
  states(): Array<{ name: string; reason?: string }> {
    return [...this.#checks].map(([name, check]) => {
      try {
        return { name, reason: check() };
      } catch (error) {
        return {
          name,
          reason: `health check failed (${error instanceof Error ? error.message : String(error)})`,
        };
      }
    });
  }
}
