import { describe, expect, it } from 'vitest';
import {
  angleDiff,
  clickToCentre,
  compassWord,
  degPerSecForVelocity,
  focalForZoom,
  fovDegrees,
  fovForZoom,
  joystickCurve,
  levelForSpeed,
  levelForVelocity,
  MoveLimiter,
  normalizeBearing,
  normalizeSigned,
  panFromOnvif,
  panToOnvif,
  speedForLevel,
  tiltFromOnvif,
  tiltToOnvif,
  trueBearing,
  velocityForDegPerSec,
  zoomForHorizontalFov,
  zoomFromOnvif,
  zoomToOnvif,
  type Lens,
} from './ptz';
import { deg } from './units';

const visible: Lens = { sensorWidthMm: 7.18, sensorHeightMm: 5.32, focalMinMm: 10, focalMaxMm: 350 };
const thermal: Lens = { sensorWidthMm: 6.528, sensorHeightMm: 4.896, focalMinMm: 35, focalMaxMm: 35 };

describe('bearings', () => {
  it('normalises into [0, 360) and (-180, 180]', () => {
    expect(normalizeBearing(0)).toBe(0);
    expect(normalizeBearing(360)).toBe(0);
    expect(normalizeBearing(-0)).toBe(0);
    expect(normalizeBearing(-10)).toBe(350);
    expect(normalizeBearing(725)).toBe(5);
    expect(normalizeSigned(190)).toBe(-170);
    expect(normalizeSigned(180)).toBe(180);
    expect(normalizeSigned(-180)).toBe(180);
    expect(angleDiff(350, 10)).toBe(20);
    expect(angleDiff(10, 350)).toBe(-20);
  });

  it('adds the tower north offset to get a true bearing', () => {
    expect(trueBearing(deg(359.5), 0.8)).toBeCloseTo(0.3, 9);
    expect(trueBearing(deg(0.5), -1.2)).toBeCloseTo(359.3, 9);
  });

  it('names compass sectors in Chinese and English', () => {
    expect(compassWord(0)).toBe('北');
    expect(compassWord(22.4)).toBe('北');
    expect(compassWord(22.5)).toBe('东北');
    expect(compassWord(135)).toBe('东南');
    expect(compassWord(337.6)).toBe('北');
    expect(compassWord(-90)).toBe('西');
    expect(compassWord(200, 'en')).toBe('S');
    expect(compassWord(202.5, 'en', 16)).toBe('SSW');
    expect(compassWord(22.5, 'zh', 16)).toBe('北东北');
    expect(compassWord(350, 'en', 16)).toBe('N');
  });
});

describe('lens geometry', () => {
  it('computes the field of view from sensor and focal length', () => {
    // 2·atan(7.18 / 20) = 39.50°, 2·atan(5.32 / 20) = 29.79°
    const wide = fovForZoom(visible, 1);
    expect(wide.h).toBeCloseTo(39.5, 2);
    expect(wide.v).toBeCloseTo(29.79, 2);
    // 32x = 320 mm: 2·atan(7.18 / 640) = 1.2855°
    expect(fovForZoom(visible, 32).h).toBeCloseTo(1.2855, 3);
    // Fixed thermal lens: 35 mm on a 384 x 17 µm = 6.528 mm sensor → 10.66°, whatever the zoom.
    expect(fovForZoom(thermal, 1).h).toBeCloseTo(10.66, 2);
    expect(fovForZoom(thermal, 20).h).toBeCloseTo(10.66, 2);
    expect(fovDegrees(36, 50)).toBeCloseTo(39.6, 1);
  });

  it('maps zoom to focal length and back', () => {
    expect(focalForZoom(visible, 1)).toBe(10);
    expect(focalForZoom(visible, 12.5)).toBe(125);
    expect(focalForZoom(visible, 40)).toBe(350);
    expect(focalForZoom(visible, 0.5)).toBe(10);
    expect(zoomForHorizontalFov(visible, fovForZoom(visible, 12).h)).toBeCloseTo(12, 9);
  });
});

describe('ONVIF normalised spaces', () => {
  it('maps pan -1..1 to -180..180 and reports 0..360', () => {
    expect(panToOnvif(90)).toBe(0.5);
    expect(panToOnvif(270)).toBe(-0.5);
    expect(panToOnvif(180)).toBe(1);
    expect(panFromOnvif(-0.5)).toBe(270);
    expect(panFromOnvif(1)).toBe(180);
    expect(panFromOnvif(-1)).toBe(180);
    expect(panFromOnvif(panToOnvif(123.45))).toBeCloseTo(123.45, 9);
  });

  it('maps tilt -1..1 to -45..45 and zoom 0..1 to 1..32x', () => {
    expect(tiltToOnvif(-45)).toBe(-1);
    expect(tiltToOnvif(60)).toBe(1);
    expect(tiltFromOnvif(0.5)).toBe(22.5);
    expect(zoomToOnvif(1)).toBe(0);
    expect(zoomToOnvif(32)).toBe(1);
    expect(zoomFromOnvif(0.5)).toBe(16.5);
    expect(zoomFromOnvif(zoomToOnvif(12))).toBeCloseTo(12, 9);
  });
});

describe('speed levels', () => {
  it('spans 0.1 to 30 °/s in 64 geometric levels', () => {
    expect(speedForLevel(1)).toBeCloseTo(0.1, 9);
    expect(speedForLevel(64)).toBeCloseTo(30, 9);
    expect(speedForLevel(32)).toBeCloseTo(0.1 * 300 ** (31 / 63), 9);
    for (let l = 1; l <= 64; l++) expect(levelForSpeed(speedForLevel(l))).toBe(l);
    expect(levelForSpeed(0)).toBe(1);
    expect(levelForSpeed(100)).toBe(64);
  });

  it('quantises normalised velocities to levels', () => {
    expect(levelForVelocity(0)).toBe(0);
    expect(levelForVelocity(0.001)).toBe(1);
    expect(levelForVelocity(-1)).toBe(64);
    expect(levelForVelocity(0.5)).toBe(32);
    expect(degPerSecForVelocity(-1)).toBeCloseTo(-30, 9);
    // A full circle in at most 5 minutes needs ≥ 1.2 °/s: the velocity found moves at least that fast.
    const v = velocityForDegPerSec(1.2);
    expect(degPerSecForVelocity(v)).toBeGreaterThanOrEqual(1.2);
    expect(degPerSecForVelocity(v - 1 / 64)).toBeLessThan(1.2);
  });
});

describe('click-to-centre', () => {
  const fov = { h: 40, v: 30 };

  it('leaves the centre where it is and reaches the edge at half the FOV', () => {
    const c = clickToCentre({ x: 0, y: 0 }, fov);
    expect(c.pan).toBeCloseTo(0, 9);
    expect(c.tilt).toBeCloseTo(0, 9);
    expect(clickToCentre({ x: 1, y: 0 }, fov).pan).toBeCloseTo(20, 9);
    expect(clickToCentre({ x: -1, y: 0 }, fov).pan).toBeCloseTo(-20, 9);
    // y down on screen: the top edge is up.
    expect(clickToCentre({ x: 0, y: -1 }, fov).tilt).toBeCloseTo(15, 9);
    expect(clickToCentre({ x: 0, y: 1 }, fov).tilt).toBeCloseTo(-15, 9);
  });

  it('follows the rectilinear projection, not a linear one', () => {
    // Half-way to the edge is atan(0.5·tan 20°) = 10.31°, not 10°.
    expect(clickToCentre({ x: 0.5, y: 0 }, fov).pan).toBeCloseTo(10.31, 2);
  });

  it('accounts for the current tilt', () => {
    // Looking 30° up, a point at the right edge of the centre row lies at a wider pan angle
    // (atan(tan20°/cos30°) = 22.80°) and a lower elevation than the centre.
    const c = clickToCentre({ x: 1, y: 0 }, fov, 30);
    expect(c.pan).toBeCloseTo(22.796, 3);
    expect(c.tilt).toBeLessThan(0);
    // Vertical clicks on the centre column just add to the tilt.
    expect(clickToCentre({ x: 0, y: -1 }, fov, 30).tilt).toBeCloseTo(15, 9);
  });
});

describe('joystick curve', () => {
  it('has a deadzone and uses the full range beyond it', () => {
    expect(joystickCurve(0.05, { deadzone: 0.1 })).toBe(0);
    expect(joystickCurve(-0.1, { deadzone: 0.1 })).toBe(0);
    expect(joystickCurve(1, { deadzone: 0.1, exponent: 2 })).toBe(1);
    expect(joystickCurve(-1, { deadzone: 0.1, exponent: 3 })).toBe(-1);
    expect(joystickCurve(0.55, { deadzone: 0.1, exponent: 2 })).toBeCloseTo(0.25, 9);
    expect(joystickCurve(0.55, { deadzone: 0.1, exponent: 1 })).toBeCloseTo(0.5, 9);
    expect(joystickCurve(1.4)).toBe(1);
  });
});

describe('MoveLimiter', () => {
  const v = (pan: number, tilt = 0, zoom = 0) => ({ pan, tilt, zoom });

  it('sends on change at most every 100 ms, repeats held moves as keep-alive, stops at once', () => {
    let t = 0;
    const lim = new MoveLimiter({ now: () => t, minIntervalMs: 100, keepAliveMs: 1000 });
    expect(lim.update(v(0))).toBeUndefined();
    expect(lim.dueInMs()).toBeUndefined();
    expect(lim.update(v(0.5))).toEqual({ kind: 'move', velocity: v(0.5) });
    t = 16;
    expect(lim.update(v(0.6))).toBeUndefined();
    expect(lim.dueInMs()).toBe(84);
    expect(lim.hasPendingChange()).toBe(true);
    t = 50;
    expect(lim.update(v(0.7))).toBeUndefined();
    t = 100;
    expect(lim.poll()).toEqual({ kind: 'move', velocity: v(0.7) });
    expect(lim.hasPendingChange()).toBe(false);
    // Unchanged: nothing until the keep-alive is due.
    t = 500;
    expect(lim.update(v(0.705))).toBeUndefined();
    expect(lim.dueInMs()).toBe(600);
    t = 1100;
    expect(lim.update(v(0.7))).toEqual({ kind: 'move', velocity: v(0.7) });
    // Release 10 ms later: the stop is not held back by the interval.
    t = 1110;
    expect(lim.update(v(0))).toEqual({ kind: 'stop' });
    expect(lim.update(v(0))).toBeUndefined();
    expect(lim.dueInMs()).toBeUndefined();
  });

  it('counts a sign change as a change however small', () => {
    let t = 0;
    const lim = new MoveLimiter({ now: () => t });
    lim.update(v(0.004));
    t = 200;
    expect(lim.update(v(-0.004))).toEqual({ kind: 'move', velocity: v(-0.004) });
  });

  it('never exceeds 10 commands per second under a 60 Hz stream of changing readings', () => {
    let t = 0;
    const lim = new MoveLimiter({ now: () => t });
    let sent = 0;
    for (let i = 0; i < 600; i++) {
      t = i * (1000 / 60);
      if (lim.update(v(Math.sin(i / 10)))) sent++;
    }
    expect(sent).toBeLessThanOrEqual(101);
    expect(sent).toBeGreaterThan(80);
  });
});
