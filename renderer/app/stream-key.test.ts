import { describe, expect, it } from 'vitest';
import type { SiteView } from '../../common/contract';
import { flvStreamKey } from './connection';
import { useAppStore } from './store';

describe('stream a tile plays', () => {
  it('passes an H.265 camera through where the browser decodes HEVC, and has the gateway transcode it elsewhere', () => {
    const cam = (id: string, codec: 'h264' | 'h265') => ({ id, kind: 'visible', codec, hasSubStream: true, hasPtz: true });
    useAppStore.setState({ site: { towers: [{ cameras: [cam('a', 'h264'), cam('b', 'h265')] }] } as unknown as SiteView });
    expect(flvStreamKey('b', 'main', true)).toBe('b/main.hevc');
    expect(flvStreamKey('b', 'sub', false)).toBe('b/sub');
    expect(flvStreamKey('a', 'main', true)).toBe('a/main');
    expect(flvStreamKey('unknown', 'main', true)).toBe('unknown/main');
  });
});
