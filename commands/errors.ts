// A user's mistake, as a code that is also the locale key of the sentence naming it, with the parameters that
// sentence needs. The commands layer's error boundary turns it into a reply; adapters throw it for what only
// they can refuse (a download from the wrong host, a file over the platform's limit).

export class UserInputError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'UserInputError';
  }
}
