/**
 * The clock of the GC protocol (GC-run markers, push leases). Its parts are
 * judged by time on three machines: the store's (`lastModified`), the
 * writer's (dates written into markers and leases) and the reader's. They
 * are assumed to agree within {@link CLOCK_SKEW_MS}; every limit of the
 * protocol keeps that margin.
 */

/** Returns the current time; tests pass one that they move instead of waiting. */
export type Clock = () => Date;

/** The system clock. */
export const systemClock: Clock = () => new Date();

/** How far the clocks of the store, a GC and a push may disagree (1 minute). */
export const CLOCK_SKEW_MS = 60 * 1000;
