import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scene } from '../../common/wall';
import type { Logger } from '../host/dispatch';

/** Writes a file via a temporary file and rename, so a crash leaves the old file or the new one, never half. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A file name for a scene: readable, safe on any file system, unique per name. */
export function sceneFileName(name: string): string {
  const readable = name.replace(/[^\p{L}\p{N}_-]+/gu, '_').slice(0, 40) || 'scene';
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${readable}-${hash}.json`;
}

export type SceneCheck = (raw: unknown) => { ok: true; scene: Scene } | { ok: false; reasons: string[] };

export interface RejectedScene {
  file: string;
  reasons: string[];
}

/**
 * Scenes (预案) as JSON files in one folder, one file per scene, in the export format. Files are
 * checked against the current wall when loaded: one that is corrupt, for another wall size or names
 * unknown cameras is listed as rejected with the reasons, and the others load.
 */
export class SceneStore {
  private readonly scenes = new Map<string, { scene: Scene; file: string }>();
  private rejectedFiles: RejectedScene[] = [];

  constructor(private readonly opts: { dir: string; check: SceneCheck; log: Logger }) {
    mkdirSync(opts.dir, { recursive: true });
    this.reload();
  }

  reload(): void {
    this.scenes.clear();
    this.rejectedFiles = [];
    let files: string[];
    try {
      files = readdirSync(this.opts.dir).filter((f) => f.endsWith('.json'));
    } catch (e) {
      this.opts.log('warn', `cannot list scenes in ${this.opts.dir}: ${(e as Error).message}`);
      return;
    }
    for (const file of files.sort()) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(join(this.opts.dir, file), 'utf8'));
      } catch (e) {
        this.reject(file, [`not a readable JSON file: ${(e as Error).message}`]);
        continue;
      }
      const r = this.opts.check(raw);
      if (!r.ok) {
        this.reject(file, r.reasons);
        continue;
      }
      const dup = this.scenes.get(r.scene.name);
      if (dup) {
        this.reject(file, [`another file (${dup.file}) holds a scene named "${r.scene.name}"`]);
        continue;
      }
      this.scenes.set(r.scene.name, { scene: r.scene, file });
    }
  }

  private reject(file: string, reasons: string[]): void {
    this.opts.log('warn', `scene file ${file} refused: ${reasons.join('; ')}`);
    this.rejectedFiles.push({ file, reasons });
  }

  list(): Scene[] {
    return [...this.scenes.values()].map((s) => s.scene).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  }

  rejected(): RejectedScene[] {
    return [...this.rejectedFiles];
  }

  get(name: string): Scene | undefined {
    return this.scenes.get(name)?.scene;
  }

  has(name: string): boolean {
    return this.scenes.has(name);
  }

  /** Writes a scene (replacing one of the same name). */
  save(scene: Scene): void {
    const file = this.scenes.get(scene.name)?.file ?? sceneFileName(scene.name);
    writeFileAtomic(join(this.opts.dir, file), `${JSON.stringify(scene, null, 2)}\n`);
    this.scenes.set(scene.name, { scene, file });
  }

  rename(from: string, to: string): Scene | undefined {
    const cur = this.scenes.get(from);
    if (!cur) return undefined;
    const scene = { ...cur.scene, name: to };
    const file = sceneFileName(to);
    writeFileAtomic(join(this.opts.dir, file), `${JSON.stringify(scene, null, 2)}\n`);
    if (file !== cur.file) rmSync(join(this.opts.dir, cur.file), { force: true });
    this.scenes.delete(from);
    this.scenes.set(to, { scene, file });
    return scene;
  }

  delete(name: string): boolean {
    const cur = this.scenes.get(name);
    if (!cur) return false;
    rmSync(join(this.opts.dir, cur.file), { force: true });
    this.scenes.delete(name);
    return true;
  }
}
