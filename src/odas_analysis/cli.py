"""``odas-analysis``: the command line, a thin layer over the package's functions.

Each sub-command parses its options, calls one function and turns the project's own
errors (:class:`odas_analysis.errors.OdasError`) into a message on stderr and a
non-zero exit code. Heavy imports happen inside the handlers so that ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import OdasError


def _cmd_data_build(args: argparse.Namespace) -> int:
    from .config import TERRITORY_DIR, national_data_dir
    from .national.build import build_territory

    national = national_data_dir(args.national_dir)
    written = build_territory(national, Path(args.out) if args.out else TERRITORY_DIR)
    for path in written:
        print(f"écrit : {path}")
    return 0


def _cmd_data_download(args: argparse.Namespace) -> int:
    from .config import TERRITORY_DIR
    from .national.download import refresh

    written = refresh(
        Path(args.national_dir),
        base_url=args.base_url,
        rebuild_into=None if args.no_rebuild else TERRITORY_DIR,
    )
    for path in written:
        print(f"écrit : {path}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:  # outside the batch's own handling (while planning, or re-rendering)
        print("interrompu (Ctrl-C) : relancez la commande pour terminer", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a read-only output root...
        from . import files

        where = f" ({files.display_path(exc.filename)})" if exc.filename else ""
        print(f"odas-analysis: erreur : écriture impossible{where} : {exc.strerror or exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from . import config
    from .batch import pool

    executor = args.executor or ("dask" if args.scheduler else "local")
    try:
        if executor == "local" and not (args.list or args.render_only):
            # its imports overlap the planning below; the pool takes it (see pool.start_zygote_early)
            with contextlib.suppress(OSError):  # only a head start: the pool starts its own
                pool.start_zygote_early(Path(args.notebooks) if args.notebooks else config.NOTEBOOKS_DIR)
        return _plan_and_run(args, executor)
    finally:
        pool.stop_zygote_early()


def _plan_and_run(args: argparse.Namespace, executor: str) -> int:
    from .batch.plan import plan
    from .batch.run import render_only, run_batch

    codes = list(args.territory or [])
    if args.territories:
        from .batch.territories import expand

        codes += [t.code for t in expand(args.territories)]
    runs = plan(
        sites=args.site,
        only=args.only,
        notebooks_dir=Path(args.notebooks) if args.notebooks else None,
        territories=codes,
    )
    out = Path(args.out) if args.out else None
    if args.list:
        for run in runs:
            print(f"{run.name:<28} {run.template.name:<20} {run.parameters}")
        return 0
    if args.render_only:
        return 0 if render_only(runs, out=out) else 1
    batch = run_batch(
        runs,
        out=out,
        jobs=args.jobs,
        force=args.force,
        progress=lambda line: print(line, flush=True),
        executor=executor,
        scheduler=args.scheduler,
    )
    return batch.exit_code  # 130 after Ctrl-C, 1 after a failure


# --- validate, fieldwork (and its demo), French argparse: one block -------------------------

#: argparse's own English messages (3.10-3.13), restated in French by :class:`FrenchArgumentParser`.
_ARGPARSE_ERRORS_FR = (
    (re.compile(r"^the following arguments are required: (.*)$"), r"arguments obligatoires manquants : \1"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"arguments non reconnus : \1"),
    (
        re.compile(r"^argument (.*?): invalid choice: (.*?) \(choose from (.*)\)$"),
        r"argument \1 : choix invalide : \2 (choisir parmi \3)",
    ),
    (re.compile(r"^argument (.*?): expected one argument$"), r"argument \1 : une valeur attendue"),
    (re.compile(r"^argument (.*?): expected at least one argument$"), r"argument \1 : au moins une valeur attendue"),
    (re.compile(r"^argument (.*?): invalid (\w+) value: (.*)$"), r"argument \1 : valeur invalide (type \2) : \3"),
    (re.compile(r"^argument (.*?): not allowed with argument (.*)$"), r"argument \1 : incompatible avec l'argument \2"),
    (re.compile(r"^argument (.*?): ignored explicit argument (.*)$"), r"argument \1 : valeur explicite ignorée \2"),
    (re.compile(r"^one of the arguments (.*) is required$"), r"l'un des arguments \1 est obligatoire"),
)


class FrenchHelpFormatter(argparse.HelpFormatter):
    """argparse's help in French: « utilisation : » instead of "usage: "."""

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 - argparse's signature
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)

    def start_section(self, heading):  # noqa: ANN001 - argparse's signature
        # argparse appends ":" to every heading; French sets a space before it
        super().start_section(f"{heading} " if heading else heading)


class FrenchArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose own words (usage, section titles, ``-h``, errors) are French.

    Sub-command parsers inherit the class (``add_subparsers`` uses the parent's type).
    """

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003 - argparse's signature
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments positionnels"
        self._optionals.title = "options"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help="afficher cette aide et quitter"
            )

    def error(self, message: str):  # noqa: ANN201 - never returns
        for pattern, french in _ARGPARSE_ERRORS_FR:
            if pattern.match(message):
                message = pattern.sub(french, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: erreur : {message}\n")  # the same prefix as main()'s errors


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_package

    report = validate_package(Path(args.datapackage) if args.datapackage else None)
    print(report.text())
    return 0 if report.ok else 1


def _cmd_fieldwork_demo(args: argparse.Namespace) -> int:
    from .fieldwork.demo import SEED, write_demo

    for path in write_demo(Path(args.out) if args.out else None, seed=args.seed if args.seed is not None else SEED):
        print(f"écrit : {path}")
    return 0


def _cmd_fieldwork_templates(args: argparse.Namespace) -> int:
    from .fieldwork import write_templates

    for path in write_templates(Path(args.out) if args.out else None):
        print(f"écrit : {path}")
    return 0


def _cmd_fieldwork_import(args: argparse.Namespace) -> int:
    import warnings

    from .fieldwork import FormulaCellWarning, import_csv_dir, import_workbook

    source = Path(args.source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormulaCellWarning)
        try:
            if source.is_dir():
                written = import_csv_dir(source, Path(args.out))
            else:
                written = import_workbook(source, Path(args.out))
        finally:
            for warning in caught:
                if issubclass(warning.category, FormulaCellWarning):
                    print(f"odas-analysis: avertissement : {warning.message}", file=sys.stderr)
    for path in written.values():
        print(f"écrit : {path}")
    return 0


def _cmd_fieldwork_validate(args: argparse.Namespace) -> int:
    from .fieldwork import data_source, fieldwork_summary, load_records
    from .french import integer

    records = load_records(Path(args.dir) if args.dir else None)
    summary = fieldwork_summary(records)
    print(f"OK : {data_source(Path(args.dir) if args.dir else None)['label_fr']}")
    print(
        f"  {integer(summary['entretiens_phase_2'].sum())} entretiens en phase 2, "
        f"{integer(summary['entretiens_phase_4'].sum())} en phase 4, {integer(summary.shape[0])} sites"
    )
    return 0


def _cmd_fieldwork_source(args: argparse.Namespace) -> int:
    from .fieldwork import data_source

    info = data_source()
    print(f"enregistrements de terrain utilisés : {info['label_fr']}")
    return 0


def _cmd_fieldwork_check_build(args: argparse.Namespace) -> int:
    from .disclosure import check_build

    print(check_build(Path(args.build_dir) if args.build_dir else None).text())
    return 0


def _add_validate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="vérifier chaque table de data/ d'après data/datapackage.json",
        description="Vérifie chaque table de data/ d'après son schéma (types, valeurs permises, clés, "
        "identifiants, encodage) et nomme le fichier, la ligne, la colonne et la règle de chaque problème. "
        "Code de sortie 1 si une règle n'est pas respectée.",
    )
    p.add_argument(
        "--datapackage",
        metavar="DESCRIPTEUR",
        help="descripteur à vérifier (par défaut : data/datapackage.json du projet)",
    )
    p.set_defaults(func=_cmd_validate)


def _add_fieldwork_parser(sub: argparse._SubParsersAction) -> None:
    fw = sub.add_parser(
        "fieldwork",
        help="enregistrements de terrain : jeu de démonstration, modèles, import, contrôles",
        description="Enregistrements de terrain (entretiens, participants, segments codés, grilles "
        "d'évaluation) : jeu de démonstration (données simulées), modèles de saisie, import, contrôles.",
    )
    fw_sub = fw.add_subparsers(dest="fieldwork_command", required=True, metavar="COMMANDE", title="commandes")
    p = fw_sub.add_parser(
        "demo",
        help="générer le jeu de démonstration (données simulées) dans data/fieldwork/demo/",
        description="Génère le jeu de démonstration (données simulées) à partir d'une graine fixe : "
        "mêmes fichiers, octet pour octet, pour la même graine.",
    )
    p.add_argument("--out", metavar="RÉPERTOIRE", help="répertoire de sortie (par défaut : data/fieldwork/demo/)")
    p.add_argument(
        "--seed", type=int, default=None, metavar="GRAINE", help="graine du générateur (par défaut : celle du dépôt)"
    )
    p.set_defaults(func=_cmd_fieldwork_demo)
    p = fw_sub.add_parser(
        "templates",
        help="écrire les modèles de saisie vierges (CSV et XLSX) d'après les schémas",
        description="Écrit un CSV vierge par table et le classeur odas-fieldwork.xlsx (feuille lisez-moi, "
        "listes de valeurs permises, grille d'évaluation).",
    )
    p.add_argument("--out", metavar="RÉPERTOIRE", help="répertoire de sortie (par défaut : data/fieldwork/templates/)")
    p.set_defaults(func=_cmd_fieldwork_templates)
    p = fw_sub.add_parser(
        "import",
        help="valider un classeur rempli (.xlsx) ou un répertoire de CSV, puis écrire <table>.csv",
        description="Valide un classeur rempli ou un répertoire de CSV (schémas et règles entre tables) et "
        "n'écrit rien si une erreur est trouvée ; chaque erreur nomme la feuille, la ligne et la cellule. "
        "Une cellule à formule est signalée par un avertissement.",
    )
    p.add_argument(
        "source", metavar="SOURCE", help="le classeur odas-fieldwork.xlsx rempli, ou un répertoire de <table>.csv"
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="RÉPERTOIRE",
        help="répertoire où écrire (le répertoire privé des enregistrements)",
    )
    p.set_defaults(func=_cmd_fieldwork_import)
    p = fw_sub.add_parser(
        "validate",
        help="valider les enregistrements utilisés ($ODAS_PRIVATE_DATA ou le jeu de démonstration)",
        description="Valide les enregistrements utilisés (ou ceux d'un répertoire) et résume ce qu'ils contiennent.",
    )
    p.add_argument("--dir", metavar="RÉPERTOIRE", help="valider plutôt ce répertoire d'enregistrements")
    p.set_defaults(func=_cmd_fieldwork_validate)
    p = fw_sub.add_parser(
        "source",
        help="dire quels enregistrements de terrain sont utilisés",
        description="Dit quels enregistrements de terrain sont utilisés : jeu de démonstration ou répertoire privé.",
    )
    p.set_defaults(func=_cmd_fieldwork_source)
    p = fw_sub.add_parser(
        "check-build",
        help="échouer si un nom de participant du répertoire privé figure dans build/",
        description="Cherche les noms de participant_names.csv (répertoire privé) dans les fichiers publiés ; "
        "échoue en nommant le fichier et le participant, le nom masqué.",
    )
    p.add_argument(
        "build_dir",
        nargs="?",
        metavar="RÉPERTOIRE",
        help="répertoire à parcourir (par défaut : build/, figures/ et tables/)",
    )
    p.set_defaults(func=_cmd_fieldwork_check_build)


# --- end of the validate / fieldwork block -------------------------------------------------


def _cmd_report(args: argparse.Namespace) -> int:
    from .publication import build_report

    result = build_report(
        sources=Path(args.sources) if args.sources else None,
        root=Path(args.root) if args.root else None,
        out=Path(args.out) if args.out else None,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        sites=args.site or None,
        pdf=False if args.no_pdf else (True if args.pdf else None),
        progress=lambda line: print(line, flush=True),
    )
    print(result.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``odas-analysis``."""
    parser = FrenchArgumentParser(
        prog="odas-analysis",
        description="Analyse reproductible de la recherche-action Odas 2015-2017 « Cohésion sociale et territoires ».",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="afficher la version et quitter"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE", title="commandes")

    _add_validate_parser(sub)

    data = sub.add_parser(
        "data", help="construire ou rafraîchir les tables territoriales à partir des fichiers nationaux"
    )
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="COMMANDE", title="commandes")
    p = data_sub.add_parser("build", help="reconstruire data/territory/ à partir des fichiers nationaux")
    p.add_argument(
        "--national-dir",
        metavar="RÉPERTOIRE",
        help="répertoire des données nationales (par défaut : $ODAS_NATIONAL_DATA)",
    )
    p.add_argument("--out", metavar="RÉPERTOIRE", help="répertoire de sortie (par défaut : data/territory/)")
    p.set_defaults(func=_cmd_data_build)
    p = data_sub.add_parser(
        "download", help="télécharger les fichiers nationaux officiels dans un répertoire, puis reconstruire"
    )
    p.add_argument("--national-dir", required=True, metavar="RÉPERTOIRE", help="répertoire où télécharger")
    p.add_argument(
        "--base-url",
        default=None,
        metavar="ADRESSE",
        help="miroir où télécharger (par défaut : les adresses officielles)",
    )
    p.add_argument("--no-rebuild", action="store_true", help="télécharger seulement, sans reconstruire data/territory/")
    p.set_defaults(func=_cmd_data_download)

    p = sub.add_parser(
        "run",
        help="exécuter les carnets (sites, hypothèses, méthodologie, synthèse) et en faire des pages HTML",
        description="Planifier chaque exécution, sauter celles dont les entrées n'ont pas changé, exécuter les "
        "autres avec papermill dans des processus parallèles, en faire les pages HTML pour les relecteurs "
        "(sans le code) et pour les chercheurs (avec le code), écrire build/html/index.html et "
        "build/manifest.json. Code de sortie 1 si une exécution a échoué.",
    )
    p.add_argument(
        "--site",
        action="append",
        metavar="SITE",
        help="seulement ce site (répétable ou séparé par des virgules) ; sans --only, seulement les fiches de site",
    )
    p.add_argument(
        "--territory",
        action="append",
        metavar="CODE",
        help="fiche d'un territoire quelconque : code INSEE de commune ou SIREN d'EPCI des fichiers nationaux "
        "(répétable ou séparé par des virgules) ; sans --site ni --only, seulement ces fiches",
    )
    p.add_argument(
        "--territories",
        action="append",
        metavar="SPEC",
        help="un lot national de fiches de territoire : communes-20000 (les communes de 20 000 habitants ou plus, "
        "populations légales les plus récentes ; communes-N pour un autre seuil), epci (tous les EPCI) ou un "
        "fichier de codes, un par ligne ; répétable ou séparé par des virgules (communes-20000,epci : 1 747 fiches)",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="NOM",
        help="seulement ces sortes de carnets (site, hypothese, methodologie, synthese) ou ces exécutions "
        "(site-angers, hypothese-H2...) ; répétable ou séparé par des virgules",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="nombre de processus parallèles (par défaut : un par cœur)",
    )
    p.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=None,
        help="où s'exécutent les carnets : local (par défaut : des processus de cette machine) ou dask "
        "(Dask distributed : un LocalCluster de --jobs travailleurs, ou la grappe de --scheduler)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADRESSE",
        help="adresse d'un ordonnanceur Dask (tcp://HÔTE:8786) ; implique --executor dask",
    )
    p.add_argument("--force", action="store_true", help="exécuter même les carnets dont les entrées n'ont pas changé")
    p.add_argument(
        "--out",
        metavar="RÉPERTOIRE",
        help="racine de sortie (par défaut : le projet ; build/, figures/ et tables/ vont dessous)",
    )
    p.add_argument(
        "--notebooks", metavar="RÉPERTOIRE", help="répertoire des modèles de carnets (par défaut : notebooks/)"
    )
    p.add_argument("--list", action="store_true", help="afficher les exécutions prévues et s'arrêter")
    p.add_argument(
        "--render-only",
        action="store_true",
        help="refaire les pages HTML et le sommaire à partir des carnets déjà exécutés, sans rien exécuter",
    )
    p.set_defaults(func=_cmd_run)

    _add_fieldwork_parser(sub)

    p = sub.add_parser(
        "report",
        help="construire le rapport publié (build/report/) à partir de report/ et des figures et tableaux du lot",
        description="Assembler le rapport publié (pages HTML, édition imprimable, PDF, XLSX, exports.csv) à partir "
        "des sources de report/ et des exports du dernier lot ; refuser, en disant quoi relancer, si un export "
        "manque ou est périmé. N'exécute aucun carnet.",
    )
    p.add_argument("--sources", metavar="RÉPERTOIRE", help="répertoire des sources du rapport (par défaut : report/)")
    p.add_argument(
        "--root",
        metavar="RÉPERTOIRE",
        help="racine du lot : figures/, tables/, build/manifest.json (par défaut : le projet)",
    )
    p.add_argument("--out", metavar="RÉPERTOIRE", help="répertoire de sortie (par défaut : <racine>/build/report)")
    p.add_argument(
        "--data-dir",
        metavar="RÉPERTOIRE",
        help="répertoire des données, pour la table des sources et les empreintes (par défaut : data/)",
    )
    p.add_argument(
        "--site",
        action="append",
        metavar="SITE",
        help="seulement les annexes de ces sites (répétable ; par défaut : tous)",
    )
    pdf = p.add_mutually_exclusive_group()
    pdf.add_argument("--pdf", action="store_true", help="échouer si l'édition PDF ne peut pas être produite")
    pdf.add_argument("--no-pdf", action="store_true", help="ne pas produire l'édition PDF")
    p.set_defaults(func=_cmd_report)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``odas-analysis`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except OdasError as exc:
        print(f"odas-analysis: erreur : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
