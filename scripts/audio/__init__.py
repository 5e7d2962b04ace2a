"""Audio production: abc2midi, the synth and its SoundFonts, effects, the mix, loudness, mastering
and the MP3."""
