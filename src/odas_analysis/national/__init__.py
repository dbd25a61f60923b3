"""The national files: reading them, building ``data/territory/`` from them, downloading them.

* :mod:`.read`: the tidy national CSVs (:data:`~.read.NATIONAL_FILES`, :func:`~.read.read_national`);
* :mod:`.sources`: one builder per source (geography, Filosofi, census, elections);
* :mod:`.build`: :func:`~.build.build_territory` (``odas-analysis data build``);
* :mod:`.download`, :mod:`.convert`: the official files and their conversion to the
  tidy layout (``odas-analysis data download``);
* :mod:`.territory`: the loading API of the committed tables, for notebooks.
"""
