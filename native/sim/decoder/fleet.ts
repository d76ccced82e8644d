import { startSimDecoder, type SimDecoder, type SimDecoderOptions } from './device';

/** Credentials of every simulated decoder (the simulated site's addresses carry them). */
export const SIM_DECODER_CREDENTIALS = { user: 'admin', password: 'skywatch-sim' } as const;

export interface DecoderFleetOptions {
  host?: string;
  /** First port; decoder i listens on basePort + i, the LED controller after them. 0 = ephemeral ports. */
  basePort?: number;
  /** How many decoders (15 for the 3 x 5 wall). */
  count: number;
  /** Id of decoder i (0-based); default `d01`, `d02`, … as in the simulated site. */
  idOf?: (i: number) => string;
  /** Base for relative stream URLs, e.g. `ws://127.0.0.1:8650/?token=…`. */
  hostMediaBase?: string;
  /** Also start an LED strip controller. Default true. */
  led?: boolean;
  /** Per-decoder overrides (capacity, reboot time, no credentials, …). */
  override?: (id: string) => Partial<SimDecoderOptions> | undefined;
  log?: SimDecoderOptions['log'];
}

/** One simulated decoder per wall panel, plus the LED strip controller. */
export interface DecoderFleet {
  readonly decoders: readonly SimDecoder[];
  readonly led: SimDecoder | undefined;
  get(id: string): SimDecoder | undefined;
  /** The site file's `address` of a decoder (credentials included). */
  addressOf(id: string): string | undefined;
  /** The site file's `wall.led.address`. */
  readonly ledAddress: string | undefined;
  setHostMediaBase(url: string | undefined): void;
  close(): Promise<void>;
}

export async function startDecoderFleet(opts: DecoderFleetOptions): Promise<DecoderFleet> {
  const idOf = opts.idOf ?? ((i: number) => `d${String(i + 1).padStart(2, '0')}`);
  const base = opts.basePort ?? 0;
  const started: SimDecoder[] = [];
  const common = {
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.hostMediaBase ? { hostMediaBase: opts.hostMediaBase } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    credentials: { ...SIM_DECODER_CREDENTIALS },
  };
  let led: SimDecoder | undefined;
  try {
    for (let i = 0; i < opts.count; i++) {
      const id = idOf(i);
      started.push(await startSimDecoder({ ...common, id, port: base ? base + i : 0, ...opts.override?.(id) }));
    }
    if (opts.led !== false) led = await startSimDecoder({ ...common, id: 'led', kind: 'led', port: base ? base + opts.count : 0 });
  } catch (e) {
    await Promise.all(started.map((d) => d.close()));
    throw e;
  }
  const byId = new Map(started.map((d) => [d.id, d]));
  return {
    decoders: started,
    led,
    get: (id) => byId.get(id),
    addressOf: (id) => byId.get(id)?.address,
    ledAddress: led?.address,
    setHostMediaBase(url) {
      for (const d of started) d.setHostMediaBase(url);
    },
    async close() {
      await Promise.all([...started, ...(led ? [led] : [])].map((d) => d.close()));
    },
  };
}
