// A user's submissions per sliding window, counted where every front-end of the queue sees them. The commands
// layer keeps its own in-memory count for one process; a shared queue offers this so that N front-ends behind one
// bot give a user the limit once, not N times.

export interface RateSlotRequest {
  /** `ownerKey` of the submitting user. */
  user: string;
  /** Submissions allowed within `windowMs`. */
  limit: number;
  windowMs: number;
  /** Counted but never refused (admins: their submissions still count if they later submit without the rights). */
  exempt?: boolean;
}

/**
 * A taken slot, to `release` when the submission it was taken for is refused after all (a refused submission is
 * not one the limit counts); or the refusal, with the milliseconds until the oldest counted submission leaves.
 */
export type RateSlot = { ok: true; release(): Promise<void> } | { ok: false; retryAfterMs: number };

/** Checks and records in one step, so two front-ends cannot both take the last slot. */
export type TakeRateSlot = (request: RateSlotRequest) => Promise<RateSlot>;
