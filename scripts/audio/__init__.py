"""Audio production: measuring loudness and mastering the mix."""
