"""A timeline picture: events on a time axis, membership spells as bars per member.

Date uncertainty is drawn, not hidden: a date that means a range (a month, a year, an
interval) is a bar over that whole range, a single day a dot; approximate or uncertain
dates (`~ ? %`) are hollow/dashed; a spell's uncertain start or end is a pale segment,
an open end runs to the edge with an arrow, an unknown start begins at the edge dashed.

The layout is a list of drawing primitives rendered by two small backends: SVG (text,
deterministic, so `docs/timeline.svg` is checked for drift) and PNG (Pillow, extra
`bri-data[plot]`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bri_data.contract.edtf import bounds
from bri_data.dataset.records import Dataset, load
from bri_data.errors import UsageError, require
from bri_data.files.atomic import PNG_TEXT, SVG_MARK, output_path, write_with
from bri_data.files.limits import MAX_TIMELINE_ROWS
from bri_data.findings import printable

STATUS_COLORS = {
    "fact": "#1f4e79",
    "claimed": "#c55a11",
    "alleged": "#c00000",
    "planned": "#548235",
    "hypothetical": "#7f7f7f",
    "analysis": "#7030a0",
}
SPELL_COLORS = {
    "interested": "#9dc3e6",
    "aspirant": "#5b9bd5",
    "applicant": "#2e75b6",
    "partner": "#c55a11",
    "member": "#375623",
    "abstaining": "#a6a6a6",
}
WIDTH, LEFT, RIGHT, ROW = 1500, 260, 30, 18
FONT = 11


@dataclass(frozen=True)
class Shape:
    kind: str  # rect, line, circle, text
    x: float
    y: float
    w: float = 0.0  # width / x2 / radius
    h: float = 0.0  # height / y2
    color: str = "#000000"
    fill: bool = True
    dashed: bool = False
    opacity: float = 1.0
    text: str = ""
    anchor: str = "start"
    size: int = FONT


@dataclass
class Drawing:
    width: int
    height: int = 0
    shapes: list[Shape] = field(default_factory=list)

    def add(self, *shapes: Shape) -> None:
        self.shapes.extend(shapes)


def _text_width(text: str, size: int = FONT) -> float:
    return 0.56 * size * len(text)


def _span(value: str | None) -> tuple[int | None, int | None]:
    b = bounds(value) if value else None
    if b is None:
        return None, None
    return tuple(dt.date(*d).toordinal() if d is not None and 1 <= d[0] <= 9999 else None for d in b)  # type: ignore[return-value]


def layout(ds: Dataset) -> Drawing:
    events = []
    for e in ds.tables["events"]:
        lo, hi = _span(e.date)
        if lo is not None or hi is not None:  # an open bound (`../2024-10-31`) is drawn to the edge
            events.append((lo, hi, e))
    spells = [(m, *_span(m.start), *_span(m.end)) for m in ds.tables["memberships"]]
    known = [d for lo, hi, _ in events for d in (lo, hi) if d is not None] + [d for s in spells for d in s[1:] if d is not None]
    if not known:  # nothing dated: an empty axis over one year rather than no picture
        known = [dt.date(2000, 1, 1).toordinal()]
    y0, y1 = dt.date.fromordinal(min(known)).year, dt.date.fromordinal(max(known)).year
    t0 = dt.date(y0, 1, 1).toordinal()
    t1 = dt.date(y1, 12, 31).toordinal() + 1  # 1 January after the last year (also after 9999)
    plot = WIDTH - LEFT - RIGHT

    def x(day: int) -> float:
        return round(LEFT + (day - t0) / (t1 - t0) * plot, 1)

    d = Drawing(WIDTH)
    y = 30
    d.add(Shape("text", 10, y, text="bri-data: events and BRICS membership spells, as the seeds date them", size=15))
    y += 30
    # membership spells, one row per member
    d.add(Shape("text", 10, y, text="Membership spells (towards BRICS)", size=13))
    y += 8
    members: dict[str, list[Any]] = {}
    for s in spells:
        members.setdefault(s[0].member_id, []).append(s)
    top_spells = y
    if len(members) > MAX_TIMELINE_ROWS:
        raise UsageError(f"the timeline needs {len(members)} member rows; bri-data draws at most {MAX_TIMELINE_ROWS} (README: Limits)")
    for member_id, rows in sorted(members.items(), key=lambda kv: ds[kv[0]].name.lower()):
        y += ROW + 4
        name = ds[member_id].name
        name = name if _text_width(name) < LEFT - 16 else name[: int((LEFT - 16) / (0.56 * FONT)) - 1] + "…"
        d.add(Shape("text", LEFT - 8, y + 4, text=name, anchor="end"))
        for m, s_lo, s_hi, e_lo, e_hi in rows:
            color = SPELL_COLORS[m.status]
            # the day it surely holds from; a start open towards the future (`2024-10/..`) from its first day
            start = x(s_hi) if s_hi is not None else x(s_lo) if s_lo is not None else LEFT
            end = x(e_lo) if e_lo is not None else WIDTH - RIGHT
            dashed = s_lo is None or m.basis != "fact"
            d.add(Shape("rect", start, y - 5, max(end - start, 2), 10, color, dashed=dashed, opacity=0.6 if dashed else 1.0))
            if s_lo is not None and s_hi is not None and s_hi > s_lo:  # uncertain start
                d.add(Shape("rect", x(s_lo), y - 5, x(s_hi) - x(s_lo), 10, color, opacity=0.35))
            if e_lo is not None and e_hi is not None and e_hi > e_lo:  # uncertain end
                d.add(Shape("rect", x(e_lo), y - 5, x(e_hi) - x(e_lo), 10, color, opacity=0.35))
            if e_lo is None:  # open: still holds, or end not given
                d.add(Shape("line", WIDTH - RIGHT - 6, y - 7, WIDTH - RIGHT, y, color), Shape("line", WIDTH - RIGHT - 6, y + 7, WIDTH - RIGHT, y, color))
            label = m.status + ("" if m.basis == "fact" else f" ({m.basis})") + ("" if s_lo is not None or e_lo is not None else ", dates not given")
            d.add(Shape("text", start + 4, y - 7, text=label, size=9, color="#404040"))
    y += ROW + 10
    # events, stacked into lanes so that labels do not overlap
    d.add(Shape("text", 10, y, text="Dated events (colour: status; bar: the range a date can mean; hollow: approximate)", size=13))
    lanes: list[float] = []
    placed = []
    for lo, hi, e in sorted(events, key=lambda t: (t[0] if t[0] is not None else t0, t[1] if t[1] is not None else t1, t[2].id)):
        label = f"{e.date}  {e.summary}"
        label = label if len(label) <= 70 else label[:69] + "…"
        x0 = x(lo) if lo is not None else LEFT
        x1 = max(x(hi) if hi is not None else WIDTH - RIGHT, x0 + 6)
        right = x1 + 6 + _text_width(label)
        shift = right - (WIDTH - RIGHT)
        inside = shift > 0 and x0 - 6 - _text_width(label) < 0  # fits on neither side: over the (hollow) bar
        tx = x1 + 6 if shift <= 0 else x0 + 10 if inside else x0 - 6
        span = (x0, right) if shift <= 0 else (x0, x1) if inside else (x0 - 6 - _text_width(label), x1)
        lane = next((i for i, end in enumerate(lanes) if end < span[0]), len(lanes))
        if lane == len(lanes):
            if len(lanes) + len(members) >= MAX_TIMELINE_ROWS:
                raise UsageError(
                    f"the timeline needs more than {MAX_TIMELINE_ROWS} rows (members and event lanes); "
                    "bri-data draws at most that many (README: Limits)"
                )
            lanes.append(span[1])
        lanes[lane] = span[1]
        placed.append((lane, x0, x1, tx, "start" if shift <= 0 or inside else "end", label, e, lo, hi))
    top_events = y + 16
    for lane, x0, x1, tx, anchor, label, e, lo, hi in placed:
        ly = top_events + lane * ROW
        color = STATUS_COLORS[e.status]
        fuzzy = any(q in (e.date or "") for q in "~?%")
        if lo is None or hi is None:  # open towards the past or the future: dashed, arrow at the open end
            d.add(Shape("rect", x0, ly - 3, x1 - x0, 6, color, fill=False, dashed=True, opacity=0.8))
            tip = x0 if lo is None else x1
            back = 6 if lo is None else -6
            d.add(Shape("line", tip + back, ly - 5, tip, ly, color), Shape("line", tip + back, ly + 5, tip, ly, color))
        elif hi > lo:
            d.add(Shape("rect", x0, ly - 3, x1 - x0, 6, color, fill=not fuzzy, dashed=fuzzy, opacity=0.8))
        else:
            d.add(Shape("circle", x0, ly, 4, 0, color, fill=not fuzzy))
        d.add(Shape("text", tx, ly + 4, text=label, anchor=anchor, size=10))
    y = top_events + len(lanes) * ROW + 10
    # axis with year ticks, across the whole picture
    d.add(Shape("line", LEFT, y, WIDTH - RIGHT, y, "#000000"))
    step = max(1, -(-(y1 + 2 - y0) // 60))  # at most ~60 year ticks, however long the span
    years = list(range(y0, y1 + 2, step))
    for year in years + ([y1 + 1] if years[-1] != y1 + 1 else []):  # the axis end always has its tick
        tx = x(dt.date(year, 1, 1).toordinal() if year <= 9999 else t1)
        d.shapes.insert(1, Shape("line", tx, top_spells, tx, y + 4, "#d9d9d9", dashed=True))  # beneath the data
        d.add(Shape("text", tx, y + 18, text=str(year), anchor="middle"))
    y += 40
    lx: float = LEFT
    for status, color in STATUS_COLORS.items():
        d.add(Shape("circle", lx, y - 4, 4, 0, color), Shape("text", lx + 8, y, text=status, size=10))
        lx += 30 + _text_width(status, 10)
    y += 20
    lx = LEFT
    for status, color in SPELL_COLORS.items():
        d.add(Shape("rect", lx, y - 9, 14, 10, color), Shape("text", lx + 18, y, text=status, size=10))
        lx += 36 + _text_width(status, 10)
    d.add(Shape("text", lx + 10, y, text="faded, dashed: not stated as fact, or start unknown; pale ends: uncertain start/end; arrow: open end", size=10))
    d.height = int(y + 20)
    return d


def to_svg(d: Drawing) -> str:
    out = [
        SVG_MARK,  # what `--force` looks for (`atomic.SIGNATURES`)
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{d.width}" height="{d.height}" viewBox="0 0 {d.width} {d.height}" '
        'font-family="Helvetica, Arial, sans-serif">',
        f'<rect x="0" y="0" width="{d.width}" height="{d.height}" fill="#ffffff"/>',
    ]
    for s in d.shapes:
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        op = f' opacity="{s.opacity}"' if s.opacity != 1.0 else ""
        if s.kind == "rect":
            fill = s.color if s.fill else "none"
            out.append(f'<rect class="shape" x="{s.x}" y="{s.y}" width="{round(s.w, 1)}" height="{s.h}" fill="{fill}" stroke="{s.color}"{dash}{op}/>')
        elif s.kind == "line":
            out.append(f'<line x1="{s.x}" y1="{s.y}" x2="{s.w}" y2="{s.h}" stroke="{s.color}"{dash}{op}/>')
        elif s.kind == "circle":
            fill = s.color if s.fill else "#ffffff"
            out.append(f'<circle class="shape" cx="{s.x}" cy="{s.y}" r="{s.w}" fill="{fill}" stroke="{s.color}" stroke-width="1.5"/>')
        else:
            out.append(f'<text x="{s.x}" y="{s.y}" font-size="{s.size}" text-anchor="{s.anchor}" fill="{s.color}">{escape(printable(s.text))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_png(d: Drawing, target: Path) -> None:
    pil: Any = require("PIL.Image", "plot")
    draw_mod: Any = require("PIL.ImageDraw", "plot")
    font_mod: Any = require("PIL.ImageFont", "plot")
    scale = 2  # crisp on high-density screens
    img = pil.new("RGB", (d.width * scale, d.height * scale), "white")
    g = draw_mod.Draw(img, "RGBA")

    def rgba(color: str, opacity: float) -> tuple[int, int, int, int]:
        return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), int(255 * opacity))

    for s in d.shapes:
        c = rgba(s.color, s.opacity)
        if s.kind == "rect":
            box = [s.x * scale, s.y * scale, (s.x + s.w) * scale, (s.y + s.h) * scale]
            g.rectangle(box, fill=c if s.fill else None, outline=c, width=scale)
        elif s.kind == "line":
            g.line([s.x * scale, s.y * scale, s.w * scale, s.h * scale], fill=c, width=scale)
        elif s.kind == "circle":
            r = s.w * scale
            g.ellipse([s.x * scale - r, s.y * scale - r, s.x * scale + r, s.y * scale + r], fill=c if s.fill else "white", outline=c, width=scale)
        else:
            font = font_mod.load_default(size=s.size * scale)
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
            g.text((s.x * scale, s.y * scale), printable(s.text), fill=c, font=font, anchor=anchor)
    png: Any = require("PIL.PngImagePlugin", "plot")
    info = png.PngInfo()
    info.add_text(*PNG_TEXT)  # what `--force` looks for (`atomic.SIGNATURES`)
    img.save(target, format="PNG", pnginfo=info)


def render(out: str | Path, path: str | Path | None = None, force: bool = False) -> Path:
    """Draw the timeline of the package at PATH to OUT (.svg or .png), atomically."""
    out = output_path(out)
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise UsageError(f"{out}: the timeline is written as .svg or .png")
    if suffix == ".png":
        require("PIL.Image", "plot")
    drawing = layout(load(path))
    if suffix == ".svg":
        text = to_svg(drawing)

        def write_svg(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        write_with(out, write_svg, force=force, suffix=".svg", kind="svg")
    else:
        write_with(out, lambda tmp: to_png(drawing, tmp), force=force, suffix=".png", kind="png")
    return out


def svg_for(root: Path) -> str:
    """The committed docs/timeline.svg of the package at ROOT (used by `bri-data build`)."""
    return to_svg(layout(load(root)))

