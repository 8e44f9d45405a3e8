"""What a phone's call recording must look like to be kept as it is: its format read from its first bytes, then its
container followed far enough to know that it really is that format and holds sound only. Nothing is decoded or
re-encoded, and nothing here touches Django, storage or the database.

`filetype` names most formats from their first bytes; it does not know AMR-WB, MP3 that starts on a frame header it
does not list (with a checksum, or MPEG 2.5), nor which of the MP4 files it calls video hold sound only, so those are
read here. What is checked is the start of the stream (and, for MP4, the boxes that describe the tracks): a recording
cut short at its end is still kept, as the phone saved it.
"""

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import filetype


@dataclass(frozen=True)
class AudioFormat:
    label: str  # as the user knows it, e.g. "M4A"
    extension: str  # of the stored file
    content_type: str  # the file is served with it


MP3 = AudioFormat("MP3", "mp3", "audio/mpeg")
M4A = AudioFormat("M4A", "m4a", "audio/mp4")
# Older Android phones keep calls as AMR inside an MP4-like 3GP file.
AMR_IN_3GP = AudioFormat("3GP", "3gp", "audio/3gpp")
AMR = AudioFormat("AMR", "amr", "audio/amr")
AMR_WB = AudioFormat("AMR-WB", "awb", "audio/amr-wb")
WAV = AudioFormat("WAV", "wav", "audio/wav")
AAC = AudioFormat("AAC", "aac", "audio/aac")
OGG = AudioFormat("OGG", "ogg", "audio/ogg")
OPUS = AudioFormat("Opus", "opus", "audio/ogg")

# No browser's <audio> decodes AMR: such recordings are offered for download only.
NOT_PLAYABLE_TYPES = frozenset({AMR.content_type, AMR_WB.content_type, AMR_IN_3GP.content_type})

# How far past the tags the first MP3 frame may start (encoders pad a tag with zeros beyond its declared size).
MP3_SYNC_WINDOW = 4096
# How much of a stream of frames (MP3, AAC, AMR) is followed from its first frame.
FRAMES_CHECKED_BYTES = 64 * 1024
# How many ID3 tags, WAV chunks before the sound, or MP4 boxes side by side a recording may have: real ones have a
# handful. Without a bound, 20 MB of empty tags, chunks or boxes took 0.5-1.5 s to walk.
MAX_PARTS = 10_000


class NotAudio(ValueError):
    """Starts like a recording but is not one: `code` is "broken_audio" or "video_not_audio"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def recording_format(content: bytes) -> AudioFormat | None:
    """The format of a recording in `content`; None when it does not start like any format taken here.

    Raises NotAudio when it starts like one but is not a whole recording of it, or is a video.
    """
    sniffed = filetype.guess_mime(content)
    if sniffed in _CHECKED_AS:
        return _CHECKED_AS[sniffed](content)
    if sniffed is not None and not sniffed.startswith("video/"):
        return None  # FLAC, AIFF, MIDI, and everything that is not sound at all
    # What filetype does not name, or names a video before the tracks are seen.
    if content[4:8] == b"ftyp":
        return _check_mp4(content)
    if content.startswith(b"#!AMR-WB\n"):
        return _check_amr(content, len(b"#!AMR-WB\n"), AMR_WB_FRAME_BYTES, AMR_WB)
    if content.startswith(b"#!AMR\n"):  # too short for filetype to look at
        return _check_amr(content, len(b"#!AMR\n"), AMR_NB_FRAME_BYTES, AMR)
    if _mp3_frame(content, 0) or _adts_frame(content, 0):
        return _check_frames(content, 0)
    return None


# --- MP3 and AAC: a stream of frames, perhaps after ID3 tags ----------------------------------------------------

# Layer III bit rates in kbit/s by the header's index: MPEG-1, then MPEG-2 and 2.5.
_MP3_BITRATES = (
    (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
)
# Sample rates by the header's version bits (0: MPEG 2.5, 2: MPEG-2, 3: MPEG-1; 1 is reserved).
_MP3_SAMPLE_RATES = {0: (11025, 12000, 8000), 2: (22050, 24000, 16000), 3: (44100, 48000, 32000)}


# Reads the frame header at an offset: (frame length, what stays the same from frame to frame), or None.
FrameReader = Callable[[bytes, int], tuple[int, tuple[int, int]] | None]


def _skip_id3(content: bytes) -> int:
    """Where the audio starts after the ID3v2 tags at the front (0 without any)."""
    at, tags = 0, 0
    while content[at : at + 3] == b"ID3":
        tags += 1
        if tags > MAX_PARTS:
            raise NotAudio("broken_audio")
        header = content[at : at + 10]
        if len(header) < 10 or header[3] not in (2, 3, 4) or any(byte & 0x80 for byte in header[6:10]):
            raise NotAudio("broken_audio")
        size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]  # "synchsafe": 7 bits a byte
        at += 10 + size + (10 if header[5] & 0x10 else 0)  # the flag says a footer follows
    return at


def _mp3_frame(content: bytes, at: int) -> tuple[int, tuple[int, int]] | None:
    """(length, (version, sample rate)) of the MPEG Layer III frame whose header is at `at`, or None."""
    header = content[at : at + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3 or header[3] & 3 == 2:
        return None
    bitrate = _MP3_BITRATES[0 if version == 3 else 1][bitrate_index] * 1000
    rate = _MP3_SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    return (144 if version == 3 else 72) * bitrate // rate + padding, (version, rate)


def _adts_frame(content: bytes, at: int) -> tuple[int, tuple[int, int]] | None:
    """(length, (profile, sampling index)) of the AAC ADTS frame whose header is at `at`, or None."""
    header = content[at : at + 7]
    # 12 bits of sync, then the MPEG version bit, then a layer that is always 0.
    if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
        return None
    profile, sampling = header[2] >> 6, (header[2] >> 2) & 0xF
    length = ((header[3] & 3) << 11) | (header[4] << 3) | (header[5] >> 5)
    if sampling > 12 or length <= (7 if header[1] & 1 else 9):
        return None
    return length, (profile, sampling)


def _check_frames(content: bytes, start: int) -> AudioFormat:
    """MP3 or AAC: two frames of the same stream one after the other, near where the tags end; then every frame of
    the first FRAMES_CHECKED_BYTES runs into the next."""
    end = min(len(content), start + MP3_SYNC_WINDOW)
    at = content.find(b"\xff", start, end)
    while at != -1:
        for read, found in ((_mp3_frame, MP3), (_adts_frame, AAC)):
            first = read(content, at)
            if first is None:
                continue
            second = read(content, at + first[0])
            if second is not None and second[1] == first[1]:
                _follow_frames(content, at, read, first[1])
                return found
        at = content.find(b"\xff", at + 1, end)
    raise NotAudio("broken_audio")


def _follow_frames(content: bytes, at: int, read: FrameReader, stream: tuple[int, int]) -> None:
    limit = min(len(content), at + FRAMES_CHECKED_BYTES)
    while at < limit:
        frame = read(content, at)
        if frame is None:
            # An ID3v1 or APE tag may close the file; otherwise only a last frame cut short may end it.
            if content.startswith((b"TAG", b"APETAGEX", b"LYRICS"), at) or len(content) - at < 7:
                return
            raise NotAudio("broken_audio")
        if frame[1] != stream:
            raise NotAudio("broken_audio")
        at += frame[0]


# --- AMR ---------------------------------------------------------------------------------------------------------

# Bytes of a frame, its header byte included, by frame type (RFC 4867, section 5); 0 marks a type that is reserved.
AMR_NB_FRAME_BYTES = (13, 14, 16, 18, 20, 21, 27, 32, 6, 0, 0, 0, 0, 0, 0, 1)
AMR_WB_FRAME_BYTES = (18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 0, 0, 0, 0, 1, 1)


def _check_amr(content: bytes, at: int, frame_bytes: tuple[int, ...], found: AudioFormat) -> AudioFormat:
    """After the magic line, frames: each a header byte (0, a 4-bit type, the quality bit, two 0 bits) and its
    speech bits, at least one of them whole."""
    limit = min(len(content), at + FRAMES_CHECKED_BYTES)
    frames = 0
    while at < limit:
        header = content[at]
        size = frame_bytes[(header >> 3) & 0xF]
        if header & 0x83 or not size:
            raise NotAudio("broken_audio")
        if at + size > len(content):
            break  # the last frame, cut short when the phone stopped recording
        frames += 1
        at += size
    if not frames:
        raise NotAudio("broken_audio")
    return found


# --- WAV ---------------------------------------------------------------------------------------------------------


def _check_wav(content: bytes) -> AudioFormat:
    """RIFF chunks up to the sound: a format chunk that describes audio, then a data chunk holding some."""
    at, described, chunks = 12, False, 0
    while at + 8 <= len(content):
        chunks += 1
        if chunks > MAX_PARTS:
            raise NotAudio("broken_audio")
        chunk, size = struct.unpack_from("<4sI", content, at)
        body = at + 8
        if chunk == b"fmt ":
            if size < 16 or body + 16 > len(content):
                raise NotAudio("broken_audio")
            codec, channels, rate, _byte_rate, block_align = struct.unpack_from("<HHIIH", content, body)
            described = bool(codec) and 1 <= channels <= 16 and 1000 <= rate <= 384_000 and block_align > 0
            if not described:
                raise NotAudio("broken_audio")
        elif chunk == b"data":
            # A recorder stopped before it wrote the sizes leaves 0 or 0xFFFFFFFF here; the sound still follows.
            if not described or body >= len(content):
                raise NotAudio("broken_audio")
            return WAV
        at = body + size + (size & 1)
    raise NotAudio("broken_audio")


# --- Ogg ---------------------------------------------------------------------------------------------------------


def _check_ogg(content: bytes) -> AudioFormat | None:
    """The first page of each stream comes first: what its first packet names is what the file holds."""
    at, codecs = 0, list[bytes]()
    while content.startswith(b"OggS", at) and len(codecs) < 8:
        if at + 27 > len(content) or content[at + 4] != 0:
            raise NotAudio("broken_audio")
        if not content[at + 5] & 0x02:  # not the first page of a stream: the streams' headers are over
            break
        segments = content[at + 26]
        table = content[at + 27 : at + 27 + segments]
        if len(table) < segments:
            raise NotAudio("broken_audio")
        body = at + 27 + segments
        codecs.append(content[body : body + 8])
        at = body + sum(table)
    if not codecs:
        raise NotAudio("broken_audio")
    if any(packet.startswith((b"\x80theora", b"OVP80", b"\x80daala")) for packet in codecs):
        raise NotAudio("video_not_audio")
    if any(packet.startswith(b"OpusHead") for packet in codecs):
        return OPUS
    if any(packet.startswith(b"\x01vorbis") for packet in codecs):
        return OGG
    return None  # Speex, FLAC in Ogg and the like: not what a phone records a call in


# --- MP4, M4A, 3GP -----------------------------------------------------------------------------------------------


def _boxes(content: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, start of its contents, its end) of each box between `start` and `end`."""
    at, boxes = start, 0
    while at + 8 <= end:
        boxes += 1
        if boxes > MAX_PARTS:
            raise NotAudio("broken_audio")
        size, kind = struct.unpack_from(">I4s", content, at)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            if at + 16 > end:
                raise NotAudio("broken_audio")
            size, header = struct.unpack_from(">Q", content, at + 8)[0], 16
        elif size == 0:  # the last box, up to the end of the file
            size = end - at
        if size < header or at + size > end:
            raise NotAudio("broken_audio")
        yield kind, at + header, at + size
        at += size


def _child(content: bytes, parent: tuple[int, int], *path: bytes) -> tuple[int, int] | None:
    """The contents of the first box down `path` inside `parent`, or None."""
    found: tuple[int, int] | None = parent
    for name in path:
        if found is None:
            return None
        found = next(((start, end) for kind, start, end in _boxes(content, *found) if kind == name), None)
    return found


def _check_mp4(content: bytes) -> AudioFormat:
    """The movie box's tracks: at least one of sound, none of video (an MP4 "recording" filmed by the camera is a
    video, and is not kept as a recording)."""
    moov = _child(content, (0, len(content)), b"moov")
    if moov is None:
        raise NotAudio("broken_audio")
    sound, video, amr = False, False, False
    for kind, start, end in _boxes(content, *moov):
        if kind != b"trak":
            continue
        handler = _child(content, (start, end), b"mdia", b"hdlr")
        if handler is None or handler[1] - handler[0] < 12:
            raise NotAudio("broken_audio")
        # A full box: version and flags, a field that is always 0, then the handler type.
        handler_type = content[handler[0] + 8 : handler[0] + 12]
        video = video or handler_type == b"vide"
        if handler_type == b"soun":
            sound = True
            descriptions = _child(content, (start, end), b"mdia", b"minf", b"stbl", b"stsd")
            if descriptions is None or descriptions[1] - descriptions[0] < 16:
                raise NotAudio("broken_audio")
            # Version and flags, the number of entries, then the first entry's size and its codec.
            amr = amr or content[descriptions[0] + 12 : descriptions[0] + 16] in (b"samr", b"sawb")
    if video:
        raise NotAudio("video_not_audio")
    if not sound:
        raise NotAudio("broken_audio")
    return AMR_IN_3GP if amr else M4A


# filetype's names for what it recognises -> the check of that container. MP4 files of sound are "video" to it.
_CHECKED_AS = {
    "audio/mpeg": lambda content: _check_frames(content, _skip_id3(content)),
    "audio/aac": lambda content: _check_frames(content, 0),
    "audio/amr": lambda content: _check_amr(content, len(b"#!AMR\n"), AMR_NB_FRAME_BYTES, AMR),
    "audio/x-wav": _check_wav,
    "audio/ogg": _check_ogg,
    "audio/mp4": _check_mp4,
    "video/mp4": _check_mp4,
    "video/3gpp": _check_mp4,
    "video/quicktime": _check_mp4,
    "video/x-m4v": _check_mp4,
}
