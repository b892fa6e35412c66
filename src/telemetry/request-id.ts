import { randomBytes } from 'node:crypto';

/** The header a request id comes in and goes back out in. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Longest incoming id kept; longer ones are replaced. */
export const REQUEST_ID_MAX_CHARS = 128;
const SANE = /^[A-Za-z0-9._:@/+=-]+$/;

/** Whether an incoming x-request-id may be echoed and logged as is (printable, short, no spaces). */
export function isSaneRequestId(value: string | undefined): value is string {
  return value !== undefined && value.length > 0 && value.length <= REQUEST_ID_MAX_CHARS && SANE.test(value);
}

// A random per-process prefix and a counter: unique enough across a fleet, and far cheaper
// per request than random bytes.
const PREFIX = randomBytes(6).toString('base64url');
let counter = 0;

/** A short new id: 8 random characters of this process, then a base-36 counter. */
export function newRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PREFIX}${counter.toString(36)}`;
}

/** The incoming id when it is sane, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return isSaneRequestId(value) ? value : newRequestId();
}
