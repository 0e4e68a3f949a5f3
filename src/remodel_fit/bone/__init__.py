"""The application: inflammatory cytokines acting on the Pivonka core (the ``bone_inflammation``
model), its default scenarios, the cytokine-arm variants of a fit and the sensitivity study."""
