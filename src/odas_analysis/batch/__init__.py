"""The batch: plan -> cache check -> pool of workers -> HTML, index and manifest.

``odas-analysis run`` (and ``make reports``) calls :func:`.run.run_batch` on the runs of
:func:`.plan.plan`: one per site (``site-<site_id>``), one per hypothesis
(``hypothese-<H>``), ``methodologie`` and ``synthese``.

Plan
    Each run is a notebook template ``notebooks/<kind>.ipynb``, its parameters (papermill
    injects them after the cell tagged ``parameters``) and an output name. The study
    tables go through the checks of ``odas-analysis validate`` and every id must be a
    slug; parameters are validated before anything starts
    (:class:`~odas_analysis.errors.ParameterError` names the valid values), and every
    path derived from an id is built with :func:`odas_analysis.files.under`.

Cache
    A run is skipped when the SHA-256 of its inputs equals the one recorded in
    ``build/manifest.json`` for its last successful execution and its outputs still
    exist. The inputs are: the template's bytes, the parameters (JSON), the data files,
    the package source (``src/odas_analysis/**/*.py``), ``requirements.lock``, the
    Python version, the settings read from the environment (the effective
    ``ODAS_DISCLOSURE_THRESHOLD``, whether ``ODAS_PRIVATE_DATA`` is on) and the page's
    title and neighbours. A key is recorded only once the run's outputs are in place. For data, a CSV table with a ``site_id`` column is
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

Safety
    One batch per output root (``build/.batch.lock``, :mod:`.lock`); each batch stages
    in its own ``build/.staging/<id>/``; Ctrl-C stops workers and kernels within about a
    second and exits 130 with a true manifest; the workers, the zygote and the kernels
    die with their leader (:mod:`.lifetime`); participant names are masked in progress
    lines and in the manifest (:mod:`.names`), which is written after the names check.

Failures
    A failing notebook is kept as ``build/notebooks/failed/<name>.ipynb`` with its
    traceback; the other runs go on; the previous HTML, figures and tables of that run
    are left untouched (every file is written to a temporary name, then renamed); the
    exit code is 1.

Executors
    ``--executor local`` (default): the worker processes above. ``--executor dask``
    (:mod:`.dask_pool`): the same jobs on Dask distributed, a LocalCluster or the
    cluster of ``--scheduler tcp://HOST:8786``, a zygote per Dask worker (a worker
    plugin), the outputs sent back to the leader as bytes (no shared filesystem).

National batches
    ``--territories communes-20000,epci`` (:mod:`.territories`): 1,747 territory
    pages; the index groups them by région and département, with a filter box.

Modules: :mod:`.plan` (``Run``, ``plan``), :mod:`.cache` (``Layout``, ``DataHasher``,
``data_dirs``, digests, manifest), :mod:`.run` (``run_batch``, ``render_only``),
:mod:`.ledger` (the manifest as the batch goes), :mod:`.pool` (workers), :mod:`.dask_pool`
(Dask), :mod:`.territories` (national sets, their index), :mod:`.zygote`
(forked warm kernels), :mod:`.lifetime`, :mod:`.lock`, :mod:`.names` and :mod:`.pages`
(HTML pages and the index). They import only the standard library at import time
(except :mod:`.dask_pool`, imported for ``--executor dask`` only), so
that a batch where everything is skipped costs a fraction of a second (the study
tables' validation, stamped when they pass, imports pandas).
"""

__all__: list[str] = []
