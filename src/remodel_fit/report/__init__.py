"""Report building blocks: figures of a fit (:mod:`.fit_plots`) and tables (:mod:`.tables`)."""
