/**
 * A host process for orphans.test.ts: pulls a playing stream (retained, and packaged as HLS) and a
 * stalled one, prints the pids of its ffmpeg processes, then idles until it is killed.
 * Usage: node --import tsx orphan-host.fixture.ts <clip.mp4> <hls root> <url of a silent server>
 */
import { createStreamGateway } from './gateway';
import { startMediaServer } from './test-support';

const [clip, hlsRoot, silentUrl] = process.argv.slice(2);
if (!clip || !hlsRoot || !silentUrl) throw new Error('usage: orphan-host.fixture.ts <clip> <hls root> <silent url>');

const gateway = createStreamGateway({
  resolve: (key) => (key === 'stalled/main' ? { url: silentUrl } : { url: clip, inputArgs: ['-re', '-stream_loop', '-1'] }),
  hlsRoot,
});
gateway.retain('cam1/main');
gateway.retain('stalled/main');
const server = await startMediaServer(gateway);
const res = await fetch(`${server.base}/media/cam1/main/hls/index.m3u8`);
if (res.status !== 200) throw new Error(`HLS playlist: ${res.status} ${await res.text()}`);
const pidOf = (key: string) => gateway.list().find((i) => i.key === key)?.stats.pid;
const upstream = pidOf('cam1/main');
const stalled = pidOf('stalled/main');
const { execFileSync } = await import('node:child_process');
// The packager is the ffmpeg writing into hlsRoot (this process has hlsRoot in its arguments too).
const hls = execFileSync('pgrep', ['-f', hlsRoot], { encoding: 'utf8' })
  .split('\n')
  .filter(Boolean)
  .map(Number)
  .filter((pid) => pid !== process.pid);
console.log(JSON.stringify({ host: process.pid, upstream, stalled, hls }));
setInterval(() => undefined, 60_000);
