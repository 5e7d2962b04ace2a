"""The text UI's screens: the menu, Generate, Options, the catalog, Train and the jukebox."""
