/**
 * The simulated decoder's preview page: its HDMI output as HTML. A 1920x1080 stage scaled to the
 * window, one element per output at its `dest`, stacked by `z`, each playing its stream with
 * mpegts.js and showing its `crop` of the picture, labelled with the camera id. It polls the
 * decoder for the layout it holds. Element contract: docs/decoder-protocol.md, "The preview page".
 */
export function previewPage(decoderId: string, output: { width: number; height: number }): string {
  const id = JSON.stringify(decoderId);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>Decoder ${decoderId.replace(/[<>&"]/g, '')}</title>
<style>
  html, body { margin: 0; height: 100%; background: #000; overflow: hidden; }
  #out { position: absolute; left: 0; top: 0; width: ${output.width}px; height: ${output.height}px; transform-origin: 0 0; background: #050505; }
  .o { position: absolute; overflow: hidden; background: #101418; box-shadow: inset 0 0 0 1px #2a3038; }
  .o video { position: absolute; object-fit: fill; }
  .o .l { position: absolute; left: 8px; top: 6px; padding: 2px 6px; color: #fff; background: rgba(0, 0, 0, .55);
          font: 20px/1.3 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; pointer-events: none; }
  .o[data-state="error"] .l { background: rgba(160, 20, 20, .8); }
  /* The OSD (PTZ HUD) lies over the whole picture, not the crop, so a window spanning panels has one HUD. */
  .o .h { position: absolute; pointer-events: none; color: #7dff9a; font: 600 30px/1.35 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
          text-shadow: 0 0 3px #000, 0 0 6px #000; }
  .o .h .t { position: absolute; right: 18px; top: 14px; text-align: right; white-space: pre; }
  .o .h .m { position: absolute; left: 50%; top: 50%; width: 64px; height: 64px; margin: -32px 0 0 -32px; }
  .o .h .m::before, .o .h .m::after { content: ""; position: absolute; background: #7dff9a; box-shadow: 0 0 3px #000; }
  .o .h .m::before { left: 0; right: 0; top: 31px; height: 2px; }
  .o .h .m::after { top: 0; bottom: 0; left: 31px; width: 2px; }
</style>
</head>
<body>
<div id="out" data-decoder=${id} data-revision="0"></div>
<script src="/mpegts.js"></script>
<script>
(() => {
  const W = ${output.width}, H = ${output.height};
  const out = document.getElementById('out');
  const tiles = new Map(); // output id -> { el, video, label, hud, player, url }
  const fit = () => { out.style.transform = 'scale(' + innerWidth / W + ',' + innerHeight / H + ')'; };
  addEventListener('resize', fit); fit();

  const stop = (t) => { if (t.player) { try { t.player.destroy(); } catch (e) {} t.player = null; } t.last = 0; t.still = 0; };
  // IDLE (no stream) => CONNECTING (player created) => PLAYING (frames advance) | ERROR
  const setState = (t, s) => { t.el.dataset.state = s; };

  const play = (t, stream) => {
    stop(t);
    t.url = stream ? stream.url : null;
    if (!stream) { setState(t, 'idle'); return; }
    setState(t, 'connecting');
    if (!window.mpegts || !mpegts.isSupported()) { setState(t, 'error'); t.label.textContent += ' (no MSE)'; return; }
    const p = mpegts.createPlayer({ type: 'flv', isLive: true, url: stream.url },
      { enableStashBuffer: false, liveBufferLatencyChasing: true, autoCleanupSourceBuffer: true });
    t.player = p;
    p.on(mpegts.Events.ERROR, () => setState(t, 'error'));
    p.attachMediaElement(t.video);
    p.load();
    Promise.resolve(p.play()).catch(() => {});
  };

  const place = (t, o) => {
    const s = t.el.style;
    s.left = o.dest.x + 'px'; s.top = o.dest.y + 'px'; s.width = o.dest.w + 'px'; s.height = o.dest.h + 'px'; s.zIndex = String(o.z);
    const vw = o.dest.w / (o.crop.w || 1), vh = o.dest.h / (o.crop.h || 1);
    const v = t.video.style;
    v.width = vw + 'px'; v.height = vh + 'px'; v.left = -o.crop.x * vw + 'px'; v.top = -o.crop.y * vh + 'px';
    const h = t.hud.style;
    h.width = v.width; h.height = v.height; h.left = v.left; h.top = v.top;
  };

  const drawOsd = (t, item) => {
    t.hud.hidden = !item;
    t.el.dataset.osd = item ? item.lines.join(' ') : '';
    if (!item) return;
    t.hud.firstChild.textContent = item.lines.join('\\n');
    t.hud.lastChild.hidden = !item.mark;
  };

  const apply = (layout) => {
    const seen = new Set();
    for (const o of layout.outputs) {
      seen.add(o.id);
      let t = tiles.get(o.id);
      if (!t) {
        const el = document.createElement('div'); el.className = 'o'; el.dataset.output = o.id;
        const video = document.createElement('video'); video.muted = true; video.autoplay = true; video.playsInline = true;
        const label = document.createElement('div'); label.className = 'l';
        const hud = document.createElement('div'); hud.className = 'h'; hud.hidden = true;
        hud.innerHTML = '<div class="t"></div><div class="m"></div>';
        el.append(video, hud, label); out.append(el);
        t = { el, video, label, hud, player: null, url: undefined, last: 0, still: 0 };
        tiles.set(o.id, t);
      }
      place(t, o);
      const cam = o.stream ? o.stream.cameraId : '';
      t.el.dataset.camera = cam;
      t.el.dataset.profile = o.stream ? o.stream.profile : '';
      t.label.textContent = cam ? cam + (o.label ? ' ' + o.label : '') + (o.stream.profile === 'sub' ? ' (sub)' : '') : '';
      const url = o.stream ? o.stream.url : null;
      if (url !== t.url) play(t, o.stream);
    }
    for (const [id, t] of tiles) if (!seen.has(id)) { stop(t); t.el.remove(); tiles.delete(id); }
    out.dataset.revision = String(layout.revision);
  };

  // 'playing' only while frames advance (play() alone fires timeupdate); 3 s frozen => back to CONNECTING.
  setInterval(() => {
    for (const t of tiles.values()) {
      if (!t.player || t.el.dataset.state === 'error') continue;
      const ct = t.video.currentTime;
      if (ct > t.last) { t.last = ct; t.still = 0; setState(t, 'playing'); }
      else if (++t.still >= 6 && t.el.dataset.state === 'playing') setState(t, 'connecting');
    }
  }, 500);

  let shown = -1;
  const poll = async () => {
    try {
      const r = await fetch('/sim/preview', { cache: 'no-store' });
      if (r.ok) {
        const layout = await r.json();
        if (layout.revision !== shown || layout.outputs.length !== tiles.size) { apply(layout); shown = layout.revision; }
        const osd = new Map(layout.osd.map((i) => [i.id, i]));
        for (const [id, t] of tiles) drawOsd(t, osd.get(id));
      }
    } catch (e) { /* decoder rebooting: keep the last picture */ }
    setTimeout(poll, 200); // the OSD follows a moving head
  };
  poll();
})();
</script>
</body>
</html>
`;
}

/**
 * The simulated LED controller's preview page: the strip as it lights. The text scrolls right to
 * left at the controller's speed (LED pixels a second, on a 32-pixel line: the speed scales with the
 * drawn text height) in its colour, by one CSS animation of a transform. It polls the controller's
 * status for the state it holds. Element contract: docs/decoder-protocol.md, "The preview page".
 */
export function ledPreviewPage(id: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>LED ${id.replace(/[<>&"]/g, '')}</title>
<style>
  html, body { margin: 0; height: 100%; background: #000; overflow: hidden; }
  #strip { position: absolute; inset: 0; overflow: hidden; white-space: nowrap; background: #050505;
           font: 700 70vh/100vh "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
  #text { position: absolute; left: 0; top: 0; display: inline-block; padding: 0 .2em; text-shadow: 0 0 .25em currentColor; will-change: transform; }
  #text.scrolling { animation: led-scroll linear infinite; animation-duration: var(--led-s); }
  @keyframes led-scroll { from { transform: translateX(var(--led-from)); } to { transform: translateX(var(--led-to)); } }
</style>
</head>
<body>
<div id="strip" data-revision="0"><span id="text"></span></div>
<script>
(() => {
  const strip = document.getElementById('strip');
  let text = document.getElementById('text');
  let shown = '';
  const run = (led) => {
    // A new element restarts the animation from the right edge.
    const t = document.createElement('span');
    t.id = 'text';
    t.textContent = led.text;
    t.style.color = led.colour;
    text.replaceWith(t);
    text = t;
    const from = strip.clientWidth, to = -t.scrollWidth;
    const speed = led.speedPxS * parseFloat(getComputedStyle(t).fontSize) / 32;
    const scrolling = speed > 0 && led.text !== '';
    if (scrolling) {
      t.style.setProperty('--led-from', from + 'px');
      t.style.setProperty('--led-to', to + 'px');
      t.style.setProperty('--led-s', (from - to) / speed + 's');
      t.className = 'scrolling';
    }
    strip.dataset.text = led.text;
    strip.dataset.colour = led.colour;
    strip.dataset.speed = String(led.speedPxS);
    strip.dataset.scrolling = String(scrolling);
  };
  let last = null;
  addEventListener('resize', () => last && run(last));
  const poll = async () => {
    try {
      const r = await fetch('/api/v1/status', { cache: 'no-store' });
      if (r.ok) {
        const s = await r.json();
        const key = JSON.stringify(s.led);
        if (key !== shown) { shown = key; last = s.led; run(s.led); strip.dataset.revision = String(s.led.revision); }
      }
    } catch (e) { /* controller restarting: keep the last text */ }
    setTimeout(poll, 500);
  };
  poll();
})();
</script>
</body>
</html>
`;
}
