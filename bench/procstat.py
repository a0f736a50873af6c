"""A server's CPU time and peak memory, read from /proc (Linux only)."""

import os

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User plus system CPU seconds of every thread of the process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        fields = stat.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / _TICKS


def tree_cpu_seconds(pid):
    """CPU seconds of the process and of its children, those running and those it has waited for
    (`usersync serve --workers`: the supervisor and its workers, a replaced one included)."""
    own = _stat(pid)
    total = (int(own[11]) + int(own[12]) + int(own[13]) + int(own[14])) / _TICKS  # utime stime cutime cstime
    return total + sum(tree_cpu_seconds(child) for child in children(pid))


def children(pid):
    """The pids of the process's running children."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(entry)[1]) == pid:  # field 4 of proc(5): the parent's pid
                    found.append(int(entry))
            except (OSError, IndexError):
                continue  # gone since the listing
    return found


def _stat(pid):
    """The fields of /proc/PID/stat after the command name, which may hold spaces: [0] is the state."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def tree_memory_mb(pid, key="VmHWM"):
    """memory_mb of the process plus its children's (pages shared since a fork are counted in each)."""
    figures = [memory_mb(p, key) for p in (pid, *children(pid))]
    return sum(f for f in figures if f is not None)


def memory_mb(pid, key="VmHWM"):
    """A /proc/PID/status memory figure in MB: VmHWM is the peak resident set, VmRSS the current one."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return None
