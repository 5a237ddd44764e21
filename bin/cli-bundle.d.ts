// Types of bin/cli-bundle.js (plain JS, so bin/ runs before anything is transpiled).
export function bundleIsFresh(): boolean;
export function buildBundle(): Promise<void>;
export function loadCliMain(): Promise<(argv: string[]) => Promise<number>>;
