"""Draw the portal's icons: a road that forks, one branch turning away (diversion).

Run once after changing the design, and commit the PNGs (needs Pillow: pip install pillow):

    .venv/bin/python pwa/tools/make_icons.py

"any" icons are a rounded tile; the maskable icon fills the square and keeps the symbol inside
the central 80% safe zone, so Android's circle or squircle masks never cut it.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

NAVY = (11, 37, 69, 255)
WHITE = (255, 255, 255, 255)
YELLOW = (255, 221, 0, 255)
FADED = (104, 122, 148, 255)
ICONS = Path(__file__).resolve().parents[1] / "icons"
SCALE = 4  # draw large, then downsample: smooth edges without an anti-aliasing library


def symbol(draw: ImageDraw.ImageDraw, size: int, inset: float) -> None:
    """The fork, drawn within the square [inset, size - inset]."""
    span = size - 2 * inset

    def at(x: float, y: float) -> tuple[float, float]:
        return inset + x * span, inset + y * span

    width = round(span * 0.12)
    half = width / 2

    def dot(x: float, y: float, colour: tuple[int, int, int, int]) -> None:
        cx, cy = at(x, y)
        draw.ellipse([cx - half, cy - half, cx + half, cy + half], fill=colour)

    trunk, fork, radius = 0.36, 0.58, 0.24
    # straight on (the way to arrest), muted
    draw.line([at(trunk, fork), at(trunk, 0.10)], fill=FADED, width=width)
    dot(trunk, 0.10, FADED)
    # the road in, from the bottom
    draw.line([at(trunk, 0.92), at(trunk, fork)], fill=WHITE, width=width)
    dot(trunk, 0.92, WHITE)
    # the diversion: a quarter circle turning right, then an arrowhead
    # stamped as overlapping discs: Pillow's thick arcs come out stepped
    for step in range(121):
        angle = math.pi * (1 + step / 240)  # from the left of the circle to its top
        centre_x, centre_y = trunk + radius, fork
        dot(centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle), YELLOW)
    top = fork - radius
    draw.line([at(trunk + radius, top), at(0.70, top)], fill=YELLOW, width=width)
    draw.polygon([at(0.66, top - 0.16), at(0.92, top), at(0.66, top + 0.16)], fill=YELLOW)


def tile(size: int, *, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, big, big], fill=NAVY)
        symbol(draw, big, inset=big * 0.22)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 0.2, fill=NAVY)
        symbol(draw, big, inset=big * 0.14)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(exist_ok=True)
    tile(192, maskable=False).save(ICONS / "icon-192.png", optimize=True)
    tile(512, maskable=False).save(ICONS / "icon-512.png", optimize=True)
    tile(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)
    # iOS draws its own rounded corners and shows transparency as black: a full square
    tile(180, maskable=True).convert("RGB").save(ICONS / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
