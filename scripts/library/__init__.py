"""The library: the output folder's songs and index, its lock, playlists, and the views the
jukebox browses. No audio."""
