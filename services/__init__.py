"""Side-effecting services: the session store, data loading, probes, external sources."""
