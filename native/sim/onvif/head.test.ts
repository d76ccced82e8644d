import { describe, expect, it } from 'vitest';
import { HeadCommandError, PtzHead, type HeadPreset } from './head';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PtzHead dynamics', () => {
  it('accelerates to the quantised speed and pans endlessly through 360°', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, initial: { pan: 350 }, accel: 90 });
    head.continuousMove({ x: 1 }, 60_000);
    c.advance(100);
    // After 0.1 s at 90 °/s² the head has moved ½·90·0.1² = 0.45°.
    expect(head.pose().pan).toBeCloseTo(350.45, 2);
    c.advance(1900);
    // Full speed (30 °/s) after 1/3 s: 0.333 s·15 °/s + 1.667 s·30 °/s = 55°, wrapped.
    expect(head.pose().pan).toBeCloseTo((350 + 55) % 360, 1);
    expect(head.pose().panTiltMoving).toBe(true);
  });

  it('brakes on Stop and honours the ContinuousMove Timeout', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, accel: 90 });
    head.continuousMove({ x: 1 }, 1000);
    c.advance(1000);
    const atTimeout = head.pose().pan;
    c.advance(1000);
    const p = head.pose();
    // Braking from 30 °/s at 90 °/s² takes 1/3 s and 5°.
    expect(p.pan - atTimeout).toBeCloseTo(5, 1);
    expect(p.panTiltMoving).toBe(false);
  });

  it('keeps going past the Timeout when simulating a model that ignores it', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, ignoreTimeout: true });
    head.continuousMove({ x: 0.5 }, 1000);
    c.advance(5000);
    expect(head.pose().panTiltMoving).toBe(true);
    head.stop();
    c.advance(1000);
    expect(head.pose().panTiltMoving).toBe(false);
  });

  it('stops tilt at ±45°', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now });
    head.continuousMove({ y: 1 }, 60_000);
    c.advance(4000);
    expect(head.pose().tilt).toBe(45);
    head.continuousMove({ y: -1 }, 60_000);
    c.advance(5000);
    expect(head.pose().tilt).toBe(-45);
  });

  it('reaches an absolute target exactly, by the shortest way round', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, initial: { pan: 10 } });
    head.absoluteMove({ x: -20 / 180, y: -3.2 / 45, zoom: 0.5 });
    c.advance(500);
    // Going down through 0/360, not up through 180.
    const mid = head.pose().pan;
    expect(mid < 10 || mid > 340).toBe(true);
    c.advance(5000);
    const p = head.pose();
    expect(p.pan).toBeCloseTo(340, 6);
    expect(p.tilt).toBeCloseTo(-3.2, 6);
    expect(p.zoom).toBeCloseTo(16.5, 6);
    expect(p.panTiltMoving || p.zoomMoving).toBe(false);
  });

  it('moves at the requested speed level', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, accel: 1e6 });
    // 0.5 → level 32 → 0.1·300^(31/63) = 1.65 °/s
    head.absoluteMove({ x: 0.5 }, { x: 0.5 });
    c.advance(10_000);
    expect(head.pose().pan).toBeCloseTo(16.5, 0);
  });

  it('zooms 1x→32x in the configured time and stops at the end', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, zoomTravelS: 4 });
    head.continuousMove({ zoom: 1 }, 60_000);
    c.advance(2000);
    expect(head.pose().zoom).toBeCloseTo(16.5, 1);
    c.advance(3000);
    expect(head.pose().zoom).toBe(32);
    expect(head.pose().zoomMoving).toBe(false);
  });

  it('keeps presets, goes back to them with 0.01° repeatability and reports changes', () => {
    const c = clock();
    const saved: HeadPreset[][] = [];
    const head = new PtzHead({ now: c.now, onPresetsChanged: (p) => saved.push(p) });
    head.absoluteMove({ x: 0.6858, y: 0.2, zoom: 0.3 });
    c.advance(10_000);
    const tok = head.setPreset('水库');
    expect(tok).toBe('0');
    expect(head.setPreset('坝', '17')).toBe('17');
    expect(() => head.setPreset('x', 'Preset_A')).toThrow(HeadCommandError);
    expect(() => head.setPreset('水库', '18')).toThrow(/used by preset 0/);
    head.absoluteMove({ x: -0.9, y: -1, zoom: 1 });
    c.advance(20_000);
    head.gotoPreset(tok);
    c.advance(20_000);
    const p = head.pose();
    expect(Math.abs(p.pan - 123.444)).toBeLessThan(0.01);
    expect(Math.abs(p.tilt - 9)).toBeLessThan(0.01);
    head.removePreset('17');
    expect(() => head.removePreset('17')).toThrow(/no preset/);
    expect(head.presets().map((x) => x.token)).toEqual(['0']);
    expect(saved).toHaveLength(3);
  });

  it('moves focus near/far and back to auto', () => {
    const c = clock();
    const head = new PtzHead({ now: c.now, focusTravelS: 2 });
    const start = head.pose().focus;
    head.focusContinuous(-1);
    c.advance(500);
    expect(head.pose().focus).toBeCloseTo(start - 0.25, 6);
    expect(head.pose().autoFocus).toBe(false);
    head.focusStop();
    head.setAutoFocus(true);
    c.advance(2000);
    expect(head.pose().focus).toBeCloseTo(start, 6);
  });
});
