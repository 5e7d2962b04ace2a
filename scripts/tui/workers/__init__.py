"""Work off the UI thread (a batch, a download, a grammar check, training) that posts typed
events to the screen."""
