"""The one place a torch-side command checks that PyTorch is installed.

The CLI front (excolor.cli, torch-free like the rest of the runtime) calls this inside the
`run` of commands that train, import or export models, so the runtime never imports torch
itself and a missing PyTorch gets a message that says how to install it.
"""
from excolor.errors import UsageError


def require_torch(command):
    """Import and return torch, or raise UsageError naming `command` and the extra to install."""
    try:  # deferred on purpose: checking whether the optional torch is there is this module's job
        import torch
    except ImportError as error:
        raise UsageError(f"{command} needs PyTorch: pip install 'excolor[train]'") from error
    return torch
