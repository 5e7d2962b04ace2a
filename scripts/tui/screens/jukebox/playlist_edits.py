"""What the jukebox's playlist keys do to the M3U8 files (L adds, W saves, C makes, E renames,
[ ] and Del edit, D deletes), for any view; a refused name or a disk error is said, never
raised. A mixin of JukeboxScreen: it uses the screen's say() and ask_for()."""

from __future__ import annotations

from scripts.library import playlists as playlist_files
from scripts.tui.screens.jukebox.modals import Question
from scripts.utility import plural


class PlaylistEdits:
    service = None
    last_playlist = ""  # the name L offers next time

    def say(self, message: str) -> None:
        raise NotImplementedError

    def ask_for(self, question: str, done, value: str = "") -> None:
        raise NotImplementedError

    def playlist_change(self, change, said) -> None:
        """Change the playlist files and say what was done (`said` of the change's result)."""
        try:
            result = change()
        except playlist_files.PlaylistError as error:
            self.say(str(error))
            return
        finally:
            self.service.reload_playlists()
        self.say(said(result))

    def add_to_playlist(self, songs) -> None:
        if not songs:
            self.say("Nothing to add.")
            return
        songs = list({song.id: song for song in songs}.values())  # a song once, however queued
        self.ask_for(
            "Add to playlist (a new name makes one):",
            lambda name: self.add_songs(name, songs),
            self.last_playlist,
        )

    def add_songs(self, name: str, songs) -> None:
        """Into the playlist of that name (a new one when there is none), each song once."""
        service = self.service
        self.last_playlist = name
        try:
            found = playlist_files.name_in_use(
                service.library.folder, playlist_files.safe_name(name)
            )
        except playlist_files.PlaylistError as error:
            self.say(str(error))
            return
        same = [p for p in service.playlists if p.path == found]
        if not same:
            self.playlist_change(
                lambda: playlist_files.new_playlist(service.library.folder, name, songs),
                lambda made: f"Added {plural(len(songs), 'song')} to the new playlist {made.name}.",
            )
            return
        playlist = same[0]
        present = {entry.song_id for entry in playlist.entries}
        new = [song for song in songs if song.id not in present]
        there = f"{plural(len(songs) - len(new), 'song')} already there"
        if not new:
            self.say(f"Nothing added: {there}, in the playlist {playlist.name}.")
            return
        playlist.entries += [playlist_files.entry_for(s, playlist) for s in new]
        added = f"Added {plural(len(new), 'song')} to the playlist {playlist.name}"
        self.playlist_change(
            lambda: playlist_files.save_playlist(playlist),
            lambda _: f"{added} ({there})." if len(new) < len(songs) else f"{added}.",
        )

    def save_as(self, name: str, songs) -> None:
        self.playlist_change(
            lambda: playlist_files.export_playlist(self.service.library.folder, name, songs),
            lambda made: (
                f"Saved {plural(len(songs), 'song')} as {made.path.name} (in {made.path.parent})."
            ),
        )

    def name_playlist(self, playlist) -> None:
        """A new, empty playlist (None), or `playlist` renamed."""
        folder = self.service.library.folder
        if playlist is None:
            self.ask_for(
                "Name of the new playlist:",
                lambda name: self.playlist_change(
                    lambda: playlist_files.new_playlist(folder, name),
                    lambda made: f"Made the playlist {made.name}: L in the other views adds songs.",
                ),
            )
            return
        self.ask_for(
            "Rename to:",
            lambda name: self.playlist_change(
                lambda: playlist_files.rename_playlist(playlist, name),
                lambda made: f"Renamed {playlist.name} to {made.name}.",
            ),
            playlist.name,
        )

    def edit_playlist(self, playlist, cursor, name: str) -> None:
        """[ and ] move the chosen entry, Del takes it out; the file is saved at once."""
        place, entries = cursor.index, playlist.entries
        if not 0 <= place < len(entries):
            return
        if name == "KEY_DC":
            del entries[place]
        else:
            other = place - 1 if name == "[" else place + 1
            if not 0 <= other < len(entries):
                return
            entries[place], entries[other] = entries[other], entries[place]
            cursor.index = other
        self.playlist_change(lambda: playlist_files.save_playlist(playlist), lambda _: "")

    def ask_delete_playlist(self, playlist) -> None:
        self.question = Question(
            f"Delete the playlist {playlist.name}? Its songs stay. (y/n)",
            lambda: self.playlist_change(
                lambda: playlist_files.delete_playlist(playlist),
                lambda _: f"Deleted the playlist {playlist.name}.",
            ),
        )
