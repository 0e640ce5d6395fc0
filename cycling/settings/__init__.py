"""Settings modules: base (local defaults), production, test."""
