// One run at a time of an async task, however often it is asked for: a request while it runs schedules exactly
// one more run right after it (change notices and dispatch kicks arrive in bursts).
export class CoalescedTask {
  private current: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs the task now, or once more after the run in progress. */
  request(): void {
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = this.task()
      .catch(this.onError)
      .finally(() => {
        this.current = undefined;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  /** Settles when the run in progress (and the one it scheduled) has ended. */
  idle(): Promise<void> {
    return this.current ?? Promise.resolve();
  }
}
