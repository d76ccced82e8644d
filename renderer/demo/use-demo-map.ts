import { useEffect, type RefObject } from 'react';
import type { Map as MapLibre } from 'maplibre-gl';
import type { LatLon } from '../../common/geo';
import { useAppStore } from '../app/store';

/**
 * The map's side of a tour: flies to the view a step asks for (centre or bounds, zoom, pitch,
 * bearing), picks out the step's towers, and reports where it looks after every move (for
 * "capture step"; `data-center` on the canvas for tests).
 */
export function useDemoMap(mapRef: RefObject<MapLibre | null>, loaded: boolean, toMap: (lat: number, lon: number) => [number, number], fromMap: (ll: { lat: number; lng: number }) => LatLon): void {
  const request = useAppStore((s) => s.demoMapRequest);
  const highlight = useAppStore((s) => s.demoHighlight);

  useEffect(() => {
    const map = mapRef.current;
    if (!loaded || !map || !request) return;
    // The presentation view has just changed the map's size: fit to the size it has now.
    map.resize();
    const pose = { pitch: request.pitch, bearing: request.bearing, duration: 1200, essential: true };
    if (request.bounds) {
      const b = request.bounds;
      map.fitBounds([toMap(b.south, b.west), toMap(b.north, b.east)], { ...pose, padding: 60 });
    } else if (request.center) {
      map.flyTo({ ...pose, center: toMap(request.center.lat, request.center.lon), ...(request.zoom !== undefined ? { zoom: request.zoom } : {}) });
    }
  }, [mapRef, loaded, request, toMap]);

  // Entering and leaving the presentation view resizes the map's box without a window resize.
  useEffect(() => {
    const map = mapRef.current;
    if (!loaded || !map) return;
    const ro = new ResizeObserver(() => map.resize());
    ro.observe(map.getContainer());
    return () => ro.disconnect();
  }, [mapRef, loaded]);

  useEffect(() => {
    const map = mapRef.current;
    if (!loaded || !map) return;
    const picked = new Set(highlight);
    map
      .getContainer()
      .querySelectorAll<HTMLElement>('.map-tower')
      .forEach((el) => el.classList.toggle('demo-highlight', picked.has(el.dataset.tower ?? '')));
  }, [mapRef, loaded, highlight]);

  useEffect(() => {
    const map = mapRef.current;
    if (!loaded || !map) return;
    const report = () => {
      const c = fromMap(map.getCenter());
      const look = { lat: c.lat, lon: c.lon, zoom: map.getZoom(), pitch: map.getPitch(), bearing: map.getBearing() };
      map.getContainer().dataset.center = `${look.lat.toFixed(5)},${look.lon.toFixed(5)}`;
      useAppStore.getState().setMapLook(look);
    };
    report();
    map.on('moveend', report);
    return () => void map.off('moveend', report);
  }, [mapRef, loaded, fromMap]);
}
