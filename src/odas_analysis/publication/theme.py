"""Look of the published report: one stylesheet (screen and print) and the page templates.

The same ``style.css`` serves the screen pages, printing from a browser and the PDF
edition (weasyprint reads the ``@media print`` and ``@page`` rules: A4, page numbers,
running heads, a table of contents with page numbers). Templates are Jinja2 with
autoescape; the body of a page is HTML already rendered (and its text escaped) by
:mod:`odas_analysis.publication.html`, passed in as ``Markup``: nothing else is trusted.
"""

from __future__ import annotations

STYLE_CSS = """\
/* odas-analysis: rapport publié (écran, impression, PDF) */
:root {
  --encre: #1c2833; --accent: #1b4f72; --pale: #eaf2f8; --trait: #d5d8dc;
  --simule-fond: #fdebd0; --simule-trait: #d68910; --discret: #566573;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0; color: var(--encre); background: #fff;
  font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; line-height: 1.55;
  hyphens: auto; -webkit-hyphens: auto;
}
a { color: var(--accent); }
.evitement { position: absolute; left: -999px; }
.evitement:focus { left: 1em; top: 1em; background: #fff; padding: .3em; }
header.bandeau {
  display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5em 1.5em;
  padding: .6em 1.5em; background: var(--accent); color: #fff;
  font-family: "DejaVu Sans", Arial, sans-serif; font-size: .9rem;
}
header.bandeau a { color: #fff; text-decoration: none; }
header.bandeau .titre-rapport { font-weight: bold; }
nav.navigation a, nav.precedent-suivant a { margin-right: 1em; }
main { max-width: 50rem; margin: 0 auto; padding: 1.5em 1.5em 3em; }
h1, h2, h3 { font-family: "DejaVu Sans", Arial, sans-serif; color: var(--accent); line-height: 1.25; hyphens: manual; }
h1 { font-size: 1.8rem; margin-top: .5em; }
h1 .numero { display: block; font-size: .9rem; font-weight: normal; color: var(--discret); text-transform: uppercase; letter-spacing: .05em; }
h2 { font-size: 1.3rem; margin-top: 1.8em; border-bottom: 1px solid var(--trait); padding-bottom: .2em; }
h3 { font-size: 1.1rem; }
p, li { text-align: justify; }
blockquote, aside.note { margin: 1em 0; padding: .6em 1em; background: var(--pale); border-left: 4px solid var(--accent); }
aside.note p:first-child { margin-top: 0; } aside.note p:last-child { margin-bottom: 0; }
.simule { background: var(--simule-fond); border-left: 5px solid var(--simule-trait); padding: .6em 1em; margin: 1em 0; }
.badge-simule { display: inline-block; background: var(--simule-fond); border: 1px solid var(--simule-trait); border-radius: 3px; padding: 0 .35em; font-size: .8em; }
figure { margin: 1.8em 0; hyphens: manual; -webkit-hyphens: manual; }
figure.figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figure figcaption, figure .source, figure .fichiers {
  font-family: "DejaVu Sans", Arial, sans-serif; font-size: .85rem;
}
figure figcaption { margin: .5em 0 .2em; }
figure figcaption .numero { font-weight: bold; color: var(--accent); }
figure .source { color: var(--discret); margin: .2em 0; text-align: left; }
figure .fichiers { margin: .1em 0; color: var(--discret); }
/* wide tables scroll: a shadow on the right edge while columns lie beyond, the first column stays */
.defilement {
  overflow-x: auto;
  background:
    linear-gradient(to left, rgba(255,255,255,0), #fff 70%) right center / 2.5em 100% no-repeat local,
    radial-gradient(farthest-side at 100% 50%, rgba(28,40,51,.28), rgba(28,40,51,0)) right center / 1em 100% no-repeat scroll;
}
.defilement:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
.defilement tr > :first-child { position: sticky; left: 0; z-index: 1; background: #fff; }
.defilement thead tr > :first-child { background: var(--pale); }
/* the print edition lays wide tables out for paper (landscape, column groups): on screen they do not scroll either */
.edition-imprimable .defilement { overflow-x: visible; background: none; }
.edition-imprimable .defilement tr > :first-child { position: static; }
p.indice-defilement { margin: .2em 0; font-family: "DejaVu Sans", Arial, sans-serif; font-size: .8rem; color: var(--discret); text-align: left; }
table { border-collapse: collapse; font-family: "DejaVu Sans", Arial, sans-serif; font-size: .85rem; margin: .4em 0; }
th, td {
  border-bottom: 1px solid var(--trait); padding: .25em .5em; vertical-align: top; text-align: left;
  hyphens: manual; -webkit-hyphens: manual; overflow-wrap: break-word;
}
tbody th { font-weight: normal; }
thead th { border-bottom: 2px solid var(--accent); background: var(--pale); }
td.nombre, th.nombre { text-align: right; font-variant-numeric: tabular-nums; }
td.nombre { white-space: nowrap; }
td.code { white-space: nowrap; }
table.donnees-projet td, table.donnees-projet th { font-size: .8rem; }
code, .empreinte { font-family: "DejaVu Sans Mono", monospace; font-size: .85em; word-break: break-all; }
nav.sommaire-local { font-family: "DejaVu Sans", Arial, sans-serif; font-size: .9rem; background: var(--pale); padding: .5em 1em; }
nav.sommaire-local ol { margin: .3em 0; }
nav.precedent-suivant {
  display: flex; justify-content: space-between; gap: 1em; max-width: 50rem; margin: 0 auto; padding: 1em 1.5em;
  border-top: 1px solid var(--trait); font-family: "DejaVu Sans", Arial, sans-serif; font-size: .9rem;
}
footer.pied { max-width: 50rem; margin: 0 auto; padding: 0 1.5em 2em; color: var(--discret); font-family: "DejaVu Sans", Arial, sans-serif; font-size: .8rem; }
.couverture { border-bottom: 3px solid var(--accent); margin-bottom: 1.5em; }
.couverture p { text-align: left; }
.couverture .sous-titre { font-size: 1.15rem; color: var(--discret); }
.couverture dl.edition { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; font-family: "DejaVu Sans", Arial, sans-serif; font-size: .9rem; }
.couverture dl.edition dt { font-weight: bold; color: var(--discret); }
.couverture dl.edition dd { margin: 0; }
ol.sommaire { font-family: "DejaVu Sans", Arial, sans-serif; padding-left: 0; list-style: none; }
ol.sommaire > li { margin: .5em 0; text-align: left; }
ol.sommaire ol { list-style: none; padding-left: 1.5em; font-size: .9rem; }
ol.sommaire .numero { display: inline-block; min-width: 6.5em; color: var(--discret); }
section.notes { border-top: 1px solid var(--trait); margin-top: 2.5em; font-size: .85rem; }
sup.appel-note a { text-decoration: none; }

@media print {
  @page {
    size: A4; margin: 22mm 20mm 24mm 20mm;
    @top-right { content: string(chapitre); font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #566573; }
    @bottom-center { content: counter(page); font-family: "DejaVu Sans", sans-serif; font-size: 9pt; }
  }
  @page :first { @top-right { content: none; } @bottom-center { content: none; } }
  @page paysage { size: A4 landscape; }
  body { font-size: 10.5pt; line-height: 1.45; }
  header.bandeau, nav.navigation, nav.precedent-suivant, nav.sommaire-local, footer.pied, .evitement, .fichiers { display: none; }
  main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  h1 { string-set: chapitre content(text); break-before: page; font-size: 20pt; }
  section.couverture-impression h1, main > h1:first-child { break-before: avoid; }
  h2, h3 { break-after: avoid; }
  figure { break-inside: avoid; }
  figure.tableau { break-inside: auto; }
  figure.paysage { page: paysage; }
  figure figcaption, p.groupe-colonnes { break-after: avoid; }
  figure.tableau table { font-size: 8pt; }
  table.donnees-projet td, table.donnees-projet th { font-size: 7.5pt; }
  p.groupe-colonnes { font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #566573; margin: .8em 0 .1em; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .defilement { overflow: visible; background: none; }
  .defilement tr > :first-child { position: static; }
  p.indice-defilement { display: none; }
  p, li { orphans: 3; widows: 3; }
  .simule { border: 1px solid #d68910; }
  section.chapitre { break-before: page; }
  section.couverture-impression { break-after: page; padding-top: 40mm; }
  section.couverture-impression .couverture { border-bottom: none; }
  section.couverture-impression h1 { font-size: 26pt; }
  section.sommaire-impression h2 { break-before: avoid; margin-top: 0; }
  ol.sommaire a::after { content: leader('.') target-counter(attr(href), page); font-variant-numeric: tabular-nums; }
}
"""

_HEAD = """\
<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="style.css">
</head>
"""

PAGE_TEMPLATE = (
    _HEAD % "{{ title }} — {{ book.title }}"
    + """\
<body>
<a class="evitement" href="#contenu">Aller au contenu</a>
<header class="bandeau">
<a class="titre-rapport" href="index.html">{{ book.title }}</a>
<nav class="navigation" aria-label="Navigation entre les chapitres">
{%- if prev %}<a rel="prev" href="{{ prev.href }}">← {{ prev.short }}</a>{% endif -%}
<a href="index.html">Sommaire</a>
{%- if next %}<a rel="next" href="{{ next.href }}">{{ next.short }} →</a>{% endif -%}
</nav>
</header>
<main id="contenu">
{{ body_html }}
</main>
<nav class="precedent-suivant" aria-label="Chapitre précédent et suivant">
<span>{% if prev %}<a rel="prev" href="{{ prev.href }}">← {{ prev.label }}</a>{% endif %}</span>
<span>{% if next %}<a rel="next" href="{{ next.href }}">{{ next.label }} →</a>{% endif %}</span>
</nav>
<footer class="pied">{{ book.footer }}</footer>
</body>
</html>
"""
)

PRINT_TEMPLATE = (
    _HEAD % "{{ book.title }} — édition imprimable"
    + """\
<body class="edition-imprimable">
<main>
{{ body_html }}
</main>
</body>
</html>
"""
)

__all__ = ["PAGE_TEMPLATE", "PRINT_TEMPLATE", "STYLE_CSS"]
