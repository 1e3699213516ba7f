"""Tables of the simulated edge (filled in by the edge work, issue 4)."""
