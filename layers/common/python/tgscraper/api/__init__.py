"""HTTP glue shared by every handler: app factory, error contract, dependencies."""
