/**
 * What a value becomes after JSON.stringify and JSON.parse: dates become ISO
 * strings. Views are handed to the browser in this shape both in the first
 * render and in every refetch, so the two can never differ.
 */
export type Json<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export function toJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value)) as Json<T>;
}
