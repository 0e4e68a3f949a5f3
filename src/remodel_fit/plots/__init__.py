"""Every figure of the package. Each function returns a matplotlib Figure; callers save it
(:func:`remodel_fit.io.save_figure`). No backend is chosen here: the CLI selects a
non-interactive one."""
