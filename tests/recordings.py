"""Real call recordings made in the tests, in the formats phones save them in, and bad files dressed up as ones.

Each is built byte by byte as its format describes it (the WAV through the standard library's `wave`); nothing is
read from disk. The frames hold silence or a tone: only the containers matter to the upload check.
"""

import io
import math
import struct
import wave
import zipfile
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

from . import files

# --- good recordings ---------------------------------------------------------------------------------------------


def wav(seconds: float = 0.25, rate: int = 8000) -> bytes:
    """16-bit mono PCM, as a phone's built-in recorder saves a call: a 440 Hz tone."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate)))
        writer.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return out.getvalue()


def _synchsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3_tag(title: str = "通话录音 95188") -> bytes:
    """An ID3v2.3 tag with the title a recorder app writes (a TIT2 frame in UTF-16)."""
    text = b"\x01" + title.encode("utf-16")
    frame = b"TIT2" + struct.pack(">I", len(text)) + b"\x00\x00" + text
    return b"ID3\x03\x00\x00" + _synchsafe(len(frame)) + frame


# MPEG-1 Layer III, 64 kbit/s, 44.1 kHz, mono: 144 * 64000 / 44100 = 208 bytes a frame. Its side information and
# main data all zero decode to silence.
MP3_FRAME_HEADER = b"\xff\xfb\x50\xc4"
MP3_FRAME_BYTES = 208


def mp3(frames: int = 20, *, tagged: bool = True) -> bytes:
    frame = MP3_FRAME_HEADER + bytes(MP3_FRAME_BYTES - 4)
    return (id3_tag() if tagged else b"") + frame * frames


def amr(frames: int = 50) -> bytes:
    """AMR-NB as Android and many Chinese phones save calls: the magic line, then 12.2 kbit/s frames (type 7,
    quality bit set: header byte 0x3C, 32 bytes a frame, 20 ms each)."""
    return b"#!AMR\n" + (b"\x3c" + bytes(31)) * frames


def amr_wb(frames: int = 50) -> bytes:
    """AMR-WB: 23.85 kbit/s frames (type 8, header byte 0x44, 61 bytes a frame)."""
    return b"#!AMR-WB\n" + (b"\x44" + bytes(60)) * frames


# One frame of silence from an AAC-LC encoder (8 kHz, mono): a single channel element, then the end element.
AAC_SILENT_FRAME = b"\x01\x18\x20\x07"


def aac_adts(frames: int = 20) -> bytes:
    """Raw AAC in ADTS frames (AAC-LC, 8 kHz, mono, no checksum), as some recorders save `.aac` files."""
    length = 7 + len(AAC_SILENT_FRAME)
    header = bytes(
        [
            0xFF,
            0xF1,  # sync, MPEG-4, layer 0, no checksum
            (1 << 6) | (11 << 2),  # profile AAC-LC (1), sampling index 11 (8000 Hz)
            (1 << 6) | ((length >> 11) & 3),  # one channel
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | 0x1F,
            0xFC,
        ]
    )
    return (header + AAC_SILENT_FRAME) * frames


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full_box(kind: bytes, *parts: bytes) -> bytes:
    return _box(kind, b"\x00\x00\x00\x00", *parts)


def _track(handler: bytes, codec: bytes) -> bytes:
    hdlr = _full_box(b"hdlr", bytes(4), handler, bytes(12), b"\x00")
    entry = _box(codec, bytes(6), b"\x00\x01", bytes(20))
    stsd = _full_box(b"stsd", struct.pack(">I", 1), entry)
    return _box(b"trak", _box(b"mdia", hdlr, _box(b"minf", _box(b"stbl", stsd))))


def mp4(brand: bytes = b"M4A ", tracks=((b"soun", b"mp4a"),), *, movie_first: bool = False) -> bytes:
    """An ISO media file as phones write them: `ftyp`, the movie box describing its tracks, the media data. An
    iPhone's recording is brand "M4A " with one sound track of AAC ("mp4a"); `movie_first` puts the movie box
    before the data, as files prepared for streaming have it."""
    ftyp = _box(b"ftyp", brand, bytes(4), brand, b"isommp42")
    mvhd = _full_box(b"mvhd", bytes(8), struct.pack(">I", 1000), bytes(84))  # times in milliseconds
    moov = _box(b"moov", mvhd, *(_track(handler, codec) for handler, codec in tracks))
    mdat = _box(b"mdat", bytes(2000))
    return ftyp + (moov + mdat if movie_first else mdat + moov)


def m4a() -> bytes:
    return mp4()


def amr_3gp() -> bytes:
    """An older Android phone's call recording: AMR ("samr") in a 3GP file."""
    return mp4(b"3gp4", ((b"soun", b"samr"),))


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, *, sequence: int, first: bool = False, granule: int = 0) -> bytes:
    segments = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, 0x02 if first else 0, granule, 0x5EED, sequence, 0, len(segments))
    page = header + bytes(segments) + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_opus() -> bytes:
    """Opus in Ogg, as messaging apps and some recorders save voice: the identification and comment headers, then
    one packet of silence."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    return (
        _ogg_page(head, sequence=0, first=True)
        + _ogg_page(tags, sequence=1)
        + _ogg_page(b"\xf8\xff\xfe", sequence=2, granule=960)
    )


# Name, bytes, and the (extension, content type) each is stored with.
ACCEPTED = [
    ("通话录音.wav", wav, ("wav", "audio/wav")),
    ("95188 通话.mp3", mp3, ("mp3", "audio/mpeg")),
    ("Call_13800138000.amr", amr, ("amr", "audio/amr")),
    ("宽带录音.awb", amr_wb, ("awb", "audio/amr-wb")),
    ("新录音 3.m4a", m4a, ("m4a", "audio/mp4")),
    ("call_20261130.3gp", amr_3gp, ("3gp", "audio/3gpp")),
    ("录音.aac", aac_adts, ("aac", "audio/aac")),
    ("语音.opus", ogg_opus, ("opus", "audio/ogg")),
]


def upload(name: str = "通话录音.amr", build: Callable[[], bytes] = amr) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, build())


# --- bad files named as recordings -------------------------------------------------------------------------------


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a recording")
    return out.getvalue()


def windows_executable() -> bytes:
    """The start of a Windows program ("MZ", and the PE header it points to)."""
    return b"MZ" + bytes(58) + struct.pack("<I", 64) + b"PE\x00\x00" + bytes(200)


def id3_then_web_page() -> bytes:
    """An ID3 tag, then a web page where the sound should be."""
    return id3_tag() + files.html_page() * 20


def mp3_with_web_page_in_its_tag() -> bytes:
    """A real MP3 whose tag holds a web page: played, it is silence; opened as HTML, the script would run."""
    page = files.html_page()
    frame = b"COMM" + struct.pack(">I", len(page) + 4) + b"\x00\x00" + b"\x00eng" + page
    return b"ID3\x03\x00\x00" + _synchsafe(len(frame)) + frame + mp3(tagged=False)


def video() -> bytes:
    """A phone's video: a picture track beside the sound."""
    return mp4(b"isom", ((b"vide", b"avc1"), (b"soun", b"mp4a")))


def m4a_cut_off() -> bytes:
    """An iPhone recording whose upload broke off before the movie box at its end."""
    return m4a()[:-40]


def amr_of_noise() -> bytes:
    return b"#!AMR\n" + bytes([0xFF, 0x13, 0x7E, 0x81]) * 40


def twenty_one_megabytes() -> bytes:
    """An MP3 just past the 20 MB limit of a recording."""
    return mp3(frames=21 * 1024 * 1024 // MP3_FRAME_BYTES + 1)
