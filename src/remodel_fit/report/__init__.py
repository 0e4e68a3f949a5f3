"""Report building blocks: diagnostics tables as markdown and HTML."""
