import { DEFAULT_SUB_STREAM_WEIGHT, type DecoderLayout, type DecoderStatus, type ReportedOutput } from '../../../common/wall';
import { DecoderError, type ApplyAck, type DecoderDriver } from './driver';

export interface SoftwareDecoderOptions {
  decoderId: string;
  maxStreams: number;
  panel: { width: number; height: number };
  now: () => number;
  /** Sends the desired layout to the page showing this panel (the `wall:decoderState` event). */
  publish: (layout: DecoderLayout) => void;
  /** A page that has not reported for this long is gone (default 6000 ms; pages report every 2 s). */
  staleMs?: number;
}

/** What a software decoder page reports (`wall:decoderReport`). */
export interface SoftwareReport {
  revision: number;
  outputs: ReportedOutput[];
}

/**
 * A renderer page that decodes one panel's windows. The host cannot reach into it, so "apply"
 * publishes the layout as an event and the page's reports are its status: no recent report,
 * no decoder (offline); a report of an older revision makes the controller publish again.
 */
export class SoftwareDecoderDriver implements DecoderDriver {
  private layout: DecoderLayout = { revision: 0, outputs: [] };
  private report: (SoftwareReport & { at: number; firstAt: number }) | undefined;

  constructor(private readonly opts: SoftwareDecoderOptions) {}

  async apply(layout: DecoderLayout): Promise<ApplyAck> {
    const changed = layout.revision !== this.layout.revision;
    this.layout = layout;
    this.opts.publish(layout);
    return { revision: layout.revision, changed };
  }

  async status(): Promise<DecoderStatus> {
    const r = this.report;
    const now = this.opts.now();
    if (!r || now - r.at > (this.opts.staleMs ?? 6000)) {
      throw new DecoderError('unreachable', `no software decoder page is showing panel ${this.opts.decoderId}`);
    }
    return {
      protocol: 1,
      model: 'software decoder (renderer)',
      firmware: '1',
      // The page draws the PTZ HUD itself, from the poses it receives; it takes no OSD from the host.
      capacity: { maxStreams: this.opts.maxStreams, subStreamWeight: DEFAULT_SUB_STREAM_WEIGHT, osd: false },
      output: { width: this.opts.panel.width, height: this.opts.panel.height },
      revision: r.revision,
      uptimeS: Math.round((now - r.firstAt) / 1000),
      outputs: r.outputs,
    };
  }

  /** Takes a page's report of what it plays. */
  reportFromPage(r: SoftwareReport): void {
    const now = this.opts.now();
    this.report = { ...r, at: now, firstAt: this.report?.firstAt ?? now };
  }

  /** The layout last published, for a page that has just opened. */
  current(): DecoderLayout {
    return this.layout;
  }

  async close(): Promise<void> {}
}
