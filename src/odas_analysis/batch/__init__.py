"""The batch: plan -> cache check -> pool of workers -> HTML, index and manifest.

``odas-analysis run`` (and ``make reports``) calls :func:`run_batch` on the runs of
:func:`plan`: one per site (``site-<site_id>``), one per hypothesis
(``hypothese-<H>``), ``methodologie`` and ``synthese``.

Plan
    Each run is a notebook template ``notebooks/<kind>.ipynb``, its parameters (papermill
    injects them after the cell tagged ``parameters``) and an output name. Parameters
    are validated before anything starts (:class:`~odas_analysis.errors.ParameterError`
    names the valid values).

Cache
    A run is skipped when the SHA-256 of its inputs equals the one recorded in
    ``build/manifest.json`` for its last successful execution and its outputs still
    exist. The inputs are: the template's bytes, the parameters (JSON), the data files,
    the package source (``src/odas_analysis/**/*.py``), ``requirements.lock``, the
    Python version and the settings read from the environment
    (``ODAS_DISCLOSURE_THRESHOLD``). For data, a CSV table with a ``site_id`` column is
    *per-site*: a site run hashes its header, its own rows and the rows with an empty
    ``site_id``; the cross-site runs hash every file whole. A change to one site's rows
    thus re-runs that site and the cross-site notebooks only. Every other file under
    ``data/`` (and under ``$ODAS_PRIVATE_DATA`` when set) is read by every run. Executed
    outputs are never hashed (papermill writes timings and random ids into them).

Execution
    ``--jobs`` worker processes (default: one per core), each importing papermill,
    nbclient and nbconvert once. Each worker keeps one kernel ahead: started with the
    IPC transport (no TCP port race between workers, papermill#511) in the template's
    directory, with the scientific stack and the modules the templates import already
    loaded (a silent request, which moves no execution counter). A kernel runs exactly
    one notebook and is discarded, so no state leaks between notebooks, while the next
    one is already warming. The notebook itself is run by
    :func:`papermill.execute_notebook` with that kernel manager: parameter injection,
    the ``injected-parameters`` cell, papermill's metadata and its error marker are
    exactly those of the ``papermill`` command.

Outputs (under the output root: the project, or ``--out DIR``)
    ``build/notebooks/<name>.ipynb``; ``build/html/reviewers/<name>.html`` (code
    hidden) and ``build/html/researchers/<name>.html`` (code shown);
    ``build/html/index.html``; ``figures/<name>/`` and ``tables/<name>/`` (written by
    :mod:`odas_analysis.export` into a staging directory, moved in place when the run
    succeeds); ``build/manifest.json``.

Failures
    A failing notebook is kept as ``build/notebooks/failed/<name>.ipynb`` with its
    traceback; the other runs go on; the previous HTML, figures and tables of that run
    are left untouched (every file is written to a temporary name, then renamed); the
    exit code is 1.

The package imports only the standard library at import time, so that a batch where
everything is skipped costs a fraction of a second.
"""

__all__: list[str] = []
