import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../process/ffmpeg-path';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, FlvDemuxer, type FlvTag } from './flv';
import { Fmp4Error, Fmp4ToFlv } from './fmp4-to-flv';
import { ffprobe } from './test-support';

const run = promisify(execFile);
let dir: string;
let fmp4: Buffer;
let videoOnly: Buffer;
const FRAMES = 50;

/** ffmpeg's fragmented MP4 of an HEVC picture, as the gateway has ffmpeg write it from a camera. */
async function makeFmp4(file: string, audio: boolean): Promise<Buffer> {
  const ffmpeg = locateFfmpeg().path;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000');
  args.push('-frames:v', String(FRAMES), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=25:bframes=0:log-level=error', '-tag:v', 'hvc1');
  if (audio) args.push('-c:a', 'aac', '-shortest');
  args.push('-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_every_frame', file);
  await run(ffmpeg, args);
  return readFileSync(file);
}

/** Feeds the converter in uneven chunks, as a pipe delivers them, and parses the FLV it gives. */
function convert(data: Buffer, chunk = 1000): { tags: FlvTag[]; header: FlvDemuxer['header'] } {
  const conv = new Fmp4ToFlv();
  const demux = new FlvDemuxer();
  const tags: FlvTag[] = [];
  for (let p = 0, i = 0; p < data.length; p += chunk + (i++ % 7) * 131) tags.push(...demux.push(conv.push(data.subarray(p, p + chunk + (i % 7) * 131))));
  return { tags, header: demux.header };
}

/** The FLV's HEVC back to an Annex-B elementary stream: parameter sets from the hvcC, then each frame's NAL units. */
function annexB(tags: FlvTag[]): Buffer {
  const start = Buffer.from([0, 0, 0, 1]);
  const out: Buffer[] = [];
  for (const t of tags.filter((x) => x.type === FLV_TAG_VIDEO)) {
    const body = t.data.subarray(5);
    if (t.isSequenceHeader) {
      let p = 23;
      const arrays = body[22] ?? 0;
      for (let a = 0; a < arrays; a++) {
        const n = body.readUInt16BE(p + 1);
        p += 3;
        for (let i = 0; i < n; i++) {
          const len = body.readUInt16BE(p);
          out.push(start, body.subarray(p + 2, p + 2 + len));
          p += 2 + len;
        }
      }
    } else {
      for (let p = 0; p < body.length; ) {
        const len = body.readUInt32BE(p);
        out.push(start, body.subarray(p + 4, p + 4 + len));
        p += 4 + len;
      }
    }
  }
  return Buffer.concat(out);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fmp4-flv-'));
  fmp4 = await makeFmp4(join(dir, 'av.mp4'), true);
  videoOnly = await makeFmp4(join(dir, 'v.mp4'), false);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fragmented MP4 → FLV for H.265 cameras', () => {
  it('gives HEVC tags (codec id 12) that start with the configuration and a keyframe, at 25 fps', () => {
    const { tags, header } = convert(videoOnly);
    expect(header).toEqual({ video: true, audio: false });
    const video = tags.filter((t) => t.type === FLV_TAG_VIDEO);
    expect(video.every((t) => ((t.data[0] ?? 0) & 0x0f) === 12)).toBe(true);
    expect(video[0]?.isSequenceHeader).toBe(true);
    const frames = video.filter((t) => !t.isSequenceHeader);
    expect(frames).toHaveLength(FRAMES);
    expect(frames[0]?.isKeyframe).toBe(true);
    // keyint=25: keyframes at 0 and 25.
    expect(frames.flatMap((t, i) => (t.isKeyframe ? [i] : []))).toEqual([0, 25]);
    const gaps = frames.slice(1).map((t, i) => t.timestamp - frames[i]!.timestamp);
    expect(gaps.every((g) => g >= 39 && g <= 41)).toBe(true);
  });

  it('carries the picture exactly: ffmpeg decodes every frame of the stream rebuilt from the tags', async () => {
    const { tags } = convert(videoOnly, 333);
    const file = join(dir, 'rebuilt.hevc');
    writeFileSync(file, annexB(tags));
    const probe = (await ffprobe(file, ['-count_frames', '-select_streams', 'v:0'])) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] };
    const s = probe.streams[0];
    expect(s).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
    expect(Number(s?.nb_read_frames)).toBe(FRAMES);
  });

  it('carries AAC audio with its configuration, interleaved with the video in time', () => {
    const { tags, header } = convert(fmp4);
    expect(header).toEqual({ video: true, audio: true });
    const audio = tags.filter((t) => t.type === FLV_TAG_AUDIO);
    expect(audio[0]?.isSequenceHeader).toBe(true);
    expect(audio.length).toBeGreaterThan(20);
    expect(audio.every((t) => t.data[0] === 0xaf)).toBe(true);
    const media = tags.filter((t) => !t.isSequenceHeader);
    const last = media.at(-1)!.timestamp;
    expect(last).toBeGreaterThan(1800);
    expect(last).toBeLessThan(2200);
  });

  it('refuses a stream that is not fragmented HEVC with a clear reason', () => {
    expect(() => new Fmp4ToFlv().push(Buffer.from('\x00\x00\x00\x10moofxxxxxxxx', 'latin1'))).toThrow(/fragment before the movie header/);
    expect(() => new Fmp4ToFlv().push(Buffer.from('\xff\xff\xff\xffjunk', 'latin1'))).toThrow(Fmp4Error);
  });
});
