// How much of one connection's received data is handled per event-loop turn. libuv reads up to
// 32 x 64 KiB per socket per turn and every UPDATE is handled inline: with many busy sessions one
// turn lasted seconds and no timer (hold, KEEPALIVE), other session or API request got a turn.
// A connection handles at most this much before it pauses its socket and goes on in setImmediate.

export interface TurnBudget {
  /** messages handled between two yields */
  messages: number;
  /** milliseconds of handling between two yields (the clock is read every few messages) */
  ms: number;
}

/**
 * The budget every connection uses; tests may lower it. 10 ms keeps 20 saturated sessions'
 * turn near 200 ms, and a yield (one setImmediate, pause and resume) per 10 ms costs nothing
 * measurable in the full-table ingest.
 */
export const turnBudget: TurnBudget = { messages: 10_000, ms: 10 };

/** How many messages between two reads of the clock. */
export const CLOCK_EVERY = 16;
