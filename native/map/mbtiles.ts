import { readFile, stat, writeFile } from 'node:fs/promises';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { tmsRow } from '../../common/tiles';

/**
 * MBTiles (an SQLite file of tiles, TMS rows) read with sql.js, SQLite compiled to WebAssembly, so
 * the host needs no native module. The file is read into memory once: fine for county basemaps and
 * DEMs of some hundred megabytes; bigger archives belong in PMTiles, which is read by ranges.
 */

let engine: Promise<SqlJsStatic> | undefined;
const sqlite = (): Promise<SqlJsStatic> => (engine ??= initSqlJs());

/** An MBTiles file that could not be opened, with the reason in words. */
export class TileFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TileFileError';
  }
}

export class MbtilesFile {
  private readonly tileQuery;
  private constructor(
    readonly path: string,
    private readonly db: Database,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    this.tileQuery = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
  }

  static async open(path: string): Promise<MbtilesFile> {
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
      throw new TileFileError(e.code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${e.code ?? e.message}`);
    });
    if (!info.isFile()) throw new TileFileError(`not a file: ${path}`);
    const bytes = await readFile(path);
    if (bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') throw new TileFileError(`not an MBTiles (SQLite) file: ${path}`);
    const SQL = await sqlite();
    let db: Database;
    try {
      db = new SQL.Database(bytes);
      const meta: Record<string, string> = {};
      const rows = db.exec('SELECT name, value FROM metadata')[0]?.values ?? [];
      for (const [name, value] of rows) meta[String(name)] = String(value);
      return new MbtilesFile(path, db, meta);
    } catch (e) {
      throw new TileFileError(`${path} is not a usable MBTiles file: ${(e as Error).message}`);
    }
  }

  /** Tile bytes at XYZ coordinates, or undefined where the file has none. */
  tile(z: number, x: number, y: number): Uint8Array | undefined {
    const q = this.tileQuery;
    q.bind([z, x, tmsRow(y, z)]);
    try {
      return q.step() ? (q.get()[0] as Uint8Array) : undefined;
    } finally {
      q.reset();
    }
  }

  /** Zoom levels present in the tiles table, when the metadata does not say. */
  zoomRange(): { min: number; max: number } | undefined {
    const r = this.db.exec('SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles')[0]?.values[0];
    return r && r[0] !== null ? { min: Number(r[0]), max: Number(r[1]) } : undefined;
  }

  close(): void {
    this.tileQuery.free();
    this.db.close();
  }
}

/** Writes an MBTiles file (XYZ coordinates in, TMS rows stored). */
export async function writeMbtiles(path: string, metadata: Record<string, string>, tiles: Iterable<{ z: number; x: number; y: number; data: Uint8Array }>): Promise<void> {
  const SQL = await sqlite();
  const db = new SQL.Database();
  try {
    db.run('CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);');
    db.run('CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)');
    for (const [k, v] of Object.entries(metadata)) db.run('INSERT INTO metadata VALUES (?, ?)', [k, v]);
    const ins = db.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?)');
    db.run('BEGIN');
    for (const t of tiles) ins.run([t.z, t.x, tmsRow(t.y, t.z), t.data]);
    db.run('COMMIT');
    ins.free();
    await writeFile(path, db.export());
  } finally {
    db.close();
  }
}
