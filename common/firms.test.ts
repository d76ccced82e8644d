import { describe, expect, it } from 'vitest';
import { FirmsFormatError, parseFirmsCsv } from './firms';

const HEADER = 'latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight';

describe('parseFirmsCsv', () => {
  it('imports good rows of the public column set', () => {
    const csv = `${HEADER}\n31.2301,119.3822,330.5,1.1,1.0,2026-03-14,0512,T,78,6.1NRT,295.2,12.4,D\n31.19,119.41,301.2,0.39,0.36,2026-03-14,1745,N,n,2.0NRT,288.1,3.1,N\n`;
    const r = parseFirmsCsv(csv);
    expect(r.rejected).toEqual([]);
    expect(r.hotspots).toHaveLength(2);
    expect(r.hotspots[0]).toMatchObject({ latitude: 31.2301, longitude: 119.3822, brightness: 330.5, acqTime: '0512', satellite: 'T', confidence: '78', frp: 12.4, daynight: 'D' });
    expect(r.hotspots[0]?.at).toBe(Date.UTC(2026, 2, 14, 5, 12));
    expect(r.hotspots[1]?.confidence).toBe('n');
  });

  it('tolerates a BOM, CRLF, blank lines, quotes and short times', () => {
    const csv = `\uFEFF${HEADER}\r\n"31.2",119.3,330,1,1,2026-03-14,512,A,50,6.1,290,5,D\r\n\r\n`;
    const r = parseFirmsCsv(csv);
    expect(r.rejected).toEqual([]);
    expect(r.hotspots).toHaveLength(1);
    expect(r.hotspots[0]?.acqTime).toBe('0512');
  });

  it('counts bad rows with line numbers and reasons', () => {
    const csv = [
      HEADER,
      '31.2,119.3,330,1,1,2026-03-14,0512,A,50,6.1,290,5,D',
      'abc,119.3,330,1,1,2026-03-14,0512,A,50,6.1,290,5,D',
      '31.2,119.3,330,1,1,2026-02-30,0512,A,50,6.1,290,5,D',
      '31.2,119.3,330,1,1,2026-03-14,2575,A,50,6.1,290,5,D',
      '31.2,119.3,330',
      '95,119.3,330,1,1,2026-03-14,0512,A,50,6.1,290,5,X',
    ].join('\n');
    const r = parseFirmsCsv(csv);
    expect(r.hotspots).toHaveLength(1);
    expect(r.rejected.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(r.rejected[0]?.reason).toMatch(/latitude is not a number/);
    expect(r.rejected[1]?.reason).toMatch(/not a real date/);
    expect(r.rejected[2]?.reason).toMatch(/acq_time/);
    expect(r.rejected[3]?.reason).toMatch(/expected 13 fields, found 3/);
    expect(r.rejected[4]?.reason).toMatch(/latitude out of range.*daynight/);
  });

  it('accepts a reduced column set with the required columns', () => {
    const r = parseFirmsCsv('acq_date,acq_time,latitude,longitude\n2026-03-14,0100,31,119\n');
    expect(r.hotspots[0]).toMatchObject({ latitude: 31, longitude: 119, brightness: null, frp: null, daynight: null });
  });

  it('says clearly when required columns are missing', () => {
    expect(() => parseFirmsCsv('lat,lon,acq_date\n1,2,2026-01-01\n')).toThrow(FirmsFormatError);
    expect(() => parseFirmsCsv('lat,lon,acq_date\n')).toThrow(/missing required column\(s\) latitude, longitude, acq_time/);
    expect(() => parseFirmsCsv('\uFEFF\r\n')).toThrow(/empty file/);
  });
});
