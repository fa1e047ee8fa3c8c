#!/usr/bin/env python3
"""Builds the demo corpus from Debian's `fortunes` and `fortunes-min` packages (BSD licence).

Usage (on Debian): apt-get download fortunes fortunes-min; dpkg -x each .deb into DIR; then
    python3 prepare.py DIR/usr/share/games/fortunes
Writes train.txt and valid.txt: fortunes separated by lines holding a single '%'. The split is
fixed: every 20th fortune (in file-name order, then file order) goes to validation.
"""
import pathlib
import sys

SKIP = {"art", "ascii-art"}  # ASCII drawings, not prose

def fortunes(src):
    for path in sorted(pathlib.Path(src).iterdir()):
        if path.suffix or path.name in SKIP:  # .dat indexes, .u8 symlinks
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for chunk in text.split("\n%\n"):
            chunk = chunk.replace("\t", "    ").strip("\n")
            if chunk.strip() and len(chunk) <= 1000:
                yield chunk

def main():
    items = list(fortunes(sys.argv[1]))
    train = [f for i, f in enumerate(items) if i % 20 != 0]
    valid = [f for i, f in enumerate(items) if i % 20 == 0]
    here = pathlib.Path(__file__).parent
    for name, part in (("train.txt", train), ("valid.txt", valid)):
        (here / name).write_text("\n%\n".join(part) + "\n", encoding="utf-8")
    print(f"{len(train)} train, {len(valid)} validation fortunes")

if __name__ == "__main__":
    main()
