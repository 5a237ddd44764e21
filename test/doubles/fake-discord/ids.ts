const DISCORD_EPOCH = 1420070400000n;

/** Snowflakes that sort by creation time, as discord.js expects (it reads timestamps out of ids). */
export function createSnowflakeSource(): () => string {
  let counter = 0n;
  return () => {
    counter = (counter + 1n) & 0xfffn;
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | counter).toString();
  };
}

export function randomToken(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

/** The same snowflake as if made at `ms` (epoch milliseconds): its low bits, and so its uniqueness, kept. */
export function snowflakeAt(id: string, ms: number): string {
  const low = BigInt(id) & ((1n << 22n) - 1n);
  return (((BigInt(Math.floor(ms)) - DISCORD_EPOCH) << 22n) | low).toString();
}
