import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkTour, TOUR_FILE_MAX_CHARS, tourFileName, type Tour, type TourContext } from '../../common/demo';
import type { Logger } from '../host/dispatch';
import { writeFileAtomic } from '../wall/scene-store';

export interface RejectedTour {
  file: string;
  reasons: string[];
}

const TOUR_FILE = /\.(json|ya?ml)$/i;

/** Parses a tour file's text (JSON or YAML) and checks it; every reason it is refused, naming the step and field. */
export function parseTourText(text: string, ctx?: TourContext): { ok: true; tour: Tour } | { ok: false; reasons: string[] } {
  if (text.length > TOUR_FILE_MAX_CHARS) return { ok: false, reasons: [`file of ${text.length} characters; at most ${TOUR_FILE_MAX_CHARS}`] };
  let raw: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both. Aliases are capped so a small file cannot blow up.
    raw = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (e) {
    return { ok: false, reasons: [`not JSON or YAML: ${(e as Error).message.split('\n')[0]}`] };
  }
  return checkTour(raw, ctx);
}

/**
 * Tours as files in one folder (`<data>/demo/`), JSON or YAML. Every file is checked when the list is
 * read, so one dropped into the folder shows up without a restart; a bad file is listed as refused
 * with its reasons and the others load.
 */
export class TourStore {
  constructor(private readonly opts: { dir: string; ctx?: TourContext; log: Logger }) {
    mkdirSync(opts.dir, { recursive: true });
  }

  load(): { tours: Map<string, { tour: Tour; file: string }>; rejected: RejectedTour[] } {
    const tours = new Map<string, { tour: Tour; file: string }>();
    const rejected: RejectedTour[] = [];
    let files: string[] = [];
    try {
      files = readdirSync(this.opts.dir).filter((f) => TOUR_FILE.test(f));
    } catch (e) {
      this.opts.log('warn', `demo: cannot list tours in ${this.opts.dir}: ${(e as Error).message}`);
    }
    for (const file of files.sort()) {
      let text: string;
      try {
        text = readFileSync(join(this.opts.dir, file), 'utf8');
      } catch (e) {
        rejected.push({ file, reasons: [`cannot read: ${(e as Error).message}`] });
        continue;
      }
      const r = parseTourText(text, this.opts.ctx);
      if (!r.ok) rejected.push({ file, reasons: r.reasons });
      else if (tours.has(r.tour.name)) rejected.push({ file, reasons: [`name: a tour named "${r.tour.name}" is already loaded from ${tours.get(r.tour.name)!.file}`] });
      else tours.set(r.tour.name, { tour: r.tour, file });
    }
    return { tours, rejected };
  }

  get(name: string): Tour | undefined {
    return this.load().tours.get(name)?.tour;
  }

  save(tour: Tour): void {
    const existing = this.load().tours.get(tour.name);
    writeFileAtomic(join(this.opts.dir, existing?.file ?? tourFileName(tour.name)), `${JSON.stringify(tour, null, 2)}\n`);
  }

  delete(name: string): boolean {
    const existing = this.load().tours.get(name);
    if (!existing) return false;
    rmSync(join(this.opts.dir, existing.file), { force: true });
    return true;
  }
}
