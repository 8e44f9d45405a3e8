"""cases/audio.py without Django: each format a phone records a call in is named from its bytes, what only starts
like one is refused with the reason, and no bytes at all make it fail other than by saying so."""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import audio

from . import files, recordings

STORED_AS = {
    recordings.wav: audio.WAV,
    recordings.mp3: audio.MP3,
    recordings.amr: audio.AMR,
    recordings.amr_wb: audio.AMR_WB,
    recordings.m4a: audio.M4A,
    recordings.amr_3gp: audio.AMR_IN_3GP,
    recordings.aac_adts: audio.AAC,
    recordings.ogg_opus: audio.OPUS,
}


@pytest.mark.parametrize(("build", "expected"), STORED_AS.items(), ids=lambda value: getattr(value, "__name__", ""))
def test_each_format_is_named_from_its_bytes(build, expected):
    assert audio.recording_format(build()) == expected


def test_mp3_without_a_tag_and_m4a_with_the_movie_box_first():
    assert audio.recording_format(recordings.mp3(tagged=False)) == audio.MP3
    assert audio.recording_format(recordings.mp4(movie_first=True)) == audio.M4A


def test_aac_after_an_id3_tag_is_aac():
    """filetype calls anything that starts with an ID3 tag MP3; what follows the tag decides."""
    assert audio.recording_format(recordings.id3_tag() + recordings.aac_adts()) == audio.AAC


@pytest.mark.parametrize("brand", [b"mp42", b"isom", b"3gp5", b"qt  ", b"dash"])
def test_an_mp4_of_sound_only_is_a_recording_whatever_its_brand(brand):
    assert audio.recording_format(recordings.mp4(brand)) == audio.M4A


def test_a_recording_cut_short_at_its_end_is_still_one():
    """Phones stop recording mid-frame: the start is what is checked."""
    for build in (recordings.amr, recordings.mp3, recordings.aac_adts):
        content = build()
        assert audio.recording_format(content[:-5]) == audio.recording_format(content)


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (recordings.video, "video_not_audio"),
        (recordings.m4a_cut_off, "broken_audio"),
        (recordings.id3_then_web_page, "broken_audio"),
        (recordings.amr_of_noise, "broken_audio"),
        (lambda: recordings.mp4(tracks=()), "broken_audio"),
        (lambda: recordings.mp4(tracks=((b"text", b"tx3g"),)), "broken_audio"),
        (lambda: b"#!AMR\n", "broken_audio"),
        (lambda: recordings.wav()[:40], "broken_audio"),
        (lambda: recordings.MP3_FRAME_HEADER + bytes(300), "broken_audio"),
    ],
    ids=["video", "m4a-cut-off", "id3-then-html", "amr-noise", "no-track", "text-track", "amr-magic-only",
         "wav-header-only", "one-mp3-frame"],
)  # fmt: skip
def test_what_only_starts_like_a_recording_is_refused_with_the_reason(build, code):
    with pytest.raises(audio.NotAudio) as excinfo:
        audio.recording_format(build())
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    "content",
    [
        b"ID3\x03\x00\x00\x00\x00\x00\x00" * (audio.MAX_PARTS + 1),
        b"RIFF" + struct.pack("<I", 0) + b"WAVE" + (b"junk" + bytes(4)) * (audio.MAX_PARTS + 1),
        struct.pack(">I4s4sI", 16, b"ftyp", b"M4A ", 0) + struct.pack(">I4s", 8, b"free") * (audio.MAX_PARTS + 1),
    ],
    ids=["empty-id3-tags", "wav-chunks-before-the-sound", "mp4-boxes-before-the-movie"],
)
def test_more_tags_chunks_or_boxes_than_a_recording_has_are_refused_not_walked(content):
    """Real recordings have a handful; 20 MB of empty ones took up to 1.5 s to walk."""
    with pytest.raises(audio.NotAudio) as excinfo:
        audio.recording_format(content)
    assert excinfo.value.code == "broken_audio"


@pytest.mark.parametrize(
    "build",
    [recordings.zip_archive, recordings.windows_executable, files.html_page, files.elf_executable, files.tiny_pdf],
)
def test_what_is_not_sound_at_all_is_not_a_format(build):
    assert audio.recording_format(build()) is None


def test_flac_and_ogg_speex_are_not_formats_taken_here():
    assert audio.recording_format(b"fLaC" + bytes(100)) is None
    speex = recordings._ogg_page(b"Speex   " + bytes(72), sequence=0, first=True)
    assert audio.recording_format(speex) is None


def test_the_ogg_check_sees_a_video_stream():
    theora = recordings._ogg_page(b"\x80theora" + bytes(34), sequence=0, first=True)
    with pytest.raises(audio.NotAudio) as excinfo:
        audio.recording_format(theora + recordings.ogg_opus())
    assert excinfo.value.code == "video_not_audio"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(STORED_AS)),
    st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=12),
    st.integers(0, 5000),
)
def test_damaged_recordings_are_named_or_refused_never_crash(build, changes, cut):
    """Bytes changed anywhere and the file cut anywhere: a format, None, or NotAudio; never another exception."""
    content = bytearray(build())
    for at, value in changes:
        content[at % len(content)] = value
    try:
        found = audio.recording_format(bytes(content[: max(cut, 1)]))
    except audio.NotAudio as error:
        assert error.code in {"broken_audio", "video_not_audio"}
    else:
        assert found is None or isinstance(found, audio.AudioFormat)


def test_amr_is_offered_for_download_only():
    assert {audio.AMR.content_type, audio.AMR_WB.content_type, audio.AMR_IN_3GP.content_type} == set(
        audio.NOT_PLAYABLE_TYPES
    )
    assert audio.M4A.content_type not in audio.NOT_PLAYABLE_TYPES
