"""Playing: the jukebox's queue, decoding and the audio players, and the music service that
ties them to the library. No curses."""
