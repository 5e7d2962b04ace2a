"""Styles and the arrangement: style files (data/styles), typed words to styles, the song's form,
harmony, lead, parts and drums, put together by the arranger as a Score."""
