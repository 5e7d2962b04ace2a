"""The Output Jukebox screen (screen.py) and its views, one module each: Playing (playing.py),
Artists, Genres, Songs, Queue, Playlists and Search, on the list machinery of lists.py. Each view
has its keymap; the keys of every view are the screen's. The engine is music_service.py."""
