"""A tiny MaxMind DB (format 2.0) writer for tests: IPv4 networks, each with a record of maps, strings,
whole numbers and floats; enough for the reader `maxminddb` to answer lookups as from a real file."""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Mapping
from pathlib import Path

Value = Mapping[str, "Value"] | str | int | float | list[str]

METADATA_START = b"\xab\xcd\xefMaxMind.com"
RECORD_SIZE = 24


def _head(kind: int, size: int) -> bytes:
    """A field's control byte (types above 7 are extended: the type goes into a second byte)."""
    assert size < 29
    if kind <= 7:
        return bytes([(kind << 5) | size])
    return bytes([size, kind - 7])


# The metadata's numbers have fixed types (libmaxminddb checks them); any other whole number is a uint32.
UINT16_KEYS = {"binary_format_major_version", "binary_format_minor_version", "ip_version", "record_size"}
UINT64_KEYS = {"build_epoch"}


def _uint(value: int, kind: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return _head(kind, len(raw)) + raw


def encode(value: Value) -> bytes:
    if isinstance(value, Mapping):
        body = b""
        for key, item in value.items():
            if key in UINT16_KEYS or key in UINT64_KEYS:
                assert isinstance(item, int)
                body += encode(key) + _uint(item, 5 if key in UINT16_KEYS else 9)
            else:
                body += encode(key) + encode(item)
        return _head(7, len(value)) + body
    if isinstance(value, list):
        return _head(11, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, str):
        raw = value.encode()
        return _head(2, len(raw)) + raw
    if isinstance(value, float):
        return _head(3, 8) + struct.pack(">d", value)
    return _uint(value, 6)


def write(path: Path, networks: Mapping[str, Mapping[str, Value]]) -> Path:
    """A database answering each network's record (networks must not nest)."""
    data = b""
    offsets: dict[str, int] = {}
    for network, record in networks.items():
        offsets[network] = len(data)
        data += encode(record)
    # One chain of nodes per network, from the root; a record with no node under it points nowhere.
    nodes: list[list[int | None]] = [[None, None]]
    leaves: list[tuple[int, int, str]] = []
    for network in networks:
        parsed = ipaddress.IPv4Network(network)
        bits = format(int(parsed.network_address), "032b")[: parsed.prefixlen]
        node = 0
        for depth, bit in enumerate(bits):
            side = int(bit)
            if depth == len(bits) - 1:
                leaves.append((node, side, network))
                break
            child = nodes[node][side]
            if child is None:
                nodes.append([None, None])
                child = nodes[node][side] = len(nodes) - 1
            node = child
    count = len(nodes)
    for node, side, network in leaves:
        nodes[node][side] = count + 16 + offsets[network]
    tree = b"".join(
        (count if record is None else record).to_bytes(3, "big") for pair in nodes for record in pair
    )
    metadata = encode({
        "binary_format_major_version": 2, "binary_format_minor_version": 0, "build_epoch": 1_700_000_000,
        "database_type": "Souk-Test-City", "description": {"en": "tests"}, "ip_version": 4,
        "languages": ["en"], "node_count": count, "record_size": RECORD_SIZE,
    })  # fmt: skip
    path.write_bytes(tree + bytes(16) + data + METADATA_START + metadata)
    return path
