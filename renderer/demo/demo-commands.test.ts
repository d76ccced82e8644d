import { describe, expect, it } from 'vitest';
import { demoActionOf, demoCommandOfKey, demoTakesKey } from './demo-commands';

describe('presenter commands', () => {
  it('maps keyboard and clicker keys to tour commands', () => {
    expect(['ArrowRight', 'PageDown', ' '].map(demoCommandOfKey)).toEqual(['demo.next', 'demo.next', 'demo.next']);
    expect(['ArrowLeft', 'PageUp'].map(demoCommandOfKey)).toEqual(['demo.prev', 'demo.prev']);
    expect(demoCommandOfKey('b')).toBe('demo.blank');
    expect(demoCommandOfKey('Escape')).toBe('demo.exit');
    expect(demoCommandOfKey('w')).toBeNull();
  });

  it('blank toggles, and an alert keeps the arrows for the operator', () => {
    expect(demoActionOf('demo.blank', { status: 'playing' })).toBe('blank');
    expect(demoActionOf('demo.blank', { status: 'paused' })).toBe('resume');
    expect(demoTakesKey('demo.next', { status: 'playing', pausedBy: null })).toBe(true);
    expect(demoTakesKey('demo.next', { status: 'paused', pausedBy: 'alert' })).toBe(false);
    expect(demoTakesKey('demo.blank', { status: 'paused', pausedBy: 'alert' })).toBe(true);
    expect(demoTakesKey('demo.next', { status: 'idle', pausedBy: null })).toBe(false);
  });
});
