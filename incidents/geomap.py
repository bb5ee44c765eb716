"""Offline map drawing: country outlines from the shipped Natural Earth TopoJSON, as SVG.

No tile server and no JavaScript: the map page is an <svg> drawn on the server in an
equirectangular projection of the region where incidents happen, with public places on top.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.translation import get_language
from django_countries import countries

TOPOJSON = settings.BASE_DIR / "static" / "data" / "countries-110m.topo.json"


@dataclass(frozen=True)
class Frame:
    """A lon/lat box mapped onto an SVG canvas `width` pixels wide."""

    west: float = 70.0
    east: float = 150.0
    south: float = 0.0
    north: float = 60.0
    width: int = 960

    @property
    def scale(self) -> float:
        return self.width / (self.east - self.west)

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.west) * self.scale, 1), round((self.north - lat) * self.scale, 1))

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


REGION = Frame()


def fit(points: list[tuple[float, float]], *, margin: float = 7.0, min_span: float = 28.0) -> Frame:
    """The smallest frame (at least `min_span` degrees wide, 4:3) around lon/lat `points`."""
    if not points:
        return REGION
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    span = max(max(lons) - min(lons) + 2 * margin, (max(lats) - min(lats) + 2 * margin) * 4 / 3,
               min_span)  # fmt: skip
    return Frame(west=round(cx - span / 2, 2), east=round(cx + span / 2, 2),
                 south=round(cy - span * 3 / 8, 2), north=round(cy + span * 3 / 8, 2))  # fmt: skip


@lru_cache(maxsize=1)
def _topology() -> dict:
    return json.loads(TOPOJSON.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _arcs() -> list[list[tuple[float, float]]]:
    """Decode delta-encoded, quantised arcs into lon/lat points."""
    topo = _topology()
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    decoded = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _ring(indexes: list[int]) -> list[tuple[float, float]]:
    arcs = _arcs()
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return points


@lru_cache(maxsize=4)
def country_paths(frame: Frame = REGION) -> tuple[tuple[str, str], ...]:
    """(country name, SVG path data) for every country with a ring touching the frame."""
    result = []
    pad = 10  # degrees: keep rings that start just outside the frame
    for geometry in _topology()["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs") or []
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        parts = []
        for polygon in polygons:
            for ring in polygon:
                points = _ring(ring)
                if not any(
                    frame.west - pad <= lon <= frame.east + pad
                    and frame.south - pad <= lat <= frame.north + pad
                    for lon, lat in points
                ):
                    continue
                coords = _decimate([frame.xy(lon, lat) for lon, lat in points])
                if len(coords) >= 3:
                    parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in coords) + "Z")
        if parts:
            result.append((geometry.get("properties", {}).get("name", ""), "".join(parts)))
    return tuple(result)


def _decimate(
    coords: list[tuple[float, float]], min_step: float = 2.0
) -> list[tuple[float, float]]:
    """Drop points closer than `min_step` pixels to the last kept one (invisible detail)."""
    kept = coords[:1]
    for x, y in coords[1:]:
        lx, ly = kept[-1]
        if abs(x - lx) + abs(y - ly) >= min_step:
            kept.append((x, y))
    return kept


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    """Natural Earth's (English) country names to ISO codes, from the numeric ids it ships."""
    codes = {}
    for geometry in _topology()["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        code = countries.alpha2(geometry.get("id") or "")
        if name and code:
            codes[name] = code
    return codes


def country_name(name: str) -> str:
    """A country outline's name in the active language (Natural Earth's English otherwise)."""
    code = _codes_by_name().get(name)
    if not code or (get_language() or "en").startswith("en"):
        return name
    return str(countries.name(code))
