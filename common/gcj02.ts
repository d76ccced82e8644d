/**
 * GCJ-02 ("Mars coordinates"), the obfuscated datum that Chinese commercial basemaps are drawn in.
 * Our coordinates are WGS84/CGCS2000; overlays on a GCJ-02 basemap are shifted by this published
 * approximation (Krasovsky ellipsoid constants) so a tower sits on its hill in the picture. The
 * shift is 100–700 m in mainland China and zero outside it.
 */

const A = 6378245.0;
const EE = 0.006693421622965943;

/** Whether the GCJ-02 shift applies at all (a rough box around mainland China, as the published formula uses). */
export function outOfChina(lat: number, lon: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function shift(x: number, y: number): { dLat: number; dLon: number } {
  const xy = x * y;
  const absX = Math.sqrt(Math.abs(x));
  const xPi = x * Math.PI;
  const yPi = y * Math.PI;
  const d = 20 * Math.sin(6 * xPi) + 20 * Math.sin(2 * xPi);
  let dLat = d + 20 * Math.sin(yPi) + 40 * Math.sin(yPi / 3) + 160 * Math.sin(yPi / 12) + 320 * Math.sin(yPi / 30);
  let dLon = d + 20 * Math.sin(xPi) + 40 * Math.sin(xPi / 3) + 150 * Math.sin(xPi / 12) + 300 * Math.sin(xPi / 30);
  dLat *= 2 / 3;
  dLon *= 2 / 3;
  dLat += -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * xy + 0.2 * absX;
  dLon += 300 + x + 2 * y + 0.1 * x * x + 0.1 * xy + 0.1 * absX;
  return { dLat, dLon };
}

/** WGS84 → GCJ-02, degrees. */
export function wgs84ToGcj02(lat: number, lon: number): { lat: number; lon: number } {
  if (outOfChina(lat, lon)) return { lat, lon };
  const { dLat, dLon } = shift(lon - 105, lat - 35);
  const radLat = (lat / 180) * Math.PI;
  const magic = 1 - EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  return {
    lat: lat + (dLat * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI),
    lon: lon + (dLon * 180) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI),
  };
}

/** GCJ-02 → WGS84 by fixed-point iteration on the forward shift (better than 1 cm after a few steps). */
export function gcj02ToWgs84(lat: number, lon: number): { lat: number; lon: number } {
  if (outOfChina(lat, lon)) return { lat, lon };
  let w = { lat, lon };
  for (let i = 0; i < 10; i++) {
    const g = wgs84ToGcj02(w.lat, w.lon);
    const dLat = g.lat - lat, dLon = g.lon - lon;
    w = { lat: w.lat - dLat, lon: w.lon - dLon };
    if (Math.abs(dLat) < 1e-10 && Math.abs(dLon) < 1e-10) break;
  }
  return w;
}

/** A [lon, lat] pair transformed, for GeoJSON coordinates. */
export const lonLatToGcj02 = ([lon, lat]: readonly [number, number]): [number, number] => {
  const g = wgs84ToGcj02(lat, lon);
  return [g.lon, g.lat];
};
