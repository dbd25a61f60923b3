"""The figures of the pages, one module per notebook, and the one style they share.

``style``
    colours, palette, rcParams, :func:`~odas_analysis.figures.style.new_figure`,
    French tick labels.
``site``, ``hypothese``, ``methodologie``, ``synthese``, ``territoire``
    the figures each notebook shows (editing a page's figures means opening the module
    named after its notebook).
``representativeness``
    the synthesis's figure of where each site stands among the cities of France.
``common``
    pieces used by the figures of several notebooks.
``layers``
    a figure drawn as a background kept from one page to the next and an overlay of
    its own (the national curves of ``territoire.distribution``).
``generic``
    ready-made chart types (bars, dots, scatter) for a new notebook or a script.

A notebook reads::

    from odas_analysis.figures import site as figures
    export.figure(figures.references(site_id), "territoire-references", alt="...")
"""
