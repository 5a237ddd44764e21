export interface RouteReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Discord's JSON error shape: `{ message, code }` with its numeric JSON error code. */
export function discordError(status: number, code: number, message: string): RouteReply {
  return { status, body: { message, code } };
}
