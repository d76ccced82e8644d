import type { DecoderLayout, DecoderOsd, DecoderStatus, LedState } from '../../../common/wall';

/** Why a decoder did not do what it was asked; the controller acts on the kind. */
export type DecoderErrorKind =
  /** Connection refused, reset, no route: the decoder is offline. */
  | 'unreachable'
  /** No answer in time: offline as far as the wall is concerned. */
  | 'timeout'
  /** Credentials refused. */
  | 'unauthorized'
  /** The decoder holds a newer revision (`detail.revision`): send again above it. */
  | 'stale'
  /** The layout was refused (`detail.reasons`): do not retry the same layout. */
  | 'rejected'
  /** An answer that does not follow the protocol. */
  | 'protocol';

export class DecoderError extends Error {
  constructor(
    readonly kind: DecoderErrorKind,
    message: string,
    readonly detail: { revision?: number; reasons?: string[] } = {},
  ) {
    super(message);
    this.name = 'DecoderError';
  }
}

/** What a decoder answers to a layout. */
export interface ApplyAck {
  revision: number;
  /** False when it already showed exactly this revision (idempotent re-send). */
  changed: boolean;
}

/**
 * One wall decoder, whatever speaks to it. Every call sends or reads the *full* state, so a call
 * may be repeated at any time; failures are DecoderErrors.
 */
export interface DecoderDriver {
  /** Shows exactly this layout (all outputs) at this revision. */
  apply(layout: DecoderLayout): Promise<ApplyAck>;
  /** What the decoder reports it shows. */
  status(): Promise<DecoderStatus>;
  /**
   * Replaces the decoder's overlay (the PTZ HUD as text and an aiming mark), for decoders whose
   * status says `capacity.osd`. Drivers of decoders without OSD leave it out.
   */
  osd?(osd: DecoderOsd): Promise<void>;
  close(): Promise<void>;
}

/** The LED text strip's controller. */
export interface LedDriver {
  apply(revision: number, led: LedState): Promise<ApplyAck>;
  close(): Promise<void>;
}
