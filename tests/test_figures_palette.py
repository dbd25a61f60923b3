"""The project's colours stay distinct for colour-blind readers.

Each colour is passed through the Machado, Oliveira & Fernandes (2009) simulation of
protanopia and deuteranopia (severity 1, applied to linear RGB), converted to CIELAB (D65)
and compared pairwise with CIEDE2000 (Sharma, Wu & Dalal 2005). About 10 is the usual
floor for colours that must be told apart; the former palette had a pair at 1,6.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from odas_analysis.figures import style

MACHADO_2009 = {
    "protanopie": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deutéranopie": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "vision normale": np.eye(3),
}
SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
D65 = np.array([0.95047, 1.0, 1.08883])
FLOOR = 10.0


def _linear(color: str) -> np.ndarray:
    c = np.array([int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> tuple[float, float, float]:
    x, y, z = SRGB_TO_XYZ @ np.clip(linear_rgb, 0, 1) / D65

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p - h1p > 180 else h2p - h1p + 360
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    r_c = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    r_t = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))) * r_c
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def closest_pair(colors, vision: str) -> tuple[float, str, str]:
    seen = {c: _lab(MACHADO_2009[vision] @ _linear(c)) for c in colors}
    return min((ciede2000(seen[a], seen[b]), a, b) for a, b in itertools.combinations(colors, 2))


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # pairs 1, 7, 17 and 25 of Sharma, Wu & Dalal's test data
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_the_check_is_live_on_the_former_palette():
    former = ("#d68910", "#b7950b")
    assert closest_pair(former, "deutéranopie")[0] < 2


@pytest.mark.parametrize("vision", sorted(MACHADO_2009))
def test_palette_colours_stay_apart(vision):
    distance, a, b = closest_pair(style.PALETTE, vision)
    assert distance >= FLOOR, f"{a} et {b} : CIEDE2000 {distance:.1f} en {vision}"


@pytest.mark.parametrize("vision", sorted(MACHADO_2009))
def test_named_colours_stay_apart(vision):
    colors = sorted(set(style.COLORS.values()))
    distance, a, b = closest_pair(colors, vision)
    assert distance >= FLOOR, f"{a} et {b} : CIEDE2000 {distance:.1f} en {vision}"


def test_text_on_tiles_is_readable():
    for color in (*style.PALETTE, *style.COLORS.values()):
        lum = style.relative_luminance(color)
        other = 0.0 if style.text_color(color) == "black" else 1.0
        ratio = (max(lum, other) + 0.05) / (min(lum, other) + 0.05)
        assert ratio >= 4.5, (color, style.text_color(color), ratio)
