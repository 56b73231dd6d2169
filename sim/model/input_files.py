"""Reading an input file safely: a regular file of bounded size, in UTF-8.

Model, experiment and headcount files are named by users, so a name may point at
anything: a pipe that blocks an open forever, a device (/dev/zero) that never ends, a
link that loops, a file of gigabytes or in another encoding. Each is refused here with
a message that says what was expected, before anything is read into memory.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from sim.model.reader import is_control


class InputFileError(Exception):
    """An input file that cannot be read; ``message`` says why and what was expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shown_path(path: Path | str) -> str:
    """A path as a message shows it: as written, or repr'd if it has control characters."""
    text = str(path)
    return repr(text) if any(is_control(c) for c in text) else text


def read_text(path: Path, limit: int, kind: str, utf8_hint: str = "") -> str:
    """The text of the regular file at ``path``, of at most ``limit`` bytes, in UTF-8
    (a leading byte order mark dropped); an :class:`InputFileError` otherwise.

    What the path is gets checked before it is opened: a pipe would block the open
    forever and a device (/dev/zero) never end. The file is opened non-blocking and
    checked again after opening, in case it was swapped meanwhile, and never read
    beyond ``limit``. ``kind`` names the file expected, like "a TOML file".
    """
    wrong = file_problem(path, limit, kind)
    if wrong:
        raise InputFileError(wrong)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise InputFileError(f"cannot read: {err.strerror or err}") from None
    try:
        _check_kind(os.fstat(fd), limit, kind)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise InputFileError(f"cannot read: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # grown since it was checked
        raise InputFileError(f"is larger than {limit:,} bytes; expected {kind} of at most {limit:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputFileError(f"not UTF-8 text (byte {err.start + 1:,} is not); save it as UTF-8{utf8_hint}") from None
    return text.removeprefix("\ufeff")


def resolved(path: Path) -> Path | None:
    """``path`` made absolute with its symbolic links followed; None if that fails (a
    link loop, which Python 3.11 raises as RuntimeError, or a name the system refuses)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def file_problem(path: Path, limit: int, kind: str) -> str | None:
    """Why ``path`` is not a regular file of at most ``limit`` bytes (None: it is), from
    its metadata alone: nothing is opened."""
    if "\0" in str(path):
        return f"the path has a NUL character; expected the path of {kind}"
    try:
        _check_kind(os.stat(path), limit, kind)
    except FileNotFoundError:
        return "file not found"
    except OSError as err:  # a symbolic link that loops, a name too long, no permission...
        return f"cannot read: {err.strerror or err}"
    except InputFileError as err:
        return err.message
    return None


def _check_kind(info: os.stat_result, limit: int, kind: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"is a folder; expected {kind}")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"is not a regular file (it is a device, a pipe or a socket); expected {kind}")
    if info.st_size > limit:
        raise InputFileError(f"is {info.st_size:,} bytes; expected {kind} of at most {limit:,} bytes")


def nesting(value: object) -> int:
    """How deep tables and lists are nested in parsed TOML (a plain value: 0)."""
    deepest, stack = 0, [(value, 0)]
    while stack:  # no recursion: the value may be nested deeper than Python recurses
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest
