/** Branded units: bearings, tilts and coordinates are easy to mix up, so the type says which is which. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Angle in degrees. */
export type Degrees = Brand<number, 'Degrees'>;
/** Distance in metres. */
export type Metres = Brand<number, 'Metres'>;
/** Milliseconds since the Unix epoch. */
export type EpochMs = Brand<number, 'EpochMs'>;

export const deg = (n: number): Degrees => n as Degrees;
export const metres = (n: number): Metres => n as Metres;
