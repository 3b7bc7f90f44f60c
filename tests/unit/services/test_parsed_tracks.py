"""Parsed caption tracks are kept per worker without ever showing a stale or shared list."""

from __future__ import annotations

from lms.services import caption_tracks

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nGood morning.\n\n00:00:04.000 --> 00:00:06.000\nWelcome.\n"


def test_a_track_is_parsed_once_and_each_caller_gets_its_own_list():
    caption_tracks._parsed.cache_clear()
    first = caption_tracks.cues_of(VTT)
    first[0] = first[1]  # a caller (editing a cue) changes its list
    second = caption_tracks.cues_of(VTT)
    assert [c.text for c in second] == ["Good morning.", "Welcome."]
    assert caption_tracks._parsed.cache_info().hits == 1


def test_an_edited_track_is_read_again():
    edited = VTT.replace("Welcome.", "Welcome, everyone.")
    assert [c.text for c in caption_tracks.cues_of(VTT)][1] == "Welcome."
    assert [c.text for c in caption_tracks.cues_of(edited)][1] == "Welcome, everyone."
