"""Command line: ``python -m mnist_utils data`` prepares MNIST (cache + torchvision files)."""

import sys

USAGE = "usage: python -m mnist_utils data    # fetch/verify MNIST and fill the caches"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["data"]:
        from .sources import main as prepare_data

        prepare_data()
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
