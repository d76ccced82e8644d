import { CHROMIUM_ARGS } from './chromium';

/** Chromium with a fake camera and microphone that may connect peers over loopback (conference tests and bench). */
export const CONFERENCE_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Host candidates as addresses rather than mDNS names, so loopback ones can be recognised and kept.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/**
 * A page init script (a string: the test runner's transpiler would inject helpers the page lacks):
 * only 127.0.0.1 / ::1 ICE candidates are added, so no media path off loopback can form even where
 * the run is not inside a loopback-only network namespace.
 */
export const LOOPBACK_ONLY_ICE = `(() => {
  const add = RTCPeerConnection.prototype.addIceCandidate;
  RTCPeerConnection.prototype.addIceCandidate = function (c, ...rest) {
    const line = c && typeof c === 'object' ? (c.candidate || '') : '';
    if (line && !/ (127\\.0\\.0\\.1|::1) /.test(line)) return Promise.resolve();
    return add.call(this, c, ...rest);
  };
})();`;

/** Frames decoded so far by each remote picture of a conference page, by peer id (page expression). */
export const REMOTE_FRAMES = `Object.fromEntries([...document.querySelectorAll('[data-testid=conf-tile]:not([data-self])')].map((f) => {
  const v = f.querySelector('video');
  return [f.dataset.peer, v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0];
}))`;
