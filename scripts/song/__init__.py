"""Songs: one song from prompt to files (the pipeline), a batch of them and its events, and a
song's identity (artist, title, lyrics)."""
