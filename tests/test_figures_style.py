"""Tests of odas_analysis.figures.style and .generic: French number formatting and the shared figure style."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from odas_analysis import french
from odas_analysis.figures import generic, style


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12345.678, 1, f"12{french.NNBSP}345,7"),
        (1234567, 0, f"1{french.NNBSP}234{french.NNBSP}567"),
        (999, 0, "999"),
        (0.5, 2, "0,50"),
        (-1234.5, 1, f"\u22121{french.NNBSP}234,5"),
        (-0.0001, 1, "0,0"),
        (np.float64(3.25), 1, "3,2"),
        (np.int64(42), 0, "42"),
    ],
)
def test_format_number(value, decimals, expected):
    assert french.number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
def test_missing_values_are_nd(missing):
    assert french.number(missing) == "n.d."
    assert french.percent(missing) == "n.d."


def test_sign_and_unit():
    assert french.number(3.2, 1, sign=True) == "+3,2"
    assert french.number(0, 1, sign=True) == "0,0"
    assert french.number(-3.2, 1, sign=True) == "\u22123,2"
    assert french.number(1500, 0, unit="€") == f"1{french.NNBSP}500{french.NNBSP}€"


def test_format_percent():
    assert french.percent(0.1234, 1) == f"12,3{french.NNBSP}%"
    assert french.percent(12.34, 0, ratio=False) == f"12{french.NNBSP}%"


def test_number_formatter_on_ticks():
    fmt = french.tick_formatter(1)
    assert fmt(2500.0, 0) == f"2{french.NNBSP}500,0"
    pct = french.tick_formatter(0, as_percent=True)
    assert pct(0.25, 0) == f"25{french.NNBSP}%"


def test_negative_decimals_refused():
    with pytest.raises(ValueError):
        french.number(1.0, -1)


def test_chart_functions_return_figures_without_pyplot(monkeypatch):
    import matplotlib.pyplot as plt

    def forbidden(*_a, **_k):  # pragma: no cover - the assertion is that it is not called
        raise AssertionError("plt.show() must never be called")

    monkeypatch.setattr(plt, "show", forbidden)
    before = plt.get_fignums()
    figs = [
        generic.bar_chart(["Angers", "Arras"], [1.5, None], title="Titre", highlight="Arras", decimals=1),
        generic.reference_chart(["Angers", "Maine-et-Loire", "France"], [0.2, 0.1, 0.15], percent=True),
        generic.scatter_chart([1, 2], [3, 4], labels=["a", "b"], background=([1, 2, 3], [1, 2, 3])),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
    assert plt.get_fignums() == before  # nothing registered with pyplot: nothing shown twice


def test_bar_chart_labels_are_french():
    fig = generic.bar_chart(["A", "B"], [12345.5, 2.0], decimals=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [f"12{french.NNBSP}345,5", "2,0"]


def test_bar_chart_length_mismatch():
    with pytest.raises(ValueError):
        generic.bar_chart(["A"], [1, 2])


def test_style_is_scoped():
    import matplotlib as mpl

    before = mpl.rcParams["axes.titleweight"]
    with style.style():
        assert mpl.rcParams["svg.hashsalt"] == "odas-analysis"
        assert mpl.rcParams["axes.titleweight"] == "bold"
    assert mpl.rcParams["axes.titleweight"] == before
