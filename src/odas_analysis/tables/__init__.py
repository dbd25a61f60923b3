"""The tables of the pages, one module per notebook.

``site``, ``hypothese``, ``methodologie``, ``synthese``
    the tables (and the notes under them) each notebook shows, as
    :class:`pandas.DataFrame` objects with French headers, ready for
    :func:`odas_analysis.export.table`; editing a page's tables means opening the
    module named after its notebook.
``typology``
    the typology of the sites computed for the synthese notebook.
``indicators``
    the indicator columns shared by the site and synthese pages.
``common``
    source citations and French labels used by the tables of several notebooks.

A notebook reads::

    from odas_analysis.tables import site as tables
    export.table(tables.card(site_id), "fiche", caption=tables.card_sources(site_id))
"""
