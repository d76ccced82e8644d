import type { SiteConfig } from '../../../common/site';
import type { DecoderLayout } from '../../../common/wall';
import type { Logger } from '../../host/dispatch';
import type { DecoderDriver } from './driver';
import { HttpJsonDecoderDriver } from './http-json';
import { SoftwareDecoderDriver } from './software';

/** A decoder entry of the site file. */
export type DecoderConfig = NonNullable<SiteConfig['wall']>['decoders'][number];

/** What a driver factory gets to build the driver of one decoder. */
export interface DecoderDriverContext {
  decoder: DecoderConfig;
  log: Logger;
  now: () => number;
  /** Publishes a software decoder's desired layout (the `wall:decoderState` event). */
  publish: (decoderId: string, layout: DecoderLayout) => void;
  /** Panel size, for drivers that report it themselves. */
  panel: { width: number; height: number };
}

export type DecoderDriverFactory = (ctx: DecoderDriverContext) => DecoderDriver;

/*
 * Drivers by the name the site file gives a decoder (`driver`). A vendor protocol is one more
 * registerDecoderDriver('vendor-x', …) and the name in the site schema's enum.
 */
const factories = new Map<string, DecoderDriverFactory>([
  [
    'http-json',
    ({ decoder }) => {
      if (!decoder.address) throw new Error(`decoder ${decoder.id}: the http-json driver needs an address`);
      return new HttpJsonDecoderDriver({ address: decoder.address });
    },
  ],
  [
    'software',
    ({ decoder, now, publish, panel }) =>
      new SoftwareDecoderDriver({ decoderId: decoder.id, maxStreams: decoder.maxStreams, now, publish: (l) => publish(decoder.id, l), panel }),
  ],
]);

export function registerDecoderDriver(name: string, factory: DecoderDriverFactory): void {
  factories.set(name, factory);
}

export const decoderDriverNames = (): string[] => [...factories.keys()];

/** Builds the driver a decoder's site entry names; throws for a name nobody registered. */
export function createDecoderDriver(ctx: DecoderDriverContext): DecoderDriver {
  const f = factories.get(ctx.decoder.driver);
  if (!f) throw new Error(`decoder ${ctx.decoder.id}: no driver "${ctx.decoder.driver}" (known: ${decoderDriverNames().join(', ')})`);
  return f(ctx);
}
