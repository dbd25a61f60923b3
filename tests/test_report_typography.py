"""French typography of the report: prose (fr) and table cells (cell)."""

from __future__ import annotations

import pytest

from odas_analysis.french import NNBSP, group_thousands
from odas_analysis.french import from_csv_text as number
from odas_analysis.publication.typography import NBSP, cell, fr, is_code_column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pourquoi?", f"Pourquoi{NNBSP}?"),
        ("Pourquoi ?", f"Pourquoi{NNBSP}?"),
        ("Vraiment !", f"Vraiment{NNBSP}!"),
        ("un; deux", f"un{NNBSP}; deux"),
        ("Note: voir", f"Note{NBSP}: voir"),
        ("Note : voir", f"Note{NBSP}: voir"),
        ("H1 : oui", f"H1{NBSP}: oui"),
        ("« vivre-ensemble »", f"«{NNBSP}vivre-ensemble{NNBSP}»"),
        ("«vivre-ensemble»", f"«{NNBSP}vivre-ensemble{NNBSP}»"),
        ("soit 12 %", f"soit 12{NNBSP}%"),
        ("soit 12%", f"soit 12{NNBSP}%"),
        ("plus de 2 000 communes", f"plus de 2{NNBSP}000 communes"),
        ("l'État et l'Odas", "l\u2019État et l\u2019Odas"),
        ("etc...", "etc\u2026"),
        ("Est-ce vrai ?!", f"Est-ce vrai{NNBSP}?!"),
    ],
)
def test_prose(text, expected):
    assert fr(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://www.odas.net/page?x=1&y=2",  # URL: no space added before ? or :
        "à 10:30",  # a time
        "entre 2015 et 2017",  # years are not grouped
        "ISSN 1265-7476",
        "le code 49007",
        "ratio 1:2",
        "",
    ],
)
def test_prose_left_alone(text):
    assert fr(text) == text


def test_prose_is_idempotent():
    text = "Trois axes: « habitants », coopération; observation? Oui! 12 % de 2 000... l'État"
    assert fr(fr(text)) == fr(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234567", f"1{NNBSP}234{NNBSP}567"),
        ("1234.50", f"1{NNBSP}234,50"),
        ("-0.5", "\u22120,5"),
        ("-0.00", "0,00"),
        ("+3.2", "+3,2"),
        ("999", "999"),
        ("0.125", "0,125"),
    ],
)
def test_numbers_keep_the_export_decimals(value, expected):
    assert number(value) == expected


def test_group_thousands():
    assert group_thousands("1") == "1"
    assert group_thousands("1000") == f"1{NNBSP}000"
    assert group_thousands("100000") == f"100{NNBSP}000"


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        ("154508", False, (f"154{NNBSP}508", True)),
        ("18.30", False, ("18,30", True)),
        ("", False, ("n.d.", False)),
        ("49007", True, ("49007", False)),  # column says code
        ("01004", False, ("01004", False)),  # leading zero: a code
        ("2A004", False, ("2A004", False)),  # Corsican INSEE code
        ("H1", False, ("H1", False)),
        ("True", False, ("oui", False)),
        ("false", False, ("non", False)),
        ("à suivre ?", False, (f"à suivre{NNBSP}?", False)),
        ("1.2.3", False, ("1.2.3", False)),
    ],
)
def test_cells(value, code, expected):
    assert cell(value, code=code) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("insee_code", True),
        ("code_insee", True),
        ("siren_epci", True),
        ("site_id", True),
        ("annee", True),
        ("Année", True),
        ("millesime", True),
        ("dep", True),
        ("reg_code", True),
        ("population", False),
        ("taux_pauvrete", False),
        ("revenu_median", False),
        ("valeur", False),
        ("depenses", False),
        ("region_label", False),
    ],
)
def test_code_columns(name, expected):
    assert is_code_column(name) is expected
