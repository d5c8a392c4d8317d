"""What C libraries print on the process's stderr themselves, held back around a read.

libpng prints `libpng error: IDAT: Read error: ...` on stderr before OpenImageIO reports the
same failure, which excolor then says in its own words, naming the file (excolor.io.image): a
raw line from a library the user never named, ahead of the message that explains it.

    with held_back("libpng"):
        image = oiio.ImageInput.open(path)

holds the process's stderr (file descriptor 2) in a temporary file for the span, and writes
back what else was written meanwhile (another thread's line), in order, once it ends: only
lines that start with one of the prefixes are dropped. One span at a time (a lock): the
descriptor is the process's. (excolor.ort.providers collects ONNX Runtime's lines the same
way; the layers keep the two apart: I/O does not import the ONNX Runtime layer.)
"""
import contextlib
import os
import sys
import tempfile
import threading

_LOCK = threading.Lock()


@contextlib.contextmanager
def held_back(*prefixes):
    """Drop the lines starting with `prefixes` that native code writes on stderr in the span."""
    with _LOCK, tempfile.TemporaryFile() as held:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode("utf-8", "replace").splitlines(keepends=True)
            rest = "".join(line for line in lines if not line.startswith(prefixes))
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()
