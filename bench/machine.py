"""What the figures were measured on."""

import os
import platform


def cpu_model():
    """The CPU's model name from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe():
    """CPU model, cores, load and Python, as a dict."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)),
            "load_average": os.getloadavg(),  # other work on the machine shows up here, and in the figures
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "platform": platform.platform()}
