"""The Activity chart and the Configured IDPs sparklines as inline SVG, built on the server: no script, and
colours from admin.css by class (the pages' CSP allows no inline style).

Pure presentation: it draws store.trail.counts.Counts and reads nothing.
"""

from markupsafe import Markup, escape

# What each series counts, for the legend, the hover text and the numbers' table (store.trail.counts says how).
SERIES = {
    "writes": ("Writes", "user and group writes the audit trail recorded: SCIM requests, Bulk and pull operations, "
                         "applied, refused or failed (reads and writes that changed nothing leave no record)"),
    "applied": ("Changes applied", "users, groups and host group memberships changed on the host"),
    "refused": ("Refusals", "writes and pull runs refused (4xx) or failed (5xx)"),
}
_NOUNS = {"writes": ("write", "writes"), "applied": ("change applied", "changes applied"),
          "refused": ("refusal", "refusals")}
WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 24, 10, 22
SPARK_WIDTH, SPARK_HEIGHT = 96, 24


def chart(counts, title):
    """The chart of counts: writes as bars, changes applied and refusals as lines over them (so equal
    counts never hide one another), the axis labels, and each bucket's numbers on hover."""
    top = _ceiling(max(max(values) for values in counts.series.values()))
    step = (WIDTH - LEFT - RIGHT) / len(counts.starts)
    x = [LEFT + (i + 0.5) * step for i in range(len(counts.starts))]  # the middle of each bucket

    def y(value):
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)

    parts = [_grid(top, y), _x_labels(counts, x)]
    parts.extend(f'<rect class="chart-bar chart-writes" x="{x[i] - step * 0.3:.1f}" y="{y(v):.1f}" '
                 f'width="{step * 0.6:.1f}" height="{y(0) - y(v):.1f}"/>'
                 for i, v in enumerate(counts.series["writes"]) if v)
    for name in ("applied", "refused"):
        values = counts.series[name]
        parts.append(_line(f"chart-line chart-{name}", x, [y(v) for v in values]))
        parts.extend(f'<circle class="chart-dot chart-{name}" cx="{x[i]:.1f}" cy="{y(v):.1f}" r="2.5"/>'
                     for i, v in enumerate(values) if v)
    parts.extend(_hover(counts, i, LEFT + i * step, step) for i in range(len(counts.starts)))
    summary = ", ".join(counted(counts.total(name), name) for name in counts.series)
    return Markup(
        f'<svg class="chart" id="activity-chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape(counts.span.label.capitalize())}: {summary}.</desc>'
        + "".join(parts) + "</svg>")


def sparkline(counts, label):
    """A small line of writes, with a red mark where there were refusals; the totals on hover."""
    writes, refused = counts.series["writes"], counts.series["refused"]
    top = max(1, max(writes), max(refused))
    step = SPARK_WIDTH / max(1, len(writes) - 1)
    x = [i * step for i in range(len(writes))]

    def y(value):
        return 2 + (SPARK_HEIGHT - 4) * (1 - value / top)

    marks = "".join(f'<circle class="chart-refused" cx="{x[i]:.1f}" cy="{y(v):.1f}" r="2"/>'
                    for i, v in enumerate(refused) if v)
    totals = "; ".join(counted(counts.total(name), name) for name in counts.series)
    text = f"{label}, {counts.span.label}: {totals}"
    return Markup(
        f'<svg class="sparkline" viewBox="-2 0 {SPARK_WIDTH + 4} {SPARK_HEIGHT}" width="{SPARK_WIDTH + 4}" '
        f'height="{SPARK_HEIGHT}" role="img" aria-label="{escape(text)}"><title>{escape(text)}</title>'
        + _line("chart-line chart-writes", x, [y(v) for v in writes]) + marks + "</svg>")


def bucket_label(counts, i):
    """'2026-12-06 14:00' for an hour, '2026-12-06' for a day (UTC)."""
    start = counts.starts[i]
    return start.strftime("%Y-%m-%d %H:00") if counts.span.name == "24h" else start.strftime("%Y-%m-%d")


def counted(number, name):
    """'1 write', '3 changes applied'."""
    return f"{number} {_NOUNS[name][number != 1]}"


def _ceiling(value):
    """A round top for the axis: 1, 2, 5, 10, 20, 50 ... at least value."""
    top = 1
    while top < value:
        for factor in (2, 2.5, 2):
            top *= factor
            if top >= value:
                break
    return int(top)


def _grid(top, y):
    lines = []
    for value in sorted({0, top / 2, top}) if top > 1 else (0, 1):
        at = y(value)
        lines.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>'
                     f'<text class="chart-axis" x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">{value:g}</text>')
    return "".join(lines)


def _x_labels(counts, x):
    every = 6 if counts.span.name == "24h" else 5
    shown = "%H:00" if counts.span.name == "24h" else "%m-%d"
    last = len(counts.starts) - 1
    return "".join(f'<text class="chart-axis" x="{x[i]:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                   f'{counts.starts[i].strftime(shown)}</text>'
                   for i in range(len(counts.starts)) if (last - i) % every == 0)


def _line(css, x, y):
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y))
    return f'<polyline class="{css}" points="{points}"/>'


def _hover(counts, i, left, width):
    """A column as tall as the chart, its bucket's numbers as its title (what the browser shows on hover)."""
    numbers = ", ".join(counted(counts.series[name][i], name) for name in counts.series)
    return (f'<rect class="chart-hover" x="{left:.1f}" y="{TOP}" width="{width:.1f}" '
            f'height="{HEIGHT - TOP - BOTTOM}"><title>{bucket_label(counts, i)} UTC: {numbers}</title></rect>')
